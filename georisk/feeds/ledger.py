"""The feed ledger: which record each source item became, and the item as received.

It lives in the store's database (table ``feed_items``, SQLite migration 0004) but is written
in its own short transaction after the journal's: record ids are derived from the
source's ids, so a crash between the two loses nothing but a skip-if-unchanged hint.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass

from georisk.feeds.base import FeedItem
from georisk.store.connections import connect
from georisk.timeutil import to_micros, utc_now


@dataclass(frozen=True, slots=True)
class Entry:
    entity_kind: str
    entity_id: str
    payload_hash: str


class Ledger:
    def __init__(self, location: str | os.PathLike[str]):
        self._con = connect(location)

    def lookup(self, source: str, source_ids: Iterable[str]) -> dict[str, Entry]:
        ids = list(dict.fromkeys(source_ids))
        found: dict[str, Entry] = {}
        for start in range(0, len(ids), 5_000):
            chunk = ids[start : start + 5_000]
            rows = self._con.execute(
                "SELECT source_id, entity_kind, entity_id, payload_hash FROM feed_items "
                f"WHERE source = ? AND source_id IN ({','.join('?' * len(chunk))})",
                (source, *chunk),
            )
            for source_id, kind, entity_id, digest in rows:
                found[source_id] = Entry(kind, entity_id, digest)
        return found

    def record(self, items: Iterable[tuple[FeedItem, int | None]]) -> None:
        """Remember the items (with the journal seq each produced) in one transaction."""
        now = to_micros(utc_now())
        rows = [
            (item.source, item.source_id, item.kind, item.record.id, item.digest, item.raw,
             now, now, seq)
            for item, seq in items
        ]
        if not rows:
            return
        self._con.execute("BEGIN IMMEDIATE")
        try:
            self._con.executemany(_UPSERT, rows)
        except BaseException:
            self._con.execute("ROLLBACK")
            raise
        self._con.execute("COMMIT")

    def raw(self, source: str, source_id: str) -> bytes | None:
        row = self._con.execute(
            "SELECT payload FROM feed_items WHERE source = ? AND source_id = ?",
            (source, source_id),
        ).fetchone()
        return None if row is None else bytes(row[0])

    def close(self) -> None:
        self._con.close()


_UPSERT = """
INSERT INTO feed_items (source, source_id, entity_kind, entity_id, payload_hash, payload,
                        first_us, last_us, seq)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
ON CONFLICT (source, source_id) DO UPDATE SET
    entity_kind = excluded.entity_kind, entity_id = excluded.entity_id,
    payload_hash = excluded.payload_hash, payload = excluded.payload,
    last_us = excluded.last_us, seq = coalesce(excluded.seq, feed_items.seq)
"""
