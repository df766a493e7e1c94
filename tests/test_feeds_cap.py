"""CAP 1.2: real alerts in, hostile and broken alerts refused, incidents out as CAP."""

from __future__ import annotations

import pytest
import shapely

from app import create_app
from georisk import commands as c
from georisk.errors import GeoriskError
from georisk.feeds import adapter
from georisk.feeds.base import record_id
from georisk.feeds.cap import CapAdapter, alert_item
from georisk.feeds.capcheck import violations as own_violations
from georisk.feeds.capschema import violations
from georisk.model import Classification, IncidentStatus, IncidentType
from tests import factories
from tests.api_support import bearer, make_token
from tests.feeds_support import EDGES, reasons, run, sample
from tests.test_cli import georisk

SENT = "2026-08-22T12:00:00+02:00"
# around Kilsbergen, west of Örebro, as CAP writes it: "latitude,longitude"
ID = record_id("cap", "rtj@orebro.se,SE-RTJ-1")
POLYGON = "59.20,14.90 59.20,15.10 59.30,15.10 59.30,14.90 59.20,14.90"


@pytest.fixture(autouse=True)
def fresh_install(monkeypatch):
    """No schema anywhere, as on a fresh install: georisk's own checks read CAP."""
    monkeypatch.delenv("GEORISK_CAP_XSD", raising=False)
    monkeypatch.delenv("GEORISK_DATA_DIR", raising=False)


@pytest.fixture
def cap_xsd(shared_dir, monkeypatch):
    """OASIS's schema from the shared folder (it is never part of the repository)."""
    path = sample(shared_dir, "cap", "CAP-v1.2.xsd")
    monkeypatch.setenv("GEORISK_CAP_XSD", str(path))
    return path


def alert(identifier: str = "SE-RTJ-1", msg_type: str = "Alert", references: str = "",
          status: str = "Actual", sent: str = SENT, area: str = f"<polygon>{POLYGON}</polygon>",
          headline: str = "Skogsbrand Kilsbergen", severity: str = "Severe",
          sender: str = "<sender>rtj@orebro.se</sender>") -> bytes:
    refs = f"<references>{references}</references>" if references else ""
    return (
        f"<?xml version='1.0' encoding='UTF-8'?>"
        f"<alert xmlns='urn:oasis:names:tc:emergency:cap:1.2'>"
        f"<identifier>{identifier}</identifier>{sender}<sent>{sent}</sent>"
        f"<status>{status}</status><msgType>{msg_type}</msgType><scope>Public</scope>{refs}"
        f"<info><language>sv-SE</language><category>Fire</category><event>Skogsbrand</event>"
        f"<urgency>Immediate</urgency><severity>{severity}</severity>"
        f"<certainty>Observed</certainty><effective>{sent}</effective>"
        f"<expires>2026-08-23T12:00:00+02:00</expires><headline>{headline}</headline>"
        f"<description>Brand i skogsmark.</description>"
        f"<area><areaDesc>Kilsbergen, Örebro kommun</areaDesc>{area}</area></info></alert>"
    ).encode()


def test_real_nws_alert_is_read_at_its_area_centre(shared_dir):
    item = alert_item(sample(shared_dir, "cap", "nws_severe_thunderstorm.cap.xml").read_bytes())
    incident = item.record
    assert item.source_id == "KSTO@NWS.NOAA.GOV,KSTO1055887203"
    assert (incident.title, incident.severity, incident.precision) == (
        "SEVERE THUNDERSTORM WARNING", 4, "area")
    assert incident.reported_at.isoformat() == "2003-06-17T21:57:00+00:00"  # sent, in UTC
    area = shapely.Polygon([(-120.14, 38.47), (-119.95, 38.34), (-119.74, 38.52),
                            (-119.89, 38.62)])
    assert area.contains(incident.location)
    assert "urgency: Immediate, severity: Severe, certainty: Observed" in incident.description


def test_real_update_belongs_to_the_oldest_alert_it_references(shared_dir):
    payload = sample(shared_dir, "cap", "canada_ec_thunderstorm_update.cap.xml").read_bytes()
    item = alert_item(payload)
    assert item.source_id == "cap@ec.gc.ca,2.49.0.1.124.a3f342a4.2012"  # 21:45, not 21:55
    assert item.record.title == "severe thunderstorm watch"  # the English block, not French
    assert item.record.reported_at.isoformat() == "2012-05-02T23:20:00+00:00"  # effective


def test_real_alert_with_geocodes_only_is_refused_with_the_reason(shared_dir):
    payload = sample(shared_dir, "cap", "noaa_wcatwc_tsunami_warning.cap.xml").read_bytes()
    parsed = CapAdapter().parse(payload)
    assert not parsed.items
    assert "geocodes alone cannot be placed" in str(parsed.rejected[0])


def test_alert_update_and_cancel_make_change_and_close_one_incident(store):
    first = run(store, "cap", alert())
    assert first.created == 1, reasons(first)
    incident = store.get("incident", ID)
    assert (incident.type, incident.severity, incident.precision) == (IncidentType.FIRE, 4, "area")
    assert (incident.location.x, incident.location.y) == pytest.approx((15.0, 59.25))
    assert (incident.county, incident.municipality) == ("18", "1880")
    assert incident.classification == Classification.OPEN
    again = run(store, "cap", alert())
    assert again.unchanged == 1
    reference = f"rtj@orebro.se,SE-RTJ-1,{SENT}"
    update = alert("SE-RTJ-2", "Update", reference, headline="Skogsbrand Kilsbergen, större")
    assert run(store, "cap", update).updated == 1
    assert store.get("incident", incident.id).title == "Skogsbrand Kilsbergen, större"
    cancel = alert("SE-RTJ-3", "Cancel", reference + " rtj@orebro.se,SE-RTJ-2," + SENT)
    assert run(store, "cap", cancel).closed == 1
    assert store.get("incident", incident.id).status == IncidentStatus.CLOSED


def test_exercises_and_acks_are_ignored(store):
    summary = run(store, "cap", alert(status="Exercise"))
    assert (summary.created, summary.ignored) == (0, 1)
    assert run(store, "cap", alert(msg_type="Ack", references=f"a,b,{SENT}")).ignored == 1


def test_a_circle_of_radius_zero_is_an_exact_point(store):
    summary = run(store, "cap", alert(area="<circle>59.2741,15.2066 0</circle>"))
    assert summary.created == 1, reasons(summary)
    incident = store.get("incident", ID)
    assert incident.precision == "exact"
    assert incident.location.equals(shapely.Point(15.2066, 59.2741))


LAUGHS = (
    b"<?xml version='1.0'?><!DOCTYPE alert [<!ENTITY a 'aaaaaaaaaa'>"
    b"<!ENTITY b '&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;'><!ENTITY c '&b;&b;&b;&b;&b;&b;&b;&b;'>]>"
    b"<alert xmlns='urn:oasis:names:tc:emergency:cap:1.2'><identifier>&c;</identifier></alert>"
)
EXTERNAL = (
    b"<?xml version='1.0'?><!DOCTYPE alert [<!ENTITY x SYSTEM 'file:///etc/passwd'>]>"
    b"<alert xmlns='urn:oasis:names:tc:emergency:cap:1.2'><identifier>&x;</identifier></alert>"
)


@pytest.mark.parametrize(
    ("payload", "needle"),
    [
        (alert()[:-20], "malformed XML"),
        (LAUGHS, "refused XML construct"),
        (EXTERNAL, "refused XML construct"),
        (alert().replace(b"urn:oasis:names:tc:emergency:cap:1.2", b"http://www.incident.com/"
                         b"cap/1.0"), "got <alert> in namespace 'http://www.incident.com/cap/1.0'"),
        (alert().replace(b" xmlns='urn:oasis:names:tc:emergency:cap:1.2'", b""),
         "without a namespace"),
        (alert(sender=""), "/alert/sender: missing"),
        (alert(severity="Huge"), "/alert/info/severity"),
        (alert(sent="2026-08-22T12:00:00"), "sent: time '2026-08-22T12:00:00' has no timezone"),
        (alert(area="<polygon>59.2,14.9 59.2,15.1 59.3,15.1 59.2,14.9 95,15</polygon>"),
         "out of range"),
        (alert(area="<polygon>14.9,59.2 15.1,59.2 15.1,59.3 14.9,59.3 14.9,59.2</polygon>"),
         "looks like 'longitude,latitude'"),
        (alert(area="<polygon>59.2,14.9 59.2,15.1 59.3,15.1</polygon>"), "at least 4 points"),
        (alert(area="<circle>59.27,15.2 ten</circle>"), "radius 'ten' is not a number"),
        (alert(references="rtj@orebro.se,SE-RTJ-0"), "is not 'sender,identifier,sent'"),
    ],
)
def test_bad_alerts_are_rejected_with_the_element_and_reason(store, payload, needle):
    summary = run(store, "cap", payload)
    assert summary.created == 0
    assert len(summary.rejected) == 1
    assert needle in reasons(summary)


def test_alerts_far_away_are_refused_by_the_area_rule(store, shared_dir):
    payload = sample(shared_dir, "cap", "nws_severe_thunderstorm.cap.xml").read_bytes()
    assert "outside the accepted area" in reasons(run(store, "cap", payload))


def test_too_large_payload_is_refused_before_parsing():
    big = alert().replace(b"Brand i skogsmark.", b"x" * (3 * 1024 * 1024))
    parsed = adapter("cap").parse(big)
    assert "over the" in str(parsed.rejected[0])


def test_a_schema_setting_that_names_no_file_is_refused(monkeypatch, tmp_path):
    monkeypatch.setenv("GEORISK_CAP_XSD", str(tmp_path / "missing.xsd"))
    with pytest.raises(GeoriskError, match="GEORISK_CAP_XSD"):
        CapAdapter().parse(alert())


# -- export ------------------------------------------------------------------------


@pytest.fixture
def seeded(db_path):
    from georisk.store import SQLiteStore

    store = SQLiteStore(db_path)
    for id_, classification in (("open-1", Classification.OPEN),
                                ("secret-1", Classification.AGENCY),
                                ("restricted-1", Classification.RESTRICTED)):
        store.apply([c.ReportIncident(factories.incident(
            id_, classification=classification, title=f"Brand {id_} <&>",
            description="Detaljer", municipality="1880", county="18",
        ))], factories.RESCUE)
    store.close()
    return db_path


def problems(document: bytes) -> list:
    """Every rule the alert breaks: georisk's own, and OASIS's schema when it is set."""
    from defusedxml import ElementTree as SafeET

    return own_violations(SafeET.fromstring(document)) + violations(document)


def _cap(db_path, agency: str, id_: str):
    token = make_token(db_path, agency, "operator")
    app = create_app({"DB": str(db_path), "TESTING": True, "SECURE_COOKIES": False})
    return app.test_client().get(f"/api/v1/incidents/{id_}.cap", headers=bearer(token))


def test_exported_alert_is_valid_cap_and_reads_back(seeded):
    response = _cap(seeded, "rescue", "restricted-1")
    assert response.status_code == 200 and response.mimetype == "application/cap+xml"
    assert problems(response.data) == []
    item = alert_item(response.data)
    assert item.record.title == "Brand restricted-1 <&>"
    assert item.record.location.equals_exact(shapely.Point(*factories.OREBRO), 1e-6)
    assert b"<value>1880</value>" in response.data


def test_exported_alerts_are_valid_against_oasis_schema(seeded, cap_xsd):
    for agency, id_ in (("rescue", "restricted-1"), ("police", "restricted-1"),
                        ("rescue", "open-1")):
        response = _cap(seeded, agency, id_)
        assert response.status_code == 200
        assert violations(response.data) == []


def test_export_goes_through_the_access_policy(seeded):
    generalised = _cap(seeded, "police", "restricted-1")
    assert generalised.status_code == 200
    assert problems(generalised.data) == []
    assert b"Brand restricted-1" not in generalised.data and b"Detaljer" not in generalised.data
    assert b"Generaliserad" in generalised.data and b" 0.71</circle>" in generalised.data
    assert _cap(seeded, "police", "secret-1").status_code == 404
    assert _cap(seeded, "police", "nothing").status_code == 404


def test_cli_export_needs_a_viewer_and_writes_a_valid_alert(seeded, tmp_path):
    out = tmp_path / "alert.xml"
    result = georisk("cap", "export", "restricted-1", "--db", str(seeded), "-o", str(out),
                     "--agency", "police", "--role", "viewer")
    assert result.returncode == 0, result.stderr
    assert "generalised" in result.stderr
    assert problems(out.read_bytes()) == []
    assert b"Brand restricted-1" not in out.read_bytes()
    assert b"<valueName>georisk:brief.police_region</valueName>" in out.read_bytes()  # open
    plain = georisk("cap", "export", "restricted-1", "--db", str(seeded), "-o", str(out),
                    "--agency", "police", "--role", "viewer", "--no-brief")
    assert plain.returncode == 0 and b"georisk:brief." not in out.read_bytes()
    no_viewer = georisk("cap", "export", "open-1", "--db", str(seeded))
    assert no_viewer.returncode != 0 and "--agency and --role, or --user" in no_viewer.stderr
    hidden = georisk("cap", "export", "secret-1", "--db", str(seeded), "--agency", "police",
                     "--role", "viewer")
    assert hidden.returncode != 0 and "no incident with id 'secret-1'" in hidden.stderr


@pytest.mark.parametrize("edge", EDGES)
def test_a_time_at_the_edge_of_the_calendar_rejects_the_alert_naming_the_element(store, edge):
    expires = alert().replace(b"2026-08-23T12:00:00+02:00", edge.encode())
    for payload, element in ((alert(sent=edge), "sent"), (expires, "expires"),
                             (alert(msg_type="Update", references=f"rtj@orebro.se,X,{edge}"),
                              "references[0].sent")):
        summary = run(store, "cap", payload)
        assert (summary.created, len(summary.rejected)) == (0, 1), reasons(summary)
        assert f"{element}: {edge} is outside the accepted range" in reasons(summary)
    assert store.last_seq() == 0
