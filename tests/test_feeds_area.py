"""The operating area is every feed's filter: items wholly outside the five counties and
their margin are counted as ignored and never written; invalid items are still rejected."""

from __future__ import annotations

import json
import socket

import orjson
import pytest
import shapely

from georisk.area.operating import OperatingArea, configured
from georisk.errors import GeoriskError
from georisk.feeds import adapter
from georisk.feeds.ledger import Ledger
from georisk.feeds.listener import CotListener
from georisk.store import Query
from tests.feeds_support import SWEDEN, reasons, run
from tests.test_cli import georisk
from tests.test_feeds_cot import report
from tests.test_feeds_listener import wait_for
from tests.test_feeds_polisen import event, payload
from tests.test_feeds_trafikverket import deviation, response

# (lon, lat) and how far each lies from the five counties' outline
OREBRO = (15.2134, 59.2741)  # inside
VANERN = (13.30, 59.00)  # on the lake between Värmland and Västra Götaland: inside
MAGNOR = (12.21, 59.95)  # Norway, about 2 km across the border from Värmland
ENKOPING = (17.08, 59.64)  # Uppsala county, about 11 km from Västmanland
OSLO = (10.75, 59.91)  # about 63 km away
MALMO = (13.00, 55.60)  # Skåne, about 170 km away


def test_the_rule_keeps_the_counties_lakes_and_margin_and_drops_the_rest():
    points = [shapely.Point(p) for p in (OREBRO, VANERN, MAGNOR, ENKOPING, OSLO, MALMO)]
    assert OperatingArea().outside(points).tolist() == [False, False, False, True, True, True]
    assert OperatingArea(margin_km=15).outside(points).tolist()[3] is False  # Enköping
    assert OperatingArea(margin_km=0).outside(points).tolist()[:3] == [False, False, True]
    assert SWEDEN.outside(points).tolist() == [False, False, False, False, True, False]


def test_any_part_near_the_area_keeps_an_item():
    oslo_to_orebro = shapely.LineString([OSLO, OREBRO])
    far_line = shapely.LineString([OSLO, (10.9, 59.5)])
    assert OperatingArea().outside([oslo_to_orebro, far_line, None]).tolist() == [False, True,
                                                                                  False]


def test_settings_choose_the_area_and_a_bad_one_is_refused(monkeypatch):
    monkeypatch.setenv("GEORISK_FEED_AREA", "sweden")
    monkeypatch.setenv("GEORISK_FEED_MARGIN_KM", "2.5")
    assert configured() == OperatingArea("sweden", 2.5)
    assert configured("operating", 20) == OperatingArea("operating", 20)  # options win
    monkeypatch.setenv("GEORISK_FEED_AREA", "europe")
    with pytest.raises(GeoriskError, match="'europe' is not one of operating, sweden"):
        configured()
    monkeypatch.setenv("GEORISK_FEED_AREA", "operating")
    monkeypatch.setenv("GEORISK_FEED_MARGIN_KM", "ten")
    with pytest.raises(GeoriskError, match="GEORISK_FEED_MARGIN_KM"):
        configured()


def _polisen(ident: int, lon: float, lat: float, name: str) -> dict:
    return event(ident, location={"name": name, "gps": f"{lat},{lon}"})


def test_polisen_events_outside_are_ignored_and_not_kept(store):
    events = payload(_polisen(1, *OREBRO, "Örebro"), _polisen(2, *MALMO, "Malmö"),
                     _polisen(3, *MAGNOR, "Eda"))
    summary = run(store, "polisen", events)
    assert (summary.created, summary.ignored, summary.outside) == (2, 1, 1), reasons(summary)
    assert not summary.rejected
    assert store.get("incident", "polisen-2") is None
    assert "1 ignored (1 outside the operating area)" in str(summary)
    ledger = Ledger(store.path)
    try:
        assert ledger.raw("polisen", "2") is None  # not the centre's: nothing of it is kept
        assert ledger.raw("polisen", "1") is not None
    finally:
        ledger.close()
    wide = run(store, "polisen", events, SWEDEN)
    assert (wide.created, wide.unchanged, wide.outside) == (1, 2, 0)


def test_invalid_events_are_still_rejected_not_ignored(store):
    swapped = event(4, location={"name": "Malmö", "gps": "13.0,55.6"})
    summary = run(store, "polisen", payload(swapped))
    assert (summary.ignored, len(summary.rejected)) == (0, 1)
    assert "looks like (latitude, longitude)" in reasons(summary)


def test_trafikverket_deviations_outside_are_ignored(store):
    far = deviation("FAR", Geometry={"WGS84": f"POINT ({MALMO[0]} {MALMO[1]})"})
    into = deviation("INTO", Geometry={"WGS84": f"LINESTRING ({OSLO[0]} {OSLO[1]}, "
                                                f"{OREBRO[0]} {OREBRO[1]})"})
    summary = run(store, "trafikverket", response({"Deviation": [deviation("A"), far, into]}))
    assert (summary.created, summary.outside) == (2, 1), reasons(summary)
    assert store.get("blockage", "trafikverket-FAR") is None
    assert store.get("blockage", "trafikverket-INTO") is not None  # it reaches in


def test_cot_reports_outside_are_ignored_and_the_unit_stays(store):
    lon, lat = OREBRO
    first = run(store, "cot", report("U", lat=lat, lon=lon))
    assert first.created == 1
    away = report("U", lat=OSLO[1], lon=OSLO[0], time="2026-08-22T10:01:00Z")
    summary = run(store, "cot", away + report("V", lat=MALMO[1], lon=MALMO[0]))
    assert (summary.updated, summary.created, summary.outside) == (0, 0, 2)
    assert store.get("unit", "cot-U").position.equals(shapely.Point(lon, lat))
    assert store.get("unit", "cot-V") is None


def test_cap_alerts_are_judged_by_their_areas_not_their_centre(store):
    from tests.test_feeds_cap import alert

    skane = "<polygon>55.5,12.9 55.5,13.2 55.7,13.2 55.7,12.9 55.5,12.9</polygon>"
    # most of it in Norway, its centre too, but its eastern edge reaches Värmland
    reaching = "<polygon>59.5,10.0 59.5,12.5 60.5,12.5 60.5,10.0 59.5,10.0</polygon>"
    assert OperatingArea().outside([shapely.Point(11.25, 60.0)]).tolist() == [True]
    far = run(store, "cap", alert("SE-FAR-1", area=skane))
    assert (far.created, far.outside) == (0, 1), reasons(far)
    near = run(store, "cap", alert("SE-NEAR-1", area=reaching))
    assert (near.created, near.outside) == (1, 0), reasons(near)


def _smhi(lon: float, lat: float) -> bytes:
    day = [{"name": "fwiindex", "values": [3]}, {"name": "fwi", "values": [16.4]}]
    return orjson.dumps({
        "approvedTime": "2026-07-01T06:00:00Z",
        "geometry": {"type": "Point", "coordinates": [[lon, lat]]},
        "timeSeries": [{"validTime": "2026-07-01T12:00:00Z", "parameters": day}],
    })


def test_smhi_forecasts_outside_are_ignored(store):
    assert run(store, "smhi", _smhi(*MALMO)).outside == 1
    assert run(store, "smhi", _smhi(*OREBRO)).created == 1
    assert len(store.query(Query("riskzones")).records) == 1


@pytest.fixture
def listener(store):
    running = CotListener(store, udp_port=0, flush=0.05, area=OperatingArea())
    running.start()
    yield running
    running.stop()


def test_the_listener_counts_reports_from_outside_and_writes_none(store, listener):
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as udp:
        udp.sendto(report("far", lat=OSLO[1], lon=OSLO[0]), listener.udp_address)
        udp.sendto(report("near", lat=OREBRO[1], lon=OREBRO[0]), listener.udp_address)
    wait_for(lambda: listener.counters.summary.outside == 1
             and store.get("unit", "cot-near") is not None)
    assert store.get("unit", "cot-far") is None
    assert listener.counters.summary.rejected == []


def test_poller_ignores_events_outside(store):
    import http.server
    import threading

    body = payload(_polisen(1, *OREBRO, "Örebro"), _polisen(2, *OSLO, "Oslo"))

    class Source(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args) -> None:
            pass

    from georisk.feeds.poller import Poller

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Source)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_address[1]}/api/events"
    poller = Poller(store, adapter("polisen"), url, timeout=5, area=OperatingArea())
    try:
        summary = poller.once()
    finally:
        poller.close()
        server.shutdown()
    assert summary is not None and (summary.created, summary.outside) == (1, 1)


def test_cli_import_reports_the_ignored_and_exits_zero(tmp_path, db_path):
    assert georisk("init-db", "--db", str(db_path)).returncode == 0
    path = tmp_path / "events.json"
    path.write_text(json.dumps([_polisen(1, *OREBRO, "Örebro"), _polisen(2, *ENKOPING,
                                                                       "Enköping")]))
    result = georisk("import", "--db", str(db_path), "polisen", str(path),
                     env={"GEORISK_FEED_AREA": "", "GEORISK_FEED_MARGIN_KM": ""})
    assert result.returncode == 0, result.stderr
    assert "1 created" in result.stdout and "1 ignored (1 outside the operating area)" in (
        result.stdout)
    assert "outside the operating area (counties 14, 17, 18, 19, 20 + 10 km" in result.stderr
    wider = georisk("import", "--db", str(db_path), "polisen", str(path), "--margin-km", "15")
    assert "1 created, 0 updated, 0 closed, 1 unchanged, 0 ignored" in wider.stdout
    bad = georisk("import", "--db", str(db_path), "polisen", str(path), "--area", "europe")
    assert bad.returncode == 2 and "'europe' is not one of" in bad.stderr
