"""Briefing export at demo scale (issue 8): time to export, file size (assets vs data),
and time until the file is open and drawn in headless Chromium from disk, offline.

5,000 open incidents, 1,000 units, 200 blockages and a day of risk zones (the live
map's benchmark seed), exported for the joint centre's analyst through the real
export code (`layers.briefing_export`), as the CLI does.

Run: .venv/bin/python -m tests.bench.bench_export
"""

from __future__ import annotations

import re
import tempfile
import time
import zlib
from pathlib import Path

from georisk.access import Role, Viewer
from georisk.model import Agency
from georisk.queryparams import read
from georisk.store import open_store
from layers.briefing import data_json, render
from layers.briefing_export import ExportOptions, build
from layers.units import DEFAULT_STALE_AFTER_S
from tests import browser
from tests.bench.common import report
from tests.bench.livemap_seed import seed

READY = "document.documentElement.dataset.georiskReady === '1'"


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "georisk.db"
        seed(db)
        viewer = Viewer("analytiker", Agency.CENTRE, Role.ANALYST)
        options = read(ExportOptions, {"exported_at": "2026-07-10T10:00:00Z"})
        store = open_store(db)
        try:
            render(build(store, viewer, options, DEFAULT_STALE_AFTER_S))  # warm: boundaries...
            started = time.perf_counter()
            briefing = build(store, viewer, options, DEFAULT_STALE_AFTER_S)
            html = render(briefing)
            seconds = time.perf_counter() - started
        finally:
            store.close()
        size = len(html.encode())
        data = len(data_json(briefing).encode())
        scripts = sum(len(m.encode()) for m in re.findall(r"<script>.*?</script>", html, re.S))
        print(f"records: {len(briefing.versions):,} versions in {len(briefing.states)} state(s)")
        print(f"size: {size / 1e6:.2f} MB total = data {data / 1e6:.2f} MB + page and assets "
              f"{(size - data) / 1e6:.2f} MB (inlined scripts {scripts / 1e6:.2f} MB); "
              f"gzip -6: {len(zlib.compress(html.encode(), 6)) / 1e6:.2f} MB")
        report("export time", seconds, "s", "<= 3 s", seconds <= 3)
        report("file size", size / 1e6, "MB", "<= 5 MB", size <= 5e6)
        path = Path(tmp) / "briefing.html"
        path.write_text(html, encoding="utf-8")
        with browser.browser() as chromium:
            allow = lambda url: url.startswith(("file:", "data:"))  # noqa: E731
            with browser.open_page(chromium, path.as_uri(), allow, READY) as (page, visit):
                counts = page.evaluate("GeoriskBriefing.counts()")
                assert not visit.blocked and not visit.errors, (visit.blocked, visit.errors)
        print(f"drawn: {counts}")
        report("open and interactive", visit.ready_seconds, "s", "<= 3 s",
               visit.ready_seconds <= 3)


if __name__ == "__main__":
    main()
