"""``georisk data fetch roads`` against a local file and a loopback HTTP server."""

from __future__ import annotations

import http.server
import threading
import time
from pathlib import Path
from typing import ClassVar

import pytest
from click.testing import CliRunner

from georisk.cli import cli
from georisk.roads.importer import read_saved_roads
from tests.test_roads_importer import OSM_XML


class _Handler(http.server.BaseHTTPRequestHandler):
    routes: ClassVar[dict[str, tuple[int, bytes]]] = {}

    def do_GET(self):
        if self.path == "/slow.osm":
            time.sleep(2)
        status, body = self.routes.get(self.path, (404, b"missing"))
        try:
            self.send_response(status)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):
            pass

    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def server():
    _Handler.routes = {
        "/extract.osm": (200, OSM_XML.encode()),
        "/roads": (200, OSM_XML.encode()),
        "/page.html": (200, b"<html><body>a web page, not roads</body></html>"),
        "/broken.osm": (500, b"oops"),
        "/slow.osm": (200, OSM_XML.encode()),
    }
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    httpd.daemon_threads = True
    httpd.block_on_close = False
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


def _run(*args: str, env: dict[str, str] | None = None):
    return CliRunner().invoke(cli, ["data", "fetch", "roads", *args], env=env)


def test_fetch_from_url_into_data_dir(server, tmp_path):
    result = _run("--from", f"{server}/extract.osm", env={"GEORISK_DATA_DIR": str(tmp_path)})
    assert result.exit_code == 0, result.output
    assert "Imported 3 road lines" in result.output
    roads = read_saved_roads(tmp_path / "roads.gpkg")
    assert sorted(roads["ref"].dropna()) == ["E18;E20", "Rv 50"]


def test_fetch_url_without_suffix_is_sniffed(server, tmp_path):
    result = _run("--from", f"{server}/roads", "--to", str(tmp_path / "r.gpkg"))
    assert result.exit_code == 0, result.output
    assert (tmp_path / "r.gpkg").is_file()


def test_fetch_local_file(tmp_path):
    src = tmp_path / "tiny.osm"
    src.write_text(OSM_XML, encoding="utf-8")
    result = _run("--from", str(src), "--to", str(tmp_path / "out.gpkg"))
    assert result.exit_code == 0, result.output
    assert len(read_saved_roads(tmp_path / "out.gpkg")) == 3


@pytest.mark.parametrize(
    ("path", "message"),
    [
        ("/nothing-here.osm", "HTTP 404"),
        ("/broken.osm", "HTTP 500"),
        ("/page.html", "not a road file"),
    ],
)
def test_fetch_failures_are_readable_and_write_nothing(server, tmp_path, path, message):
    target = tmp_path / "roads.gpkg"
    result = _run("--from", f"{server}{path}", "--to", str(target))
    assert result.exit_code != 0
    assert message in result.output
    assert isinstance(result.exception, SystemExit)  # a clean exit, not a crash
    assert "Traceback" not in result.output
    assert list(tmp_path.iterdir()) == []


def test_fetch_timeout(server, tmp_path):
    result = _run("--from", f"{server}/slow.osm", "--to", str(tmp_path / "r.gpkg"),
                  "--timeout", "0.3")
    assert result.exit_code != 0
    assert "timed out after 0.3 s" in result.output
    assert list(tmp_path.iterdir()) == []


def test_fetch_keeps_previous_network_when_import_fails(server, tmp_path):
    target = tmp_path / "roads.gpkg"
    assert _run("--from", f"{server}/extract.osm", "--to", str(target)).exit_code == 0
    before = target.read_bytes()
    assert _run("--from", f"{server}/page.html", "--to", str(target)).exit_code != 0
    assert target.read_bytes() == before


def test_fetch_needs_a_destination(tmp_path):
    result = _run("--from", str(tmp_path / "x.osm"), env={"GEORISK_DATA_DIR": ""})
    assert result.exit_code != 0
    assert "GEORISK_DATA_DIR" in result.output


def test_unreachable_host_and_bad_scheme(tmp_path):
    # Port 9 on loopback (discard) is closed here: connection refused, not a hang.
    result = _run("--from", "http://127.0.0.1:9/x.osm", "--to", str(tmp_path / "r.gpkg"),
                  "--timeout", "2")
    assert result.exit_code != 0 and "cannot reach" in result.output
    result = _run("--from", "ftp://example.org/x.osm", "--to", str(tmp_path / "r.gpkg"))
    assert result.exit_code != 0 and "unsupported URL scheme" in result.output
    assert not Path(tmp_path / "r.gpkg").exists()
