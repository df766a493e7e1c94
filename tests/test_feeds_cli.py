"""`georisk import`: progress, summary, and a non-zero exit with reasons on rejection."""

from __future__ import annotations

from tests.test_cli import georisk
from tests.test_feeds_polisen import event, payload


def test_import_summarises_and_reimport_is_unchanged(tmp_path, db_path):
    assert georisk("init-db", "--db", str(db_path)).returncode == 0
    path = tmp_path / "events.json"
    path.write_bytes(payload(event(1), event(2)))
    first = georisk("import", "--db", str(db_path), "polisen", str(path))
    assert first.returncode == 0, first.stderr
    assert "2 created" in first.stdout and "[1/1]" in first.stderr
    again = georisk("import", "--db", str(db_path), "polisen", str(path))
    assert "2 unchanged" in again.stdout


def test_import_exits_non_zero_naming_each_rejection(tmp_path, db_path):
    georisk("init-db", "--db", str(db_path))
    bad = tmp_path / "bad.json"
    bad.write_bytes(payload(event(1), event(2, datetime="2026-08-22 09:13:04")))
    broken = tmp_path / "broken.json"
    broken.write_bytes(b"[{")
    result = georisk("import", "--db", str(db_path), "polisen", str(bad), str(broken))
    assert result.returncode == 1
    assert "1 created" in result.stdout and "2 rejected" in result.stdout
    assert "(id 2): datetime:" in result.stderr
    assert "payload: not JSON" in result.stderr
