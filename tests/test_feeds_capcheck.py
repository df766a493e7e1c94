"""CAP checked by georisk's own rules (no schema file), CAP 1.1 read as 1.2, and OASIS's
schema as a stricter second check when it is provided."""

from __future__ import annotations

import pytest
from defusedxml import ElementTree as SafeET

from georisk.feeds.cap import alert_item
from georisk.feeds.capcheck import CAP_11, CAP_12, violations
from georisk.feeds.capschema import violations as schema_violations
from georisk.model import IncidentType
from tests.feeds_support import reasons, run, sample
from tests.test_feeds_cap import ID, alert, cap_xsd, fresh_install  # noqa: F401 (fixtures)

RESOURCE = "<resource><resourceDesc>Karta</resourceDesc>{mime}</resource><area>"


def edit(old: str, new: str, payload: bytes | None = None) -> bytes:
    payload = payload or alert()
    assert old.encode() in payload, old
    return payload.replace(old.encode(), new.encode(), 1)


def as_11(payload: bytes) -> bytes:
    return payload.replace(CAP_12.encode(), CAP_11.encode())


def found(payload: bytes) -> list[str]:
    return [str(error) for error in violations(SafeET.fromstring(payload))]


#: (payload, the violation reported); each breaks CAP 1.2 in one way.
BROKEN = [
    (edit("<identifier>SE-RTJ-1</identifier><sender>rtj@orebro.se</sender>",
          "<sender>rtj@orebro.se</sender><identifier>SE-RTJ-1</identifier>"),
     "/alert/identifier: out of order: CAP puts it before <sender>"),
    (edit("<event>", "<foo>x</foo><event>"), "/alert/info/foo: unexpected element <foo>"),
    (edit("<scope>", "<x:flag xmlns:x='urn:example'/><scope>"),
     "/alert/flag: unexpected element <flag> in namespace 'urn:example'"),
    (edit("<severity>Severe", "<severity>Huge"),
     "/alert/info/severity: 'Huge' is not one of Extreme, Severe, Moderate, Minor, Unknown"),
    (edit("<category>Fire</category>", ""), "/alert/info/category: missing"),
    (edit("<status>", "<sent>2026-08-22T12:00:00+02:00</sent><status>"),
     "/alert/sent: occurs 2 times; at most 1"),
    (edit("<sent>2026-08-22T12:00:00+02:00", "<sent>2026-08-22T10:00:00Z"),
     "/alert/sent: '2026-08-22T10:00:00Z' is not CAP 1.2's form"),
    (edit("<expires>2026-08-23T12:00:00+02:00", "<expires>2026-08-23T12:00:00.5+02:00"),
     "/alert/info/expires: '2026-08-23T12:00:00.5+02:00' is not CAP 1.2's form"),
    (edit("<status>Actual", "<status>Live"), "/alert/status: 'Live' is not one of Actual"),
    (edit("<language>sv-SE", "<language>sv_SE"), "/alert/info/language: 'sv_SE' is not a"),
    (edit("<area>", RESOURCE.format(mime="")), "/alert/info/resource/mimeType: missing"),
    (edit("<area>", RESOURCE.format(mime="<mimeType>image/png</mimeType><size>1 kB</size>")),
     "/alert/info/resource/size: '1 kB' is not a whole number"),
    (edit("</area>", "<altitude>high</altitude></area>"),
     "/alert/info/area/altitude: 'high' is not a decimal number"),
    (edit("<event>Skogsbrand", "<event><b>Skogsbrand</b>"),
     "/alert/info/event: holds the element <b>; it takes text only"),
    (edit("<area>", "<area>stray text"), "/alert/info/area: holds text beside its elements"),
    (edit("<urgency>Immediate</urgency>", ""), "/alert/info/urgency: missing"),
]
#: Broken only by rules the standard states in words, which OASIS's schema cannot hold.
BROKEN_IN_WORDS = [
    (edit("<scope>Public", "<scope>Restricted"),
     "/alert/restriction: missing: required when scope is Restricted"),
    (edit("<scope>Public", "<scope>Private"),
     "/alert/addresses: missing: required when scope is Private"),
    (edit("<identifier>SE-RTJ-1", "<identifier>SE RTJ,1"),
     "/alert/identifier: 'SE RTJ,1' contains ' ' ',': CAP forbids spaces, commas"),
    (edit("</area>", "<ceiling>300</ceiling></area>"),
     "/alert/info/area/ceiling: needs altitude"),
]


def test_a_good_alert_breaks_no_rule():
    assert found(alert()) == []
    signed = edit("</alert>", "<Signature xmlns='http://www.w3.org/2000/09/xmldsig#'>"
                              "<SignedInfo/></Signature></alert>")
    assert found(signed) == []
    assert found(edit("<urgency>", "<responseType>Avoid</responseType><urgency>")) == []


@pytest.mark.parametrize(("payload", "reason"), BROKEN + BROKEN_IN_WORDS,
                         ids=[r for _, r in BROKEN + BROKEN_IN_WORDS])
def test_each_violation_names_the_element_and_the_reason(store, payload, reason):
    assert any(message.startswith(reason) for message in found(payload)), found(payload)
    summary = run(store, "cap", payload)
    assert summary.created == 0 and len(summary.rejected) == 1
    assert reason in reasons(summary)
    assert store.last_seq() == 0


def test_a_hopeless_alert_lists_the_first_twenty_violations():
    many = edit("<event>", "<x/>" * 40 + "<event>")
    listed = found(many)
    assert len(listed) == 21 and listed[-1] == "alert: more violations not listed"


def test_cap_11_imports_as_the_same_incident_as_12(store):
    summary = run(store, "cap", as_11(alert()))
    assert summary.created == 1, reasons(summary)
    incident = store.get("incident", ID)
    assert (incident.type, incident.severity, incident.title) == (
        IncidentType.FIRE, 4, "Skogsbrand Kilsbergen")
    again = run(store, "cap", alert())  # the same alert in 1.2 is the same item
    assert again.updated + again.unchanged == 1 and again.created == 0


def test_cap_11_keeps_its_own_rules():
    loose = as_11(edit("<area>", RESOURCE.format(mime="")))  # mimeType optional in 1.1
    loose = edit("2026-08-22T12:00:00+02:00</sent>", "2026-08-22T10:00:00Z</sent>", loose)
    loose = edit("</area>", "<altitude>about 300 m</altitude></area>", loose)  # text in 1.1
    assert found(loose) == []
    item = alert_item(loose)
    assert item.record.reported_at.isoformat() == "2026-08-22T10:00:00+00:00"
    avoid = as_11(edit("<urgency>", "<responseType>Avoid</responseType><urgency>"))
    assert found(avoid) == ["/alert/info/responseType: 'Avoid' is not one of Shelter, "
                            "Evacuate, Prepare, Execute, Monitor, Assess, None"]


def test_real_alerts_break_no_rule(shared_dir):
    for name in ("nws_severe_thunderstorm.cap.xml", "canada_ec_thunderstorm_update.cap.xml",
                 "noaa_wcatwc_tsunami_warning.cap.xml"):
        assert found(sample(shared_dir, "cap", name).read_bytes()) == [], name


@pytest.mark.parametrize(("payload", "reason"), BROKEN, ids=[r for _, r in BROKEN])
def test_oasis_schema_agrees_with_our_rules(cap_xsd, payload, reason):  # noqa: F811
    assert schema_violations(payload), "OASIS's schema finds nothing wrong"
    assert schema_violations(alert()) == []


def _schema_allowing(folder, most: str):
    """A schema of our own for the CAP 1.2 namespace: an alert of at most ``most`` elements."""
    folder.mkdir()
    (folder / "CAP-v1.2.xsd").write_text(
        "<?xml version='1.0'?><schema xmlns='http://www.w3.org/2001/XMLSchema' "
        f"targetNamespace='{CAP_12}' xmlns:cap='{CAP_12}' elementFormDefault='qualified'>"
        "<element name='alert'><complexType><sequence>"
        f"<any namespace='##targetNamespace' processContents='skip' maxOccurs='{most}'/>"
        "</sequence></complexType></element></schema>"
    )
    return folder


def test_a_given_schema_is_a_second_check(store, tmp_path, monkeypatch):
    monkeypatch.setenv("GEORISK_DATA_DIR", str(_schema_allowing(tmp_path / "a", "unbounded")))
    assert run(store, "cap", alert()).created == 1
    monkeypatch.setenv("GEORISK_DATA_DIR", str(_schema_allowing(tmp_path / "b", "3")))
    summary = run(store, "cap", alert("SE-RTJ-9"))
    assert summary.created == 0 and "/alert" in reasons(summary), reasons(summary)
