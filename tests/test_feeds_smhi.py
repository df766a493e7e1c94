"""SMHI's fire-risk point forecast: risk zones labelled SMHI, and georisk's FWI beside it."""

from __future__ import annotations

import orjson
import pytest

from georisk.errors import ValidationError
from georisk.feeds import adapter
from georisk.feeds.smhi import INDICES, compare, read_forecast
from tests.feeds_support import EDGES, SWEDEN, reasons, run, sample
from tests.test_cli import georisk

NAME = "smhi_fire_risk_fwi_daily_point_lon16_lat58_2026-09-04.json"
#: How far georisk may be from SMHI on the same inputs: SMHI publishes one decimal, and
#: FFMC after rain is the most sensitive to it.
TOLERANCE = {"ffmc": 1.0, "dmc": 0.3, "dc": 0.3, "isi": 0.2, "bui": 0.3, "fwi": 0.3}


@pytest.fixture
def forecast_bytes(shared_dir) -> bytes:
    return sample(shared_dir, "smhi", NAME).read_bytes()


def test_each_day_becomes_an_smhi_risk_zone_at_the_point(store, forecast_bytes):
    outside = run(store, "smhi", forecast_bytes)  # Östergötland, south of the region
    assert (outside.created, outside.outside) == (0, 7)
    summary = run(store, "smhi", forecast_bytes, SWEDEN)
    assert (summary.created, len(summary.rejected)) == (7, 0), reasons(summary)
    zone = store.get("riskzones", "2026-09-03/smhi/se-smhi-fwiindex/16.0118,57.9971")
    assert (zone.source, zone.risk_class, zone.fwi_min, zone.fwi_max) == ("smhi", "3", 16.4, 16.4)
    assert zone.area.contains(zone.area.centroid) and zone.area.bounds[0] < 16.011823
    assert run(store, "smhi", forecast_bytes, SWEDEN).unchanged == 7


def test_georisk_fwi_agrees_with_smhi_on_the_same_inputs(forecast_bytes):
    forecast, rejected = read_forecast(forecast_bytes)
    differences = compare(forecast)
    assert not rejected and len(differences) == 6 * len(INDICES)  # every day after the first
    for d in differences:
        assert abs(d.delta) <= TOLERANCE[d.index], d


def test_compare_command_prints_the_table(tmp_path, shared_dir):
    result = georisk("smhi", "compare", str(sample(shared_dir, "smhi", NAME)))
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[0].split() == ["day", "index", "smhi", "georisk", "diff"]
    assert len(result.stdout.splitlines()) == 1 + 36


def _edit(payload: bytes, change) -> bytes:
    data = orjson.loads(payload)
    change(data)
    return orjson.dumps(data)


@pytest.mark.parametrize(
    ("change", "needle"),
    [
        (lambda d: d["timeSeries"].append(d["timeSeries"][0]), "duplicate time"),
        (lambda d: d["timeSeries"][1].update(validTime="2026-09-04T12:00:00"), "no timezone"),
        (lambda d: d["timeSeries"][1]["parameters"].pop(0), "fwiindex: missing"),
    ],
)
def test_bad_days_are_rejected_with_the_reason_and_the_rest_imports(store, forecast_bytes,
                                                                    change, needle):
    summary = run(store, "smhi", _edit(forecast_bytes, change), SWEDEN)
    assert summary.created == 6 + (1 if needle == "duplicate time" else 0)
    assert len(summary.rejected) == 1 and needle in reasons(summary)


@pytest.mark.parametrize(
    ("payload", "needle"),
    [
        (b"{", "not JSON"),
        (b'{"geometry": {"type": "Point", "coordinates": [[57.99, 16.01]]}}', "looks like"),
        (b'{"geometry": {"type": "Point", "coordinates": [[16.01, 97.0]]}}', "out of range"),
    ],
)
def test_bad_payloads_are_refused_whole(payload, needle):
    with pytest.raises(Exception, match=needle):
        adapter("smhi").parse(payload)


def _forecast(approved: str, *valid: str) -> bytes:
    day = [{"name": "fwiindex", "values": [3]}, {"name": "fwi", "values": [16.4]}]
    return orjson.dumps({
        "approvedTime": approved,
        "geometry": {"type": "Point", "coordinates": [[16.011823, 57.997082]]},
        "timeSeries": [{"validTime": time, "parameters": day} for time in valid],
    })


@pytest.mark.parametrize("edge", EDGES)
def test_a_time_at_the_edge_of_the_calendar_rejects_its_day_or_the_payload(store, edge):
    summary = run(store, "smhi", _forecast("2026-09-04T06:00:00Z", "2026-09-04T12:00:00Z", edge),
                  SWEDEN)
    assert summary.created == 1 and len(summary.rejected) == 1, reasons(summary)
    assert f"timeSeries[1].validTime: {edge} is outside the accepted range" in reasons(summary)
    with pytest.raises(ValidationError, match=r"approvedTime: .* is outside the accepted range"):
        adapter("smhi").parse(_forecast(edge, "2026-09-05T12:00:00Z"))
