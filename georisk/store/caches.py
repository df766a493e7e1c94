"""The two record caches every store backend keeps in each process.

Both are independent of the database: what they need to read, they ask for through a
function the backend passes in.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from georisk.model import Record

Key = tuple[str, str]  # (kind, id)
#: The (entity kind, id) of the events after the first seq, up to the second.
Touched = Callable[[int, int], Iterable[Key]]
#: The payloads of the events with those seqs, by seq.
Payloads = Callable[[Sequence[int]], dict[int, str]]
#: Records of one kind from (rid, id, payload, wkb) rows, in their order.
Decode = Callable[[str, Sequence[tuple[Any, ...]]], list[Record]]


class RecordCache:
    """Decoded current records of the entities this process wrote or read lately.

    ``synced`` is the journal's last sequence number at which every entry is known to be
    current. While the journal still ends there, entries are used without asking the
    database; once it has moved on (another process or thread wrote), the entities those
    events touched are dropped and the rest are current again. Only batches that follow
    on from ``synced``, and records read while the journal ended at ``synced``, are
    added, so an entry is never older than the journal says. This spares the hot path (a
    stream of position reports) from reading and decoding the same units again and again.
    """

    def __init__(self, size: int = 20_000):
        self._size = size
        # key -> (rid, record), oldest first
        self._entries: OrderedDict[Key, tuple[int, Record]] = OrderedDict()
        self._synced = 0
        self._lock = threading.Lock()

    def current(
        self, touched: Touched | None, keys: Iterable[Key], last_seq: int
    ) -> dict[Key, tuple[int, Record]]:
        """The cached (rid, record) of those keys it holds, current at ``last_seq``."""
        with self._lock:
            if last_seq > self._synced:  # (a reader's older view uses newer entries)
                self._catch_up(touched, last_seq)
            entries = self._entries
            return {key: entries[key] for key in keys if key in entries}

    def _catch_up(self, touched: Touched | None, last_seq: int) -> None:
        behind = last_seq - self._synced
        if behind > max(len(self._entries), 1_000):
            self._entries.clear()  # so far behind that starting afresh is cheaper
        elif self._entries:
            assert touched is not None
            for key in touched(self._synced, last_seq):
                self._entries.pop(tuple(key), None)  # type: ignore[arg-type]
        self._synced = last_seq

    def update(self, first_seq: int, last_seq: int, written: dict[Key, tuple[int, Record]]) -> None:
        """Take the records of a committed batch of events first_seq..last_seq."""
        with self._lock:
            if first_seq != self._synced + 1:
                return  # the journal moved on in between: catching up will drop them
            self._take(written)
            self._synced = last_seq

    def add(self, seq: int, read: dict[Key, tuple[int, Record]]) -> None:
        """Take records read from the database after the journal's event ``seq``.

        Only while nothing has been taken since the cache caught up with ``seq``: a batch
        taken in between may be newer than what was read, and must not be overwritten.
        (What was read is at least as new as ``seq``; a change after it is an event after
        ``seq``, so catching up drops the record.)
        """
        with self._lock:
            if seq == self._synced:
                self._take(read)

    def _take(self, entries: dict[Key, tuple[int, Record]]) -> None:
        self._entries.update(entries)
        while len(self._entries) > self._size:  # first in, first out
            self._entries.popitem(last=False)


class DecodedRecords:
    """Records decoded from the journal, by the event that made each one current.

    A row of entities names that event (seq) and holds its geometry, and an event never
    changes: an entry stays right for as long as it is kept, and nothing is dropped when
    the journal moves on (unlike `RecordCache`, which answers by entity). Lists read the
    same current records again and again (a map's clients refresh the same area); a page
    of 1,000 incidents that are all here reads no payload and decodes nothing (JSON,
    times, enums, WKB), about a third of the time of an OGC items request. Full, it holds
    about 25 MB per process (20,000 incidents, measured).
    """

    def __init__(self, size: int = 20_000):
        self._size = size
        self._entries: OrderedDict[int, Record] = OrderedDict()  # seq -> record, oldest first
        self._lock = threading.Lock()

    def records(
        self, payloads: Payloads, decode: Decode, kind: str, rows: Sequence[tuple[Any, ...]]
    ) -> list[Record]:
        """The records of (rid, id, seq, geom, ...) rows of ``kind``, in their order."""
        with self._lock:
            get = self._entries.get
            found = [get(row[2]) for row in rows]
        missing = [row for row, record in zip(rows, found, strict=True) if record is None]
        if not missing:
            return found  # type: ignore[return-value]
        read = payloads([row[2] for row in missing])
        decoded = decode(kind, [(rid, id_, read[seq], geom)
                                for rid, id_, seq, geom, *_ in missing])
        made = iter(decoded)
        out = [record if record is not None else next(made) for record in found]
        with self._lock:
            self._entries.update(zip([row[2] for row in missing], decoded, strict=True))
            while len(self._entries) > self._size:  # first in, first out
                self._entries.popitem(last=False)
        return out
