"""Password hashes in georisk.users: the standard library's scrypt, in the stored form
werkzeug writes, so that databases made with werkzeug's hashes keep signing people in."""

from __future__ import annotations

import sqlite3
import subprocess
import sys

import pytest
from werkzeug.security import check_password_hash, generate_password_hash

from georisk.store import SQLiteStore
from georisk.users import Users, hash_password, password_matches

PASSWORD = "correct horse battery staple"


@pytest.fixture(scope="module")
def werkzeug_hash() -> str:
    return generate_password_hash(PASSWORD, method="scrypt")


def test_a_hash_werkzeug_made_verifies(werkzeug_hash):
    assert werkzeug_hash.startswith("scrypt:32768:8:1$")
    assert password_matches(werkzeug_hash, PASSWORD)
    assert not password_matches(werkzeug_hash, PASSWORD + "!")
    assert not password_matches(werkzeug_hash, "")


def test_new_hashes_verify_and_are_at_least_as_costly():
    stored = hash_password(PASSWORD)
    method, salt, digest = stored.split("$")
    n, r, p = (int(v) for v in method.removeprefix("scrypt:").split(":"))
    assert method.startswith("scrypt:") and n >= 2**15 and r >= 8 and p >= 1
    assert len(salt) >= 16 and len(bytes.fromhex(digest)) >= 64
    assert password_matches(stored, PASSWORD)
    assert not password_matches(stored, PASSWORD.upper())
    assert hash_password(PASSWORD) != stored  # a fresh salt every time
    assert check_password_hash(stored, PASSWORD)  # werkzeug reads the same form


@pytest.mark.parametrize(
    "stored",
    ["", "plain", "pbkdf2:sha256:1000$salt$00", "scrypt:32768:8$salt$00",
     "scrypt:1000:8:1$salt$00", "scrypt:32768:8:1$salt$not-hex", "scrypt:32768:8:1$salt$"],
)
def test_a_stored_form_that_is_not_scrypts_never_matches(stored):
    assert not password_matches(stored, PASSWORD)


def test_a_user_stored_with_werkzeugs_hash_signs_in(db_path, werkzeug_hash):
    SQLiteStore(db_path).close()
    users = Users(db_path)
    users.add("polis.op", "police", "operator", "some other password")
    with sqlite3.connect(db_path) as con:  # as an earlier version of georisk stored it
        con.execute("UPDATE users SET password_hash = ? WHERE name = 'polis.op'",
                    (werkzeug_hash,))
    assert users.authenticate("polis.op", PASSWORD).name == "polis.op"
    assert users.authenticate("polis.op", "some other password") is None


def test_the_core_hashes_without_flasks_toolkit():
    code = ("import sys, georisk.users; print(sorted(m for m in sys.modules"
            " if m.split('.')[0] in ('werkzeug', 'flask')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
