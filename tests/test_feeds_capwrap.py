"""CAP in its envelopes: EDXL-DE, Atom and RSS feeds that hold alerts or link to them;
every alert imported, every failure named by where it sits. Links are followed from files
beside the feed, and over http only from a loopback server."""

from __future__ import annotations

import http.server
import threading
from typing import ClassVar

import pytest

from georisk.feeds import Links, adapter
from georisk.feeds.base import record_id
from georisk.feeds.importer import import_parsed
from georisk.feeds.poller import Poller
from georisk.model import IncidentStatus
from tests.feeds_support import OPERATING, reasons, run
from tests.test_cli import georisk
from tests.test_feeds_cap import SENT, alert, fresh_install  # noqa: F401 (fixture)
from tests.test_feeds_capcheck import as_11

EDXL = "urn:oasis:names:tc:emergency:EDXL:DE:1.0"
ENVELOPE = (
    f"<EDXLDistribution xmlns='{EDXL}'><distributionID>SE-LC-77</distributionID>"
    "<senderID>sos@ledningscentral.example</senderID>"
    "<dateTimeSent>2026-08-22T12:01:00+02:00</dateTimeSent>"
    "<distributionStatus>Actual</distributionStatus><distributionType>Report</distributionType>"
    "<combinedConfidentiality>UNCLASSIFIED</combinedConfidentiality>{content}</EDXLDistribution>"
)


def cap_id(identifier: str) -> str:
    return record_id("cap", f"rtj@orebro.se,{identifier}")


FIRE_ID = cap_id("SE-RTJ-1")


def bare(payload: bytes) -> str:
    """An alert without its XML declaration, to embed in another document."""
    return payload.decode().split("?>", 1)[1]


def content(*inner: str) -> str:
    return "".join(f"<contentObject><xmlContent><embeddedXMLContent>{x}</embeddedXMLContent>"
                   "</xmlContent></contentObject>" for x in inner)


def atom(*entries: str) -> bytes:
    return ("<?xml version='1.0' encoding='UTF-8'?><feed xmlns='http://www.w3.org/2005/Atom' "
            "xmlns:cap='urn:oasis:names:tc:emergency:cap:1.2'><id>urn:example:feed</id>"
            "<title>Varningar</title><updated>2026-08-22T12:05:00+02:00</updated>"
            + "".join(entries) + "</feed>").encode()


def entry(ident: str, inner: str) -> str:
    return (f"<entry><id>{ident}</id><title>{ident}</title>"
            f"<updated>2026-08-22T12:05:00+02:00</updated>{inner}</entry>")


def linked(ident: str, href: str, kind: str = "application/cap+xml") -> str:
    """An entry as MeteoAlarm writes one: CAP summary fields, a web page, the alert's link."""
    return entry(ident, "<cap:event>Skogsbrand</cap:event><cap:severity>Severe</cap:severity>"
                        f"<link rel='alternate' type='text/html' href='{href}.html'/>"
                        f"<link rel='alternate' type='{kind}' href='{href}'/>")


def test_edxl_envelope_imports_each_alert_and_skips_other_content(store):
    other = "<report xmlns='urn:example:sitrep'><text>Lägesrapport</text></report>"
    second = alert("SE-RTJ-2", area="<circle>59.40,13.51 2</circle>")
    payload = ENVELOPE.format(content=content(bare(alert()), other, bare(as_11(second)))).encode()
    summary = run(store, "cap", payload)
    assert (summary.created, summary.ignored, len(summary.rejected)) == (2, 1, 0), reasons(summary)
    assert store.get("incident", FIRE_ID).title == "Skogsbrand Kilsbergen"
    assert store.get("incident", cap_id("SE-RTJ-2")).county == "17"  # Karlstad
    parsed = adapter("cap").parse(payload)
    assert parsed.ignored == ["contentObject 2: <report> is not a CAP alert"]


def test_edxl_failures_are_named_by_content_object(store):
    broken = alert("SE-RTJ-2").replace(b"<severity>Severe", b"<severity>Huge")
    payload = ENVELOPE.format(content=content(bare(alert()), bare(broken))).encode()
    summary = run(store, "cap", payload)
    assert summary.created == 1
    assert reasons(summary).startswith("contentObject 2: /alert/info/severity: 'Huge'")
    hollow = ENVELOPE.replace("<senderID>sos@ledningscentral.example</senderID>", "")
    refused = run(store, "cap", hollow.format(content=content(bare(alert()))).encode())
    assert reasons(refused) == "payload: /EDXLDistribution/senderID: missing"


def test_atom_feed_with_embedded_alerts_imports_each(store):
    first = atom(
        entry("urn:a:1", f"<content type='application/cap+xml'>{bare(alert())}</content>"),
        entry("urn:a:2", "<summary>Ingen varning</summary>"),
    )
    summary = run(store, "cap", first)
    assert summary.created == 1
    assert reasons(summary) == "entry 2 (id urn:a:2): holds no CAP alert and links to none"
    later = "2026-08-22T14:00:00+02:00"
    cancel = alert("SE-RTJ-3", "Cancel", f"rtj@orebro.se,SE-RTJ-1,{SENT}", sent=later)
    both = atom(entry("urn:a:3", f"<content type='text/xml'>{bare(cancel)}</content>"),
                entry("urn:a:1", f"<content type='application/cap+xml'>{bare(alert())}"
                                 "</content>"))
    summary = run(store, "cap", both)
    assert (summary.closed, summary.ignored, len(summary.rejected)) == (1, 1, 0)
    assert store.get("incident", FIRE_ID).status == IncidentStatus.CLOSED
    ignored = adapter("cap").parse(both).ignored
    assert ignored == ["entry 2 (id urn:a:1): superseded by a newer alert in the same payload"]


def test_rss_items_are_read_by_enclosure_or_link(tmp_path, store):
    (tmp_path / "a1.xml").write_bytes(alert())
    (tmp_path / "a2.xml").write_bytes(alert("SE-RTJ-2", area="<circle>60.61,15.63 5</circle>"))
    rss = (b"<rss version='2.0'><channel><title>Varningar</title>"
           b"<item><guid>a1</guid><link>https://example.org/a1.html</link>"
           b"<enclosure url='a1.xml' type='application/cap+xml' length='1'/></item>"
           b"<item><guid>a2</guid><link>a2.xml</link></item></channel></rss>")
    feed = adapter("cap", links=Links(tmp_path))
    summary = import_parsed(store, feed, feed.parse(rss), area=OPERATING)
    assert summary.created == 2, reasons(summary)
    assert store.get("incident", cap_id("SE-RTJ-2")).county == "20"  # Falun


def test_a_feed_of_files_imports_each_and_names_each_failure(tmp_path, db_path):
    """`georisk import cap feed.xml`: links to files beside the feed are read; others are
    refused with the reason, and nothing is fetched from the web unless asked."""
    folder = tmp_path / "feed"
    (folder / "alerts").mkdir(parents=True)
    (folder / "alerts" / "1.xml").write_bytes(alert())
    (folder / "alerts" / "2.xml").write_bytes(as_11(alert("SE-RTJ-2")))
    (tmp_path / "secret.xml").write_bytes(alert("SE-SECRET"))
    (folder / "feed.xml").write_bytes(atom(
        linked("urn:a:1", "alerts/1.xml"), linked("urn:a:2", "alerts/2.xml"),
        linked("urn:a:3", "alerts/missing.xml"), linked("urn:a:4", "../secret.xml"),
        linked("urn:a:5", "https://feeds.example.org/warnings/5.xml"),
    ))
    assert georisk("init-db", "--db", str(db_path)).returncode == 0
    result = georisk("import", "--db", str(db_path), "cap", str(folder / "feed.xml"))
    assert result.returncode == 1
    assert "cap: 2 created, 0 updated, 0 closed, 0 unchanged, 0 ignored, 3 rejected" in (
        result.stdout)
    assert "entry 3 (id urn:a:3): link: alerts/missing.xml:" in result.stderr
    assert "entry 4 (id urn:a:4): link: ../secret.xml: outside the feed's folder" in (
        result.stderr)
    assert ("entry 5 (id urn:a:5): link: https://feeds.example.org/warnings/5.xml: a web "
            "link; georisk import follows those only with --fetch-links") in result.stderr
    assert "fetched 5/5 linked alerts" in result.stderr


class _Server(http.server.BaseHTTPRequestHandler):
    files: ClassVar[dict[str, bytes]] = {}
    asked: ClassVar[list[str]] = []

    def do_GET(self) -> None:
        self.asked.append(self.path)
        body = self.files.get(self.path)
        self.send_response(200 if body is not None else 404)
        self.send_header("Content-Length", str(len(body or b"")))
        self.end_headers()
        self.wfile.write(body or b"")

    def log_message(self, *args) -> None:
        pass


@pytest.fixture
def web():
    _Server.files, _Server.asked = {}, []
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Server)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


def test_polling_a_feed_fetches_its_linked_alerts_over_http_only(store, web):
    _Server.files = {
        "/feed.xml": atom(linked("urn:a:1", "alerts/1.xml"),  # relative to the feed
                          linked("urn:a:2", f"{web}/alerts/2.xml"),
                          linked("urn:a:3", "file:///etc/passwd"),
                          linked("urn:a:4", "alerts/gone.xml")),
        "/alerts/1.xml": alert(),
        "/alerts/2.xml": alert("SE-RTJ-2", area="<circle>59.61,16.55 3</circle>"),
    }
    url = f"{web}/feed.xml"
    poller = Poller(store, adapter("cap", links=Links(url, timeout=5)), url, timeout=5,
                    area=OPERATING)
    try:
        summary = poller.once()
    finally:
        poller.close()
    assert summary is not None and summary.created == 2, reasons(summary)
    assert store.get("incident", cap_id("SE-RTJ-2")).county == "19"  # Västerås
    assert "entry 3 (id urn:a:3): link: file:///etc/passwd: a feed from the web may link " \
           "only to http or https" in reasons(summary)
    assert "entry 4 (id urn:a:4): link: alerts/gone.xml: HTTP Error 404" in reasons(summary)
    assert sorted(_Server.asked) == ["/alerts/1.xml", "/alerts/2.xml", "/alerts/gone.xml",
                                     "/feed.xml"]


def test_import_follows_web_links_only_when_asked(tmp_path, db_path, web):
    _Server.files = {"/alerts/1.xml": alert()}
    feed = tmp_path / "feed.xml"
    feed.write_bytes(atom(linked("urn:a:1", f"{web}/alerts/1.xml")))
    georisk("init-db", "--db", str(db_path))
    refused = georisk("import", "--db", str(db_path), "cap", str(feed))
    assert refused.returncode == 1 and _Server.asked == []
    fetched = georisk("import", "--db", str(db_path), "cap", str(feed), "--fetch-links")
    assert fetched.returncode == 0, fetched.stderr
    assert "cap: 1 created" in fetched.stdout and _Server.asked == ["/alerts/1.xml"]


def test_a_payload_that_is_no_cap_names_what_it_expected(store):
    summary = run(store, "cap", b"<html><body>Sidan finns inte</body></html>")
    assert "payload: expected a CAP alert" in reasons(summary)
    assert "got <html> without a namespace" in reasons(summary)
