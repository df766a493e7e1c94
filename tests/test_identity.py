"""API tokens: shown once, stored hashed, revocable; the `georisk tokens` commands."""

from __future__ import annotations

import sqlite3
import subprocess
import sys

import pytest

from georisk.errors import NotFound, ValidationError
from georisk.identity import Tokens, hash_token
from georisk.store import SQLiteStore
from tests.conftest import ROOT


@pytest.fixture
def tokens(db_path):
    SQLiteStore(db_path).close()
    return Tokens(db_path)


def test_a_token_is_stored_only_as_its_hash_and_checks_until_revoked(tokens, db_path):
    info, secret = tokens.create("cad-bridge", "sos", "operator")
    assert secret.startswith("grk_") and len(secret) > 40
    stored = sqlite3.connect(db_path).execute("SELECT secret_hash FROM tokens").fetchall()
    assert stored == [(hash_token(secret),)]
    checked = tokens.check(secret)
    assert checked is not None and checked.viewer().agency == "sos"
    assert tokens.check(secret + "x") is None and tokens.check("nonsense") is None
    tokens.revoke(info.id)
    assert tokens.check(secret) is None
    (listed,) = tokens.list()
    assert listed.name == "cad-bridge" and not listed.active


def test_refusals(tokens):
    with pytest.raises(ValidationError):
        tokens.create("x", "army", "operator")
    with pytest.raises(ValidationError):
        tokens.create("x", "police", "general")
    with pytest.raises(NotFound):
        tokens.revoke("tok-none")


def test_cli_create_list_revoke(db_path):
    def georisk(*args):
        command = [sys.executable, "-m", "app.cli", "tokens", *args, "--db", str(db_path)]
        return subprocess.run(command, cwd=ROOT, capture_output=True, text=True)

    created = georisk("create", "--name", "qgis-analyst", "--agency", "centre", "--role", "analyst")
    assert created.returncode == 0, created.stderr
    secret = created.stdout.strip()
    assert secret.startswith("grk_") and "tok-" in created.stderr
    listed = georisk("list")
    assert "qgis-analyst" in listed.stdout and secret not in listed.stdout
    token_id = listed.stdout.split("\t")[0]
    assert georisk("revoke", token_id).returncode == 0
    assert "revoked" in georisk("list").stdout
    assert georisk("revoke", "tok-none").returncode != 0
