"""``GET /api/stream``: the journal as server-sent events, presented for each viewer.

One poller thread per worker process reads new journal events as they come and keeps
the most recent ones in memory: on SQLite it looks again every ``STREAM_POLL_S``; on
PostGIS it wakes when any instance commits (LISTEN/NOTIFY, `Store.wait_for_events`), so
a write on one instance reaches the maps connected to another. Every client thread waits
on a condition and takes what is newer than its own cursor. A client that is behind
what memory holds (a reconnect after minutes, or one that arrives at another worker)
reads straight from the journal, so resuming never depends on which process answers.

The SSE ``id`` is the event's number in the viewer's own view of the journal (each
agency's view is numbered 1, 2, 3, ... on its own: `georisk.journal.VIEWS`), so the ids
say nothing of events the viewer may not see. A browser's EventSource sends it back as
``Last-Event-ID`` when it reconnects, and the stream continues after it: nothing lost,
nothing twice. Heartbeats carry the cursor too (an ``id`` line without data). Inside,
the hub and each client follow the journal by its own sequence numbers.

A new incident's risk brief (`georisk.resources.brief`) follows its ``change`` as an
``event: brief`` message without an ``id`` (it is no journal event: the cursor stays
where it is). The poller hands each ``incident.reported`` to a brief thread, which
computes one brief per agency connected that sees the incident (as that agency is
shown everything in it) while the poller goes on; each client takes the briefs for its
agency once its cursor has passed the incident. A brief missed while disconnected is
not sent again: ``GET /api/v1/incidents/{id}/brief`` gives it.
"""

from __future__ import annotations

import bisect
import logging
import os
import queue
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterator
from concurrent.futures import Future
from dataclasses import dataclass
from datetime import timedelta

import orjson
from flask import Blueprint, Response, current_app
from pydantic import Field

from app import params
from app.auth import current_viewer
from app.problems import Problem
from georisk.access import Lookup, Viewer, present_event, view_of
from georisk.journal import Event
from georisk.queryparams import QueryModel, SeqNumber
from georisk.store import Store, StoreClosed
from georisk.timeutil import utc_now

blueprint = Blueprint("stream", __name__)
log = logging.getLogger(__name__)

POLL_S = 0.02
HEARTBEAT_S = 15.0
KEEP_EVENTS = 20_000
BATCH = 1_000
RENDERED_KEEP = 20_000  # presented messages kept for the other clients of the same kind
BATCHES_KEEP = 64  # and batches of them (maps at the live edge ask for the newest)
_UNSEEN = b"unseen"  # a marker: None means "hidden from this kind of viewer"
DEFAULT_MAX_CLIENTS = 24  # `georisk serve` sets threads - 8: streams must not take every thread
BRIEFS_KEEP = 1_000
#: An incident journaled longer ago than this gets no brief on the stream (a feed's import
#: of a day's incidents at once, or a poller that fell behind): it is not news any more.
BRIEF_MAX_AGE = timedelta(seconds=60)

#: Computes an incident's brief for one viewer (None: the viewer does not see it).
Briefer = Callable[[Event, Viewer], "dict | None"]


@dataclass(frozen=True, slots=True)
class _Brief:
    number: int  # the hub's own count of briefs
    seq: int  # the incident event's journal seq
    agency: str
    message: bytes


class Hub:
    """The worker's one reader of the journal, shared by all its stream clients."""

    def __init__(self, store: Store, poll_s: float = POLL_S, keep: int = KEEP_EVENTS,
                 briefer: Briefer | None = None):
        self._store = store
        self._briefer = briefer
        self._incidents: queue.SimpleQueue[list[Event]] = queue.SimpleQueue()
        self._briefs: list[_Brief] = []
        self._brief_count = 0
        self._poll_s = poll_s
        self._keep = keep
        self._cond = threading.Condition()
        self._events: list[Event] = []
        self._seqs: list[int] = []
        self._base = 0  # every event with seq > _base and <= _last is in _events
        self._last = 0
        self._pid: int | None = None
        self._clients = 0
        self._kinds: dict[tuple[str, str], tuple[int, Viewer]] = {}  # -> (clients, one of them)
        # An event presented for one kind of viewer is the same bytes for every client
        # of that kind: present it once, not once per open map (see `rendered`).
        self._messages: OrderedDict[tuple[int, str, str], bytes | None] = OrderedDict()
        self._batches: OrderedDict[tuple[int, int, str, str], bytes] = OrderedDict()
        self._rendering: dict[tuple[int, int, str, str], Future[bytes]] = {}
        self._rendered_lock = threading.Lock()

    def _ensure_running(self) -> None:
        """Start the poller in this process (a forked gunicorn worker needs its own)."""
        with self._cond:
            if self._pid == os.getpid():
                return
            self._pid = os.getpid()
            self._last = self._base = self._store.last_seq()
            self._events, self._seqs = [], []
            threading.Thread(target=self._run, name="georisk-stream-poller", daemon=True).start()
            if self._briefer is not None:
                threading.Thread(target=self._brief_loop, name="georisk-stream-briefs",
                                 daemon=True).start()

    def _run(self) -> None:
        while True:
            try:
                found = self._store.events_after(self._last, BATCH)
            except StoreClosed:  # the service is shutting down
                return
            except Exception:  # a locked or briefly unavailable database: try again
                log.exception("reading the journal for the stream failed")
                time.sleep(1.0)
                continue
            if found:
                self._render_ahead(found)
                with self._cond:
                    self._events.extend(found)
                    self._seqs.extend(e.seq for e in found)
                    self._last = found[-1].seq
                    overflow = len(self._events) - self._keep
                    if overflow > 0:
                        self._base = self._seqs[overflow - 1]
                        del self._events[:overflow], self._seqs[:overflow]
                    self._cond.notify_all()
                reported = [e for e in found if e.kind == "incident.reported"]
                if reported and self._briefer is not None:
                    self._incidents.put(reported)
                if len(found) == BATCH:
                    continue
            try:  # (SQLite: a pause; PostGIS: until another instance commits)
                self._store.wait_for_events(self._last, self._poll_s)
            except StoreClosed:
                return

    def _render_ahead(self, found: list[Event]) -> None:
        """Present new events for each kind of viewer connected, before waking them: the
        maps that follow the live edge ask for exactly this batch, and find it ready
        instead of all starting on it at once."""
        with self._cond:
            viewers = [viewer for _, viewer in self._kinds.values()]
        for viewer in viewers:
            try:
                self.rendered(found, viewer, self._store.get)
            except Exception:  # the clients will try again themselves and answer for it
                log.exception("presenting events %d-%d ahead failed", found[0].seq, found[-1].seq)

    # -- briefs ------------------------------------------------------------------------

    def _brief_loop(self) -> None:
        """Briefs of new incidents, one per agency connected that sees each."""
        if self._briefer is not None:
            try:
                self._briefer(None, None)  # type: ignore[arg-type]  # warm up: network, areas
            except Exception:
                log.exception("warming up the brief failed")
        while True:
            reported = self._incidents.get()
            with self._cond:
                viewers = {str(v.agency): v for _, v in self._kinds.values()}
            now = utc_now()
            for event in reported:
                if now - event.time > BRIEF_MAX_AGE:  # a backlog or an import: no news
                    continue
                for agency, viewer in sorted(viewers.items()):
                    self._brief_one(event, agency, viewer)

    def _brief_one(self, event: Event, agency: str, viewer: Viewer) -> None:
        try:
            shown = self._briefer(event, viewer)  # type: ignore[misc]
        except Exception:  # one incident's brief must not stop the others'
            log.exception("the brief of incident %s failed", event.entity_id)
            return
        if shown is None:
            return
        message = b"event: brief\ndata: %s\n\n" % orjson.dumps(shown)
        with self._cond:
            self._brief_count += 1
            self._briefs.append(_Brief(self._brief_count, event.seq, agency, message))
            del self._briefs[:-BRIEFS_KEEP]
            self._cond.notify_all()

    def brief_mark(self) -> int:
        """Where a new client starts among the briefs: after those made so far."""
        with self._cond:
            return self._brief_count

    def briefs(self, mark: int, agency: str, cursor: int) -> tuple[bytes, int]:
        """Briefs for ``agency`` after ``mark`` whose incident the client has been sent
        (its journal cursor is past it), in order, and the new mark."""
        with self._cond:
            out = []
            for brief in self._briefs:
                if brief.number <= mark:
                    continue
                if brief.seq > cursor:
                    break
                mark = brief.number
                if brief.agency == agency:
                    out.append(brief.message)
            return b"".join(out), mark

    def after(self, seq: int, timeout: float, mark: int | None = None) -> tuple[list[Event], int]:
        """Events after ``seq`` (waiting up to ``timeout`` for some, or for a brief after
        ``mark``) and the new cursor."""
        self._ensure_running()
        with self._cond:
            if self._last <= seq and (mark is None or self._brief_count <= mark):
                self._cond.wait(timeout)
            if seq >= self._base:
                start = bisect.bisect_right(self._seqs, seq)
                found = self._events[start : start + BATCH]
                return found, (found[-1].seq if found else max(seq, self._last))
        found = self._store.events_after(seq, BATCH)  # behind memory: from the journal
        return found, (found[-1].seq if found else seq)

    def rendered(self, events: list[Event], viewer: Viewer, lookup: Lookup) -> bytes:
        """The SSE messages of ``events`` for ``viewer`` (hidden ones left out).

        Each event is presented once per kind of viewer (agency and role: all the policy
        looks at), and a whole batch once per kind: the maps that follow the stream ask
        for the same batches, and then each takes it with one look-up. Reads take no lock
        (a dict look-up is atomic); only storing does, so 50 maps do not queue on it.
        """
        kind = (str(viewer.agency), str(viewer.role))
        key = (events[0].seq, events[-1].seq, *kind)
        chunk = self._batches.get(key)
        if chunk is not None:
            return chunk
        with self._rendered_lock:  # one client renders a batch, the others wait for it
            chunk = self._batches.get(key)
            if chunk is not None:
                return chunk
            underway = self._rendering.get(key)
            if underway is None:
                mine = self._rendering[key] = Future()
        if underway is not None:
            return underway.result()
        try:
            chunk = b"".join(
                message for event in events
                if (message := self._message(event, viewer, kind, lookup)) is not None
            )
        except BaseException as exc:
            mine.set_exception(exc)
            raise
        finally:
            with self._rendered_lock:
                del self._rendering[key]
        self._remember(self._batches, key, chunk, BATCHES_KEEP)
        mine.set_result(chunk)
        return chunk

    def _message(
        self, event: Event, viewer: Viewer, kind: tuple[str, str], lookup: Lookup
    ) -> bytes | None:
        key = (event.seq, *kind)
        known = self._messages.get(key, _UNSEEN)  # one atomic look-up, no lock
        if known is not _UNSEEN:
            return known
        shown = present_event(viewer, event, lookup=lookup)
        message = None
        if shown is not None:
            message = b"id: %d\nevent: change\ndata: %s\n\n" % (shown["seq"], orjson.dumps(shown))
        self._remember(self._messages, key, message, RENDERED_KEEP)
        return message

    def _remember(self, memory: OrderedDict, key: tuple, value: bytes | None, limit: int) -> None:
        with self._rendered_lock:
            memory[key] = value
            # oldest first; a plain dict finds its first item by walking past every one
            # deleted before it
            while len(memory) > limit:
                memory.popitem(last=False)

    def admit(self, viewer: Viewer, limit: int) -> bool:
        with self._cond:
            if self._clients >= limit:
                return False
            self._clients += 1
            kind = (str(viewer.agency), str(viewer.role))
            count, _ = self._kinds.get(kind, (0, viewer))
            self._kinds[kind] = (count + 1, viewer)
            return True

    def leave(self, viewer: Viewer) -> None:
        with self._cond:
            self._clients -= 1
            kind = (str(viewer.agency), str(viewer.role))
            count, shown_to = self._kinds[kind]
            if count == 1:
                del self._kinds[kind]
            else:
                self._kinds[kind] = (count - 1, shown_to)

    @property
    def clients(self) -> int:
        return self._clients


def max_clients(config: dict) -> int:
    """``STREAM_MAX_CLIENTS`` if set, else the worker's threads less a reserve for the API."""
    if config.get("STREAM_MAX_CLIENTS"):
        return int(config["STREAM_MAX_CLIENTS"])
    threads = int(config.get("THREADS") or 0)
    if threads:
        return max(1, threads - max(4, threads // 4))
    return DEFAULT_MAX_CLIENTS


def hub() -> Hub:
    return current_app.extensions["georisk.hub"]


def install(app) -> None:
    from app.resources import briefer

    briefs = str(app.config.get("STREAM_BRIEFS", "1")).lower() not in ("0", "false", "no", "")
    app.extensions["georisk.hub"] = Hub(app.extensions["georisk.store"],
                                        float(app.config.get("STREAM_POLL_S", POLL_S)),
                                        briefer=briefer(app) if briefs else None)
    app.register_blueprint(blueprint)


class Cursor(QueryModel):
    after: SeqNumber | None = Field(
        None, description="Your view's sequence number to continue after (default: the "
        "live edge).")


def _start(viewer: Viewer) -> tuple[int, int]:
    """Where the client stands: (journal seq, its position in the viewer's view).
    ``Last-Event-ID`` (a reconnect) wins over ``?after=`` (the first connection); both are
    positions in the viewer's view, of the same kind. Without either, the live edge."""
    store: Store = current_app.extensions["georisk.store"]
    view = view_of(viewer)
    after = params.read(Cursor).after
    resumed = params.header(SeqNumber, "Last-Event-ID")
    position = resumed if resumed is not None else after
    if position is not None:
        seq = store.seq_of_position(view, position)
        return seq, store.view_position(view, seq)
    seq = store.last_seq()
    return seq, store.view_position(view, seq)


@blueprint.get("/api/stream")
def stream() -> Response:
    """Journal events after the client's cursor, for as long as it stays connected."""
    viewer = current_viewer()
    assert viewer is not None  # app.auth refuses anonymous requests
    after = _start(viewer)
    shared = hub()
    limit = max_clients(current_app.config)
    if not shared.admit(viewer, limit):
        raise Problem(503, f"this instance already serves {limit} streams; try another",
                      headers={"Retry-After": "5"})
    heartbeat = float(current_app.config.get("STREAM_HEARTBEAT_S", HEARTBEAT_S))
    store = current_app.extensions["georisk.store"]
    body = _events(shared, viewer, after, heartbeat, store.get)
    response = Response(body, mimetype="text/event-stream")
    response.headers["Cache-Control"] = "no-cache"
    response.headers["X-Accel-Buffering"] = "no"  # a proxy must not hold events back
    return response


def _events(
    shared: Hub, viewer: Viewer, start: tuple[int, int], heartbeat: float, lookup: Lookup
) -> Iterator[bytes]:
    cursor, position = start  # the journal's seq, and the viewer's number for it
    view = view_of(viewer)
    mark, agency = shared.brief_mark(), str(viewer.agency)
    try:
        yield f"retry: 1000\nid: {position}\n: georisk stream\n\n".encode()
        quiet_since = time.monotonic()
        while True:
            found, cursor = shared.after(cursor, heartbeat, mark)
            chunk = shared.rendered(found, viewer, lookup) if found else b""
            if found:
                position = found[-1].position_in(view)
            briefs, mark = shared.briefs(mark, agency, cursor)
            chunk += briefs
            if chunk:
                quiet_since = time.monotonic()
                yield chunk
            elif time.monotonic() - quiet_since >= heartbeat:
                quiet_since = time.monotonic()
                yield f"id: {position}\n: heartbeat\n\n".encode()
    finally:
        shared.leave(viewer)
