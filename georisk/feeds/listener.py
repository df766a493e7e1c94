"""The Cursor-on-Target listener: CoT events over UDP and TCP into the store, batched.

Reader threads parse events as they arrive; one writer thread gathers what came in over
``flush`` seconds (75 ms by default) and imports it in one transaction, so thousands of
reports per second cost a few fsyncs, not thousands. A TCP client that sends garbage,
more than one event's worth of bytes without an end tag, or nothing for ``idle``
seconds mid-message, is logged and disconnected; the other clients carry on.
"""

from __future__ import annotations

import logging
import queue
import socket
import threading
import time
from dataclasses import dataclass, field

from georisk.area.operating import OperatingArea, configured
from georisk.feeds.base import FeedItem, Parsed
from georisk.feeds.cot import MAX_EVENT_BYTES, CotAdapter, split_events
from georisk.feeds.importer import Importer, Summary
from georisk.store import Store

log = logging.getLogger("georisk.feeds.cot")


@dataclass
class Counters:
    received: int = 0
    summary: Summary = field(default_factory=Summary)
    batches: int = 0


class CotListener:
    def __init__(self, store: Store, *, host: str = "127.0.0.1", udp_port: int | None = None,
                 tcp_port: int | None = None, flush: float = 0.075, idle: float = 30.0,
                 adapter: CotAdapter | None = None,
                 area: OperatingArea | None = None):
        self.adapter = adapter or CotAdapter()
        self.area = area if area is not None else configured()  # a bad setting fails here
        self.store = store
        self.flush = flush
        self.idle = idle
        self.counters = Counters()
        self._queue: queue.SimpleQueue[FeedItem | None] = queue.SimpleQueue()
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        self._lock = threading.Lock()
        self._udp = self._tcp = None
        if udp_port is not None:
            self._udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            self._udp.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 8 * 1024 * 1024)
            self._udp.bind((host, udp_port))
            self._udp.settimeout(0.2)
        if tcp_port is not None:
            self._tcp = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            self._tcp.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            self._tcp.bind((host, tcp_port))
            self._tcp.listen(64)
            self._tcp.settimeout(0.2)

    @property
    def udp_address(self) -> tuple[str, int] | None:
        return None if self._udp is None else self._udp.getsockname()

    @property
    def tcp_address(self) -> tuple[str, int] | None:
        return None if self._tcp is None else self._tcp.getsockname()

    def start(self) -> None:
        targets = [self._write_loop]
        if self._udp is not None:
            targets.append(self._udp_loop)
        if self._tcp is not None:
            targets.append(self._accept_loop)
        for target in targets:
            self._spawn(target)

    def stop(self) -> None:
        self._stop.set()
        self._queue.put(None)
        for thread in list(self._threads):
            thread.join(timeout=5)
        for sock in (self._udp, self._tcp):
            if sock is not None:
                sock.close()

    def _spawn(self, target, *args) -> None:  # type: ignore[no-untyped-def]
        thread = threading.Thread(target=target, args=args, daemon=True, name=target.__name__)
        self._threads.append(thread)
        thread.start()

    # -- readers -----------------------------------------------------------------

    def _take(self, chunk: bytes, peer: object) -> None:
        parsed = Parsed()
        self.adapter.parse_one(chunk, parsed, f"event from {peer}")
        with self._lock:
            self.counters.received += 1
            self.counters.summary.ignored += len(parsed.ignored)
            self.counters.summary.rejected += parsed.rejected
        for rejected in parsed.rejected:
            log.warning("rejected %s", rejected)
        for item in parsed.items:
            self._queue.put(item)

    def _udp_loop(self) -> None:
        assert self._udp is not None
        while not self._stop.is_set():
            try:
                datagram, peer = self._udp.recvfrom(65_535)
            except TimeoutError:
                continue
            except OSError:
                return
            chunks, rest = split_events(datagram)
            for chunk in chunks + ([rest] if rest.strip() else []):
                self._take(chunk, peer)

    def _accept_loop(self) -> None:
        assert self._tcp is not None
        while not self._stop.is_set():
            try:
                client, peer = self._tcp.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            self._spawn(self._client_loop, client, peer)

    def _client_loop(self, client: socket.socket, peer: object) -> None:
        client.settimeout(self.idle)
        buffer = b""
        with client:
            while not self._stop.is_set():
                try:
                    data = client.recv(65_536)
                except TimeoutError:
                    if buffer.strip():
                        log.warning("%s: no end of event after %.0f s; disconnected", peer,
                                    self.idle)
                        self._reject(peer, "event", "message never finished")
                    return
                except OSError:
                    return
                if not data:
                    if buffer.strip():
                        self._take(buffer, peer)  # reported as unreadable with its reason
                    return
                chunks, buffer = split_events(buffer + data)
                for chunk in chunks:
                    self._take(chunk, peer)
                if len(buffer) > MAX_EVENT_BYTES:
                    log.warning("%s: %d bytes without an event end; disconnected", peer,
                                len(buffer))
                    self._reject(peer, "event", f"over {MAX_EVENT_BYTES} bytes without </event>")
                    return

    def _reject(self, peer: object, field_: str, reason: str) -> None:
        from georisk.errors import FieldError
        from georisk.feeds.base import Rejected

        with self._lock:
            self.counters.summary.rejected.append(
                Rejected(f"stream from {peer}", (FieldError(field_, reason),))
            )

    # -- writer ------------------------------------------------------------------

    def _write_loop(self) -> None:
        importer = Importer(self.store, self.adapter.actor, repeats=True, area=self.area)
        running = True
        try:
            while running:
                first = self._queue.get()
                if first is None:
                    return
                batch = [first]
                deadline = time.monotonic() + self.flush
                while (left := deadline - time.monotonic()) > 0:
                    try:
                        item = self._queue.get(timeout=left)
                    except queue.Empty:
                        break
                    if item is None:
                        running = False
                        break
                    batch.append(item)
                self._write(importer, batch)
        finally:
            importer.close()

    def _write(self, importer: Importer, batch: list[FeedItem]) -> None:
        try:
            summary = importer.run(Parsed(items=batch))
        except Exception:  # the listener must outlive one bad batch; the log says why
            log.exception("could not write a batch of %d reports", len(batch))
            return
        with self._lock:
            self.counters.summary.add(summary)
            self.counters.batches += 1
        for rejected in summary.rejected:
            log.warning("rejected %s", rejected)
