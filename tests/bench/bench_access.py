"""The access policy's cost: median time of listing 1,000 incidents with the policy
against the same request with the policy bypassed (issue 7: at most 10% more).

Both runs are the real app answering ``GET /api/v1/incidents?limit=1000`` to a rescue
operator over 1,000 incidents of all three agencies, a third of each classification:
the only difference is `app.presenting.present`, which the bypass replaces by "show
everything as it is". Runs alternate so that drift in the machine affects both alike.

Run: .venv/bin/python -m tests.bench.bench_access
"""

from __future__ import annotations

import random
import statistics
import tempfile
import time
from datetime import timedelta
from pathlib import Path

from app import create_app, presenting
from georisk import commands as c
from georisk.access import Presented
from georisk.model import Agency, Classification, IncidentType
from tests.api_support import bearer, make_token
from tests.bench.common import AGENCIES, random_point, report
from tests.factories import RESCUE, T0, incident

N = 1_000
REPEATS = 151
URL = f"/api/v1/incidents?limit={N}"


def seed(app) -> None:
    rng = random.Random(7)
    store = app.extensions["georisk.store"]
    classes = list(Classification)
    store.apply([
        c.ReportIncident(incident(
            f"inc-{i}", location=random_point(rng), type=rng.choice(list(IncidentType)),
            agency=rng.choice(AGENCIES), classification=classes[i % 3],
            title=f"Händelse {i}", description="Beskrivning " * 5,
            reported_at=T0 + timedelta(seconds=i),
        ))
        for i in range(N)
    ], RESCUE)


def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        db = Path(folder) / "bench.db"
        token = make_token(db, Agency.RESCUE.value, "operator")
        app = create_app({"DB": str(db)})
        seed(app)
        client = app.test_client()
        headers = bearer(token)
        policy = presenting.present
        with_policy, without = [], []

        def timed(bypass: bool) -> tuple[float, int]:
            presenting.present = (lambda viewer, record, **_: Presented(record, False)) if bypass \
                else policy
            start = time.perf_counter()
            response = client.get(URL, headers=headers)
            seconds = time.perf_counter() - start
            assert response.status_code == 200
            return seconds, response.get_json()["numberReturned"]

        for _ in range(3):  # warm caches and the record cache alike
            timed(False)
            timed(True)
        for _ in range(REPEATS):
            seconds, shown = timed(False)
            with_policy.append(seconds)
            seconds, everything = timed(True)
            without.append(seconds)
        presenting.present = policy
    a, b = statistics.median(with_policy), statistics.median(without)
    overhead = 100 * (a / b - 1)
    print(f"listing {N:,} incidents (rescue operator sees {shown:,}; bypassed: {everything:,})")
    report("median with the policy", a * 1000, "ms", "", True)
    report("median with the policy bypassed", b * 1000, "ms", "", True)
    report("policy overhead", overhead, "%", "<= 10", overhead <= 10)


if __name__ == "__main__":
    main()
