"""Sign-in, sessions, CSRF, brute-force limits, refused writes and the audit trail."""

from __future__ import annotations

import base64
import collections
import concurrent.futures
import http.cookiejar
import json
import logging
import re
import sqlite3
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from datetime import timedelta

import pytest
from click.testing import CliRunner

from app import create_app
from georisk import throttle
from georisk.cli import cli
from georisk.identity import Tokens
from georisk.store import Query, SQLiteStore
from georisk.users import Users
from tests.api_support import bearer, running_service
from tests.factories import incident_input

PASSWORD = "correct horse battery staple"


@pytest.fixture
def app(db_path):
    SQLiteStore(db_path).close()
    users = Users(db_path)
    users.add("polis.op", "police", "operator", PASSWORD)
    users.add("rtj.op", "rescue", "operator", PASSWORD)
    users.add("admin", "centre", "admin", PASSWORD)
    return create_app({"DB": str(db_path), "TESTING": True, "SECURE_COOKIES": False})


def _csrf(html: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


def sign_in(client, name: str = "polis.op", password: str = PASSWORD):
    token = _csrf(client.get("/signin").get_data(as_text=True))
    return client.post("/signin", data={"name": name, "password": password, "csrf_token": token})


def session_csrf(client) -> str:
    """The CSRF token of the client's session, as pages hand it out (it is kept with the
    session in the database, not in the cookie)."""
    return _csrf(client.get("/signin").get_data(as_text=True))


def _sample_url(rule) -> str:
    return rule.build({name: "x" for name in rule.arguments})[1]


def test_anonymous_gets_401_everywhere_but_health_and_signin(app):
    client = app.test_client()
    public = {"health.check", "signin.form", "signin.submit"}
    for rule in app.url_map.iter_rules():
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            response = client.open(_sample_url(rule), method=method)
            if rule.endpoint in public:
                assert response.status_code != 401, rule.rule
            elif rule.endpoint == "pages.live_map":  # a person: sent to sign in, then back
                assert response.status_code == 302
                assert response.headers["Location"].startswith("/signin?next=/")
            else:
                assert response.status_code == 401, (method, rule.rule)
                assert response.mimetype == "application/problem+json"


def test_sign_in_page_is_swedish_by_default_english_on_request(app):
    client = app.test_client()
    assert "Logga in" in client.get("/signin").get_data(as_text=True)
    page = client.get("/signin?lang=en")
    assert "Sign in" in page.get_data(as_text=True)
    assert "frame-ancestors 'none'" in page.headers["Content-Security-Policy"]
    assert "http" not in re.sub(r'lang="\w+"', "", page.get_data(as_text=True))  # no CDN


def test_session_cookie_flags_and_a_session_reads_the_api(app, db_path):
    client = app.test_client()
    response = sign_in(client)
    assert response.status_code == 303
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Expires=" in cookie
    assert client.get("/api/v1/incidents").status_code == 200
    secure = create_app({"DB": str(db_path)}).test_client()  # production default
    assert "Secure" in sign_in(secure).headers["Set-Cookie"]


def test_wrong_password_and_unknown_user_look_the_same(app):
    client = app.test_client()
    wrong = sign_in(client, "polis.op", "not the password")
    unknown = sign_in(client, "nobody", "not the password")
    assert wrong.status_code == unknown.status_code == 401
    assert "Fel användarnamn eller lösenord" in unknown.get_data(as_text=True)
    assert client.get("/api/v1/incidents").status_code == 401


def test_writes_with_a_session_need_the_csrf_token(app):
    client = app.test_client()
    sign_in(client)
    body = incident_input(agency="police", title="Inbrott")
    refused = client.post("/api/v1/incidents", json=body)
    assert refused.status_code == 403 and "CSRF" in refused.get_json()["detail"]
    wrong = client.post("/api/v1/incidents", json=body, headers={"X-CSRF-Token": "guess"})
    assert wrong.status_code == 403
    ok = client.post("/api/v1/incidents", json=body, headers={"X-CSRF-Token": session_csrf(client)})
    assert ok.status_code == 201
    assert client.post("/signout").status_code == 403  # a form post without the token
    out = client.post("/signout", data={"csrf_token": session_csrf(client)})
    assert out.status_code == 303
    assert client.get("/api/v1/incidents").status_code == 401


def test_sign_in_form_without_csrf_token_fails(app):
    client = app.test_client()
    response = client.post("/signin", data={"name": "polis.op", "password": PASSWORD})
    assert response.status_code == 400
    assert client.get("/api/v1/incidents").status_code == 401


def test_bearer_requests_need_no_csrf_token(app, db_path):
    token = Tokens(db_path).create("feed", "police", "operator")[1]
    client = app.test_client()
    response = client.post("/api/v1/incidents", json=incident_input(agency="police"),
                           headers=bearer(token))
    assert response.status_code == 201


def _basic(name: str, password: str) -> dict[str, str]:
    pair = base64.b64encode(f"{name}:{password}".encode()).decode()
    return {"Authorization": f"Basic {pair}"}


def test_a_token_as_basic_credentials_is_the_same_viewer_as_its_bearer(app, db_path):
    token = Tokens(db_path).create("qgis-polis", "police", "operator")[1]
    client = app.test_client()
    created = client.post("/api/v1/incidents", json=incident_input(agency="police"),
                          headers=_basic("QGIS-Polis", token))
    assert created.status_code == 201  # a write, as the token may, with no CSRF token
    id_ = created.get_json()["feature"]["id"]
    by_basic = client.get(f"/api/v1/incidents/{id_}", headers=_basic("qgis-polis", token))
    by_bearer = client.get(f"/api/v1/incidents/{id_}", headers=bearer(token))
    assert by_basic.status_code == 200 and by_basic.get_json() == by_bearer.get_json()
    anonymous = client.get("/api/v1/incidents")
    assert anonymous.headers["WWW-Authenticate"] == 'Bearer realm="georisk"'  # no browser dialog


def test_a_wrong_basic_pair_is_a_failed_sign_in_counted_and_journaled(app, db_path):
    token = Tokens(db_path).create("qgis-polis", "police", "operator")[1]
    admin = Tokens(db_path).create("admin", "centre", "admin")[1]
    client = app.test_client()
    for headers in (_basic("someone-else", token), _basic("qgis-polis", "not-the-token"),
                    {"Authorization": "Basic !!!"}, _basic("qgis-polis", "")):
        refused = client.get("/api/v1/incidents", headers=headers)
        assert refused.status_code == 401
        assert "Basic realm=" in refused.headers["WWW-Authenticate"]
    for _ in range(3):  # with the two above, five failures on the name: the fifth locks
        assert client.get("/api/v1/incidents",
                          headers=_basic("qgis-polis", "guess")).status_code == 401
    locked = client.get("/api/v1/incidents", headers=_basic("qgis-polis", "guess"))
    assert locked.status_code == 429 and int(locked.headers["Retry-After"]) > 0
    # the right pair is not held back by a lock someone else ran up on the name
    assert client.get("/api/v1/incidents", headers=_basic("qgis-polis", token)).status_code == 200
    audit = client.get("/api/v1/audit", headers=bearer(admin)).get_json()["events"]
    failed = [e["payload"] for e in audit if e["kind"] == "access.sign_in_failed"]
    assert [f["reason"] for f in failed] == ["token"] * 7 + ["locked"]
    assert {f["via"] for f in failed} == {"basic"} and token not in json.dumps(audit)


def test_a_token_of_one_agency_cannot_write_anothers_records_and_it_is_journaled(app, db_path):
    police = Tokens(db_path).create("polis-feed", "police", "operator")[1]
    rescue = Tokens(db_path).create("rtj-feed", "rescue", "operator")[1]
    admin = Tokens(db_path).create("admin", "centre", "admin")[1]
    client = app.test_client()
    created = client.post("/api/v1/incidents", json=incident_input(agency="rescue"),
                          headers=bearer(rescue)).get_json()
    id_ = created["feature"]["id"]
    for method, url, body in [
        ("PATCH", f"/api/v1/incidents/{id_}", {"properties": {"severity": 5}}),
        ("POST", f"/api/v1/incidents/{id_}/close", None),
        ("POST", "/api/v1/incidents", incident_input(agency="rescue")),
    ]:
        response = client.open(url, method=method, json=body, headers=bearer(police))
        assert response.status_code == 403, (method, url)
    assert client.get(f"/api/v1/incidents/{id_}", headers=bearer(rescue)).get_json()[
        "properties"]["severity"] == 3
    audit = client.get("/api/v1/audit", headers=bearer(admin)).get_json()["events"]
    refused = [e for e in audit if e["kind"] == "access.write_refused"]
    assert len(refused) == 3 and {e["actor"] for e in refused} == {"polis-feed"}
    assert refused[0]["entity_id"] == id_ and refused[0]["payload"]["owner"] == "rescue"
    # the access events stay out of the journal that every agency reads
    events = client.get("/api/v1/events", headers=bearer(rescue)).get_json()["events"]
    assert not [e for e in events if e["kind"].startswith("access.")]
    assert client.get("/api/v1/audit", headers=bearer(rescue)).status_code == 403


def test_sign_ins_and_sign_outs_are_journaled_for_admins(app):
    client = app.test_client()
    sign_in(client, "polis.op", "wrong password!")
    sign_in(client)
    client.post("/signout", data={"csrf_token": session_csrf(client)})
    admin = app.test_client()
    sign_in(admin, "admin")
    kinds = [(e["kind"], e["entity_id"]) for e in admin.get("/api/v1/audit").get_json()["events"]]
    assert kinds == [("access.sign_in_failed", "polis.op"), ("access.signed_in", "polis.op"),
                     ("access.signed_out", "polis.op"), ("access.signed_in", "admin")]


def test_disabling_a_user_ends_their_session_and_tokens_at_once(app, db_path):
    client = app.test_client()
    sign_in(client)
    runner = CliRunner()
    made = runner.invoke(cli, ["tokens", "create", "--user", "polis.op", "--db", str(db_path)])
    token = made.stdout.strip().splitlines()[-1]
    assert client.get("/api/v1/units").status_code == 200
    assert app.test_client().get("/api/v1/units", headers=bearer(token)).status_code == 200
    assert runner.invoke(cli, ["users", "disable", "polis.op", "--db", str(db_path)]).exit_code == 0
    assert client.get("/api/v1/units").status_code == 401
    assert app.test_client().get("/api/v1/units", headers=bearer(token)).status_code == 401
    assert sign_in(app.test_client()).status_code == 401
    runner.invoke(cli, ["users", "enable", "polis.op", "--db", str(db_path)])
    assert client.get("/api/v1/units").status_code == 401  # the old session stays dead
    assert app.test_client().get("/api/v1/units", headers=bearer(token)).status_code == 401


def test_sessions_expire(db_path):
    SQLiteStore(db_path).close()
    Users(db_path).add("polis.op", "police", "operator", PASSWORD)
    app = create_app({"DB": str(db_path), "SECURE_COOKIES": False, "SESSION_HOURS": 1 / 3600})
    client = app.test_client()
    sign_in(client)
    assert client.get("/api/v1/units").status_code == 200
    time.sleep(2.1)
    assert client.get("/api/v1/units").status_code == 401


def test_guessing_locks_the_account_and_is_logged(app, caplog):
    caplog.set_level(logging.WARNING, "georisk.auth")
    client = app.test_client()
    for _ in range(5):  # the free attempts; the fifth failure locks
        assert sign_in(client, "polis.op", "guess guess guess").status_code == 401
    locked = sign_in(client)  # even the right password waits
    assert locked.status_code == 429 and int(locked.headers["Retry-After"]) > 0
    assert sign_in(app.test_client(), "rtj.op").status_code == 303  # others are not locked
    assert any("sign_in_failed" in r.getMessage() for r in caplog.records)


def test_guessing_from_one_address_across_accounts_is_slowed(app):
    client = app.test_client()
    for n in range(21):
        sign_in(client, f"user{n}", "guess guess guess")
    assert sign_in(client, "rtj.op").status_code == 429


def test_good_sign_ins_do_not_count_towards_the_address_lock(app):
    client = app.test_client()
    for n in range(19):  # one short of the address's free attempts
        sign_in(client, f"user{n}", "guess guess guess")
    for _ in range(3):  # a shift signing in at one desk, from one address
        assert sign_in(client, "rtj.op").status_code == 303


def test_users_commands(db_path):
    runner = CliRunner()
    added = runner.invoke(cli, ["users", "add", "anna", "--agency", "rescue", "--role",
                                "operator", "--db", str(db_path)])
    assert added.exit_code == 0
    password = added.stdout.strip()
    assert Users(db_path).authenticate("anna", password) is not None
    typed = runner.invoke(cli, ["users", "add", "per", "--agency", "police", "--role", "viewer",
                                "--password-stdin", "--db", str(db_path)],
                          input="a long enough password\n")
    assert typed.exit_code == 0 and "a long enough" not in typed.stdout
    short = runner.invoke(cli, ["users", "add", "eva", "--agency", "sos", "--role", "viewer",
                                "--password-stdin", "--db", str(db_path)], input="short\n")
    assert short.exit_code != 0 and "password" in short.output
    listed = runner.invoke(cli, ["users", "list", "--db", str(db_path)]).stdout
    assert "anna\trescue\toperator\tactive" in listed and "per\tpolice\tviewer" in listed
    assert "scrypt" not in listed
    runner.invoke(cli, ["users", "disable", "anna", "--db", str(db_path)])
    assert "anna\trescue\toperator\tdisabled" in runner.invoke(
        cli, ["users", "list", "--db", str(db_path)]).stdout


def test_browser_session_over_the_real_server(db_path, monkeypatch):
    """Cookies as a real client keeps them, against `georisk serve` on the loopback."""
    SQLiteStore(db_path).close()
    Users(db_path).add("polis.op", "police", "operator", PASSWORD)
    monkeypatch.setenv("GEORISK_SECURE_COOKIES", "0")  # plain HTTP on the loopback
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))

    def call(url, data=None, headers=None, method=None):
        request = urllib.request.Request(url, data=data, headers=headers or {}, method=method)
        try:
            with opener.open(request, timeout=10) as response:
                return response.status, response.read().decode()
        except urllib.error.HTTPError as exc:
            return exc.code, exc.read().decode()

    with running_service(db_path) as base:
        assert call(f"{base}/api/v1/units")[0] == 401
        _, page = call(f"{base}/signin")
        form = {"name": "polis.op", "password": PASSWORD, "csrf_token": _csrf(page)}
        status, _ = call(f"{base}/signin", urllib.parse.urlencode(form).encode())
        assert status in (200, 404)  # followed the redirect to "/" (no page there yet)
        assert call(f"{base}/api/v1/units")[0] == 200
        body = json.dumps(incident_input(agency="police")).encode()
        json_type = {"Content-Type": "application/json"}
        assert call(f"{base}/api/v1/incidents", body, json_type)[0] == 403  # no CSRF token
        _, page = call(f"{base}/signin")
        token = _csrf(page)
        created = call(f"{base}/api/v1/incidents", body, {**json_type, "X-CSRF-Token": token})
        assert created[0] == 201
        call(f"{base}/signout", urllib.parse.urlencode({"csrf_token": token}).encode())
        assert call(f"{base}/api/v1/units")[0] == 401


def _replay(app, cookie: str):
    """A client that holds nothing but a copy of someone's session cookie."""
    thief = app.test_client()
    thief.set_cookie("georisk_session", cookie)
    return thief


def test_a_session_cookie_copied_before_sign_out_is_dead_after_it(app, db_path):
    client = app.test_client()
    sign_in(client)
    copied = client.get_cookie("georisk_session").value
    token = session_csrf(client)
    assert _replay(app, copied).get("/api/v1/incidents").status_code == 200  # a live session
    assert client.post("/signout", data={"csrf_token": token}).status_code == 303
    thief = _replay(app, copied)
    assert thief.get("/api/v1/incidents").status_code == 401
    body = incident_input(agency="police", title="Efter utloggning")
    refused = thief.post("/api/v1/incidents", json=body, headers={"X-CSRF-Token": token})
    assert refused.status_code == 401
    assert SQLiteStore(db_path).query(Query("incident")).records == []  # nothing written
    # and the copied CSRF token is no longer this cookie's token
    from app.auth import csrf_ok

    headers = {"Cookie": f"georisk_session={copied}", "X-CSRF-Token": token}
    with app.test_request_context("/api/v1/incidents", method="POST", headers=headers):
        assert not csrf_ok()


def test_signing_in_again_ends_the_session_before(app):
    client = app.test_client()
    sign_in(client)
    before = client.get_cookie("georisk_session").value
    assert sign_in(client).status_code == 303  # the same browser signs in once more
    assert client.get_cookie("georisk_session").value != before
    assert client.get("/api/v1/incidents").status_code == 200
    assert _replay(app, before).get("/api/v1/incidents").status_code == 401


def test_expired_sessions_are_cleaned_up(db_path):
    SQLiteStore(db_path).close()
    Users(db_path).add("polis.op", "police", "operator", PASSWORD)
    app = create_app({"DB": str(db_path), "SECURE_COOKIES": False, "SESSION_HOURS": 1 / 3600})
    sign_in(app.test_client())
    sign_in(app.test_client())
    time.sleep(1.1)
    sign_in(app.test_client())  # a sign-in clears away the sessions that have ended
    with sqlite3.connect(db_path) as con:
        assert con.execute("SELECT count(*) FROM sessions").fetchone()[0] == 1


def test_sign_out_ends_the_session_in_every_worker(db_path, monkeypatch):
    """Two gunicorn workers: the one that signs out and the one a copied cookie reaches
    need not be the same process, so the session's end is in the database."""
    SQLiteStore(db_path).close()
    Users(db_path).add("polis.op", "police", "operator", PASSWORD)
    monkeypatch.setenv("GEORISK_SECURE_COOKIES", "0")  # plain HTTP on the loopback
    with running_service(db_path, "--workers", "2", "--threads", "4") as base:
        jar = http.cookiejar.CookieJar()
        opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
        page = opener.open(f"{base}/signin", timeout=10).read().decode()
        form = {"name": "polis.op", "password": PASSWORD, "csrf_token": _csrf(page)}
        opener.open(f"{base}/signin", urllib.parse.urlencode(form).encode(), timeout=30)
        copied = next(c.value for c in jar if c.name == "georisk_session")

        def replayed(path: str) -> int:
            request = urllib.request.Request(base + path,
                                             headers={"Cookie": f"georisk_session={copied}"})
            try:
                with urllib.request.urlopen(request, timeout=10) as response:
                    return response.status
            except urllib.error.HTTPError as exc:
                return exc.code

        assert {replayed("/api/v1/units") for _ in range(8)} == {200}
        token = _csrf(opener.open(f"{base}/signin", timeout=10).read().decode())
        opener.open(f"{base}/signout", urllib.parse.urlencode({"csrf_token": token}).encode(),
                    timeout=10)
        # each request on a connection of its own, which either worker may take
        assert {replayed("/api/v1/units") for _ in range(8)} == {401}


def test_parallel_guesses_at_one_account_check_at_most_the_free_ones(db_path, monkeypatch):
    """30 wrong passwords sent at once to `georisk serve` (two workers, many threads): the
    lock check and the count are one step, so only the free attempts reach the password."""
    SQLiteStore(db_path).close()
    Users(db_path).add("polis.op", "police", "operator", PASSWORD)
    admin = Tokens(db_path).create("revisor", "centre", "admin")[1]
    monkeypatch.setenv("GEORISK_SECURE_COOKIES", "0")  # plain HTTP on the loopback
    attempts = 30
    with running_service(db_path, "--workers", "2", "--threads", "16") as base:
        ready = threading.Barrier(attempts)

        def guess(n: int) -> tuple[int, str | None]:
            jar = http.cookiejar.CookieJar()
            opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
            page = opener.open(f"{base}/signin", timeout=30).read().decode()
            form = {"name": "polis.op", "password": f"guess number {n}", "csrf_token": _csrf(page)}
            ready.wait(timeout=60)
            try:
                opener.open(f"{base}/signin", urllib.parse.urlencode(form).encode(), timeout=60)
            except urllib.error.HTTPError as exc:
                return exc.code, exc.headers.get("Retry-After")
            return 200, None

        with concurrent.futures.ThreadPoolExecutor(attempts) as pool:
            answers = list(pool.map(guess, range(attempts)))
        request = urllib.request.Request(f"{base}/api/v1/audit", headers=bearer(admin))
        with urllib.request.urlopen(request, timeout=10) as response:
            events = json.loads(response.read())["events"]
    reasons = collections.Counter(
        e["payload"]["reason"] for e in events if e["kind"] == "access.sign_in_failed"
    )
    checked = reasons["password"]
    assert 1 <= checked <= throttle.ACCOUNT.free, reasons
    assert reasons["locked"] == attempts - checked
    assert sorted(status for status, _ in answers) == [401] * checked + [429] * (attempts - checked)
    assert all(int(wait) > 0 for status, wait in answers if status == 429)


def test_the_account_opens_again_when_its_lock_ends(app, monkeypatch):
    monkeypatch.setattr(throttle, "ACCOUNT", throttle.Limit(5, timedelta(seconds=1),
                                                            timedelta(seconds=1)))
    client = app.test_client()
    statuses = [sign_in(client, "polis.op", "guess guess guess").status_code for _ in range(7)]
    assert statuses[:5] == [401] * 5 and 429 in statuses[5:]
    assert sign_in(client).status_code == 429  # the right password waits too
    time.sleep(1.1)
    assert sign_in(client).status_code == 303
    sign_in(app.test_client(), "polis.op", "guess guess guess")  # the success forgot the rest
    assert sign_in(app.test_client()).status_code == 303


def test_an_admin_resets_a_password_and_the_users_sessions_end(app, db_path):
    client = app.test_client()
    sign_in(client)
    assert client.get("/api/v1/units").status_code == 200
    runner = CliRunner()
    reset = runner.invoke(cli, ["users", "reset-password", "polis.op", "--db", str(db_path)])
    assert reset.exit_code == 0, reset.output
    new = reset.stdout.strip().splitlines()[-1]
    assert client.get("/api/v1/units").status_code == 401  # the session ended
    assert sign_in(app.test_client()).status_code == 401  # the old password is gone
    assert sign_in(app.test_client(), password=new).status_code == 303
    typed = runner.invoke(cli, ["users", "reset-password", "polis.op", "--password-stdin",
                                "--db", str(db_path)], input="another long password\n")
    assert typed.exit_code == 0 and "another long" not in typed.stdout
    assert sign_in(app.test_client(), password="another long password").status_code == 303
    missing = runner.invoke(cli, ["users", "reset-password", "nobody", "--db", str(db_path)])
    assert missing.exit_code != 0 and "no user named 'nobody'" in missing.output
    short = runner.invoke(cli, ["users", "reset-password", "polis.op", "--password-stdin",
                                "--db", str(db_path)], input="short\n")
    assert short.exit_code != 0 and "12 characters" in short.output
    audit = [e.kind for e in SQLiteStore(db_path).events_after(0, 1000, entity_kind="access")]
    assert audit.count("access.user_password_reset") == 2
