"""Property-based run of schemathesis against the generated OpenAPI document on the live
service: no 5xx, and every answer matches the documented schema and media type."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import urllib.request
from pathlib import Path

import shapely

from georisk import commands as c
from georisk.store import SQLiteStore
from tests.api_support import make_token, running_service
from tests.factories import RESCUE, T0, blockage, incident, unit


def test_schemathesis_finds_no_server_errors_and_no_schema_breaks(db_path, tmp_path):
    store = SQLiteStore(db_path)
    store.apply(
        [c.ReportIncident(incident(f"inc-{i}")) for i in range(5)]
        + [c.RegisterUnit(unit(f"unit-{i}", position=shapely.Point(15.2, 59.3),
                               position_time=T0)) for i in range(5)]
        + [c.ReportBlockage(blockage(f"blk-{i}")) for i in range(5)],
        RESCUE,
    )
    store.close()
    token = make_token(db_path, "rescue", "operator", "schemathesis")
    runner = Path(sys.executable).with_name("schemathesis")
    command = str(runner) if runner.exists() else shutil.which("schemathesis")
    assert command, "schemathesis is in the test extra: pip install -e '.[test]'"
    with running_service(db_path) as base:
        request = urllib.request.Request(f"{base}/api/v1/openapi.json",
                                         headers={"Authorization": f"Bearer {token}"})
        with urllib.request.urlopen(request) as answer:
            operations = sum(len(item) for item in json.load(answer)["paths"].values())
        result = subprocess.run(
            [command, "run", f"{base}/api/v1/openapi.json",
             "--header", f"Authorization: Bearer {token}",
             "--checks", "not_a_server_error,response_schema_conformance,"
                         "content_type_conformance",
             "--phases", "examples,fuzzing", "--max-examples", "12", "--seed", "20260115",
             "--generation-codec", "ascii", "--request-timeout", "20"],
            capture_output=True, text=True, timeout=240, cwd=tmp_path,
        )
    report = result.stdout[-6000:]
    assert result.returncode == 0, report
    # every operation of the document was exercised (counted in the document the service
    # serves: this process may not have imported every module that declares one)
    assert operations >= 27 and f"Tested: {operations}" in report, report
