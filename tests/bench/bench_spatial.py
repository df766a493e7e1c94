"""Figures of the live index and the service's memory. Run: python -m tests.bench.bench_spatial"""

from __future__ import annotations

import random
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from georisk.spatial import LiveIndex
from georisk.store import SQLiteStore
from tests.api_support import free_port
from tests.bench.common import median_seconds, report, seed_incidents, seed_units
from tests.conftest import ROOT
from tests.factories import T0, unit


def index_figures() -> None:
    rng = random.Random(4)
    index = LiveIndex()
    statuses = ["available", "en_route", "on_scene", "out_of_service"]
    for i in range(5_000):
        index.put(unit(f"u{i}", status=rng.choice(statuses), position_time=T0,
                       position=_point(rng)))
    spots = [(rng.uniform(11, 17), rng.uniform(57.5, 62.5)) for _ in range(2_000)]
    it = iter(spots)
    seconds = median_seconds(lambda: index.nearest(*next(it), 10, status="available"), 2_000)
    report("k=10 nearest available units among 5,000 (median)", seconds * 1e3, "ms",
           "<= 0.5", seconds * 1e3 <= 0.5)
    moves = [unit(f"u{rng.randrange(5_000)}", position=_point(rng), position_time=T0)
             for _ in range(5_000)]
    it2 = iter(moves)
    seconds = median_seconds(lambda: index.put(next(it2)), 5_000)
    report("moving one unit in the index (median)", seconds * 1e3, "ms", "<= 0.1",
           seconds * 1e3 <= 0.1)


def _point(rng: random.Random):
    import shapely

    return shapely.Point(rng.uniform(11, 17), rng.uniform(57.5, 62.5))


def _peak_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    return 0


def memory_figures(folder: Path) -> None:
    db = folder / "memory.db"
    store = SQLiteStore(db)
    rng = random.Random(5)
    seed_incidents(store, 50_000, rng)
    seed_units(store, 5_000, rng)
    store.close()

    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "app.cli", "serve", "--db", str(db), "--port", str(port)],
        cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    try:
        for _ in range(300):
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=2).read()
                break
            except OSError:
                time.sleep(0.1)
        children = subprocess.run(["pgrep", "-P", str(server.pid)], capture_output=True,
                                  text=True).stdout.split()
        pids = [server.pid, *map(int, children)]
        total = sum(_peak_kib(pid) for pid in pids) / 1024
        print(f"service peak memory, 50,000 incidents + 5,000 units in its store: {total:.0f} MiB"
              f" (master + {len(children)} worker)")
    finally:
        server.terminate()
        server.wait()

    code = (
        "import sys; from georisk.store import SQLiteStore; from georisk.spatial import LiveIndex;"
        f"s = SQLiteStore({str(db)!r}); i = LiveIndex.from_store(s);"
        "print(len(i), open('/proc/self/status').read().split('VmHWM:')[1].split()[0])"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         cwd=ROOT).stdout.split()
    print(f"a process holding the store and the live index of {int(out[0]):,} units and open "
          f"incidents: peak {int(out[1]) / 1024:.0f} MiB")


def main() -> None:
    index_figures()
    with tempfile.TemporaryDirectory() as tmp:
        memory_figures(Path(tmp))


if __name__ == "__main__":
    main()
