"""Records' GeoJSON, written once per record object and kept for the next page.

A page of 1,000 features spends most of its time writing each record as a Feature
(`Record.to_feature`: times, geometry, enums) although the same records are asked for
again and again (a GIS client paging or panning, a map refreshing its area). The store
hands out the same immutable record object for as long as the record is unchanged
(`georisk.store.caches.DecodedRecords`), so its written form is kept under that object.

Only a record's *own* JSON is kept: `app.presenting` asks for it only when the policy
shows the record as it is (in full, nothing left out), and that JSON is then the same for
every viewer. What a policy makes for one viewer (a generalised record, a unit whose
incident is hidden) is written afresh each time and never kept.

Measured on 50,000 incidents, ``items?limit=1000&bbox`` of a tenth of them, the production
server under wrk (2 workers of 8 threads, as `tests.bench.bench_paging peer` runs it),
before and after alternated twice: 114–116 against 255–294 requests a second, and the
workers' CPU 15.9–16.5 against 6.5–7.6 ms a request. End to end, one client
(`tests.bench.bench_ab`, medians of 30): 49.8 against 23.0 ms a page.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

import orjson

from georisk.model import Record

#: Records whose JSON is kept per process: as many as the store keeps decoded (about
#: 12 MB of incidents, measured with tracemalloc).
SIZE = 20_000


def compact(written: bytes) -> bytes:
    """``orjson.dumps``' answer, to be kept for long: a copy of just the JSON. orjson's own
    bytes hold on to the whole buffer it wrote into, 4 KB for a row of 100 bytes and 8 KB
    for a feature of 450 (tracemalloc): the map's picture rows at 100,000 open incidents
    took 1.7 GB a process instead of about 0.1 GB."""
    return bytes(memoryview(written))


class KeptJson:
    """The JSON of the last ``size`` record objects written, oldest dropped first.

    Entries are found by the object's identity, never by its id or contents: an entry
    holds its record, so the identity cannot pass to another object while it is kept,
    and an edited record is a new object (records are immutable), so it is written anew.
    """

    def __init__(self, size: int = SIZE):
        self._size = size
        self._entries: dict[int, tuple[Record, orjson.Fragment]] = {}
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._entries)

    def of(self, record: Record, write: Callable[[Record], bytes]) -> orjson.Fragment:
        """``record``'s JSON as ``write`` makes it, written now or kept from before."""
        found = self._entries.get(id(record))
        if found is not None and found[0] is record:
            return found[1]
        written = orjson.Fragment(compact(write(record)))
        with self._lock:
            entries = self._entries
            entries.pop(id(record), None)  # (a stale entry goes to the back with the new)
            entries[id(record)] = (record, written)
            while len(entries) > self._size:
                del entries[next(iter(entries))]
        return written
