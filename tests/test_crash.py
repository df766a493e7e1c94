"""Durability: a writer killed with SIGKILL at any moment loses nothing it acknowledged,
on each store backend."""

from __future__ import annotations

import json
import os
import random
import signal
import sqlite3
import subprocess
import sys
import time

import pytest

from georisk.store import Query, SQLiteStore, open_store
from tests.conftest import ROOT


def _kill_after(db, seed: int, seconds: float) -> list[int]:
    """Start a writer, let it write for ``seconds`` after its first acknowledgement
    (so a slow start on a busy machine cannot make the round empty), then SIGKILL it."""
    child = subprocess.Popen(
        [sys.executable, "-m", "tests.crash_writer", str(db), str(seed)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    first = child.stdout.readline()  # blocks until the writer has committed once
    time.sleep(seconds)
    os.kill(child.pid, signal.SIGKILL)
    output, _ = child.communicate()
    assert child.returncode == -signal.SIGKILL
    return [int(line) for line in (first + output).split()]


@pytest.mark.slow
def test_sigkill_never_loses_an_acknowledged_event(store_location):
    db_path = store_location
    rng = random.Random(20260115)
    acknowledged: list[int] = []
    for round_ in range(6):
        acked = _kill_after(db_path, round_, rng.uniform(0.8, 2.0))
        assert acked, "the writer acknowledged nothing before it was killed"
        acknowledged += acked

        store = open_store(db_path)
        events = store.events_after(0, limit=10_000_000)
        seqs = [event.seq for event in events]
        assert set(acknowledged) <= set(seqs), "an acknowledged event is missing"
        assert seqs == list(range(1, len(seqs) + 1)), "the journal has a gap"

        # the projections equal a fresh replay of the journal
        replayed = {}
        for event in events:
            replayed[(event.entity_kind, event.entity_id)] = (event.seq, event.payload)
        projected = {}
        for kind in ("incident", "unit"):
            for record in store.query(Query(kind)).records:
                projected[(kind, record.id)] = record.to_feature()
        assert projected.keys() == replayed.keys()
        for key, (_, payload) in replayed.items():
            assert json.loads(json.dumps(projected[key])) == payload, key
        if isinstance(store, SQLiteStore):
            con = sqlite3.connect(db_path)
            assert con.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        else:
            import psycopg

            con = psycopg.connect(db_path)
        rows = dict(con.execute("SELECT kind || '/' || id, seq FROM entities"))
        assert rows == {f"{k}/{i}": seq for (k, i), (seq, _) in replayed.items()}
        con.close()
        store.close()
    assert len(acknowledged) > 100
