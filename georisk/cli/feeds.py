"""Feed commands: import files, poll a live source, listen for Cursor-on-Target."""

from __future__ import annotations

import logging
import signal
import threading

import click

from georisk.cli.store_commands import db_option, open_existing
from georisk.errors import GeoriskError, ValidationError
from georisk.feeds import ADAPTERS, adapter
from georisk.feeds.base import Rejected, read_payload
from georisk.feeds.importer import Importer, Summary


@click.command("import")
@db_option
@click.argument("source", type=click.Choice(sorted(ADAPTERS)))
@click.argument("files", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False))
def import_(db: str, source: str, files: tuple[str, ...]) -> None:
    """Import SOURCE payload FILES; re-imports update the records they made before.

    Exits non-zero when any item was rejected, after listing each with its reason.
    """
    store = open_existing(db)
    feed = adapter(source)
    importer = Importer(store, feed.actor, repeats=feed.repeats)
    total = Summary()
    try:
        for number, path in enumerate(files, 1):
            try:
                summary = importer.run(feed.parse(read_payload(path)))
            except ValidationError as exc:
                summary = Summary(rejected=[Rejected("payload", tuple(exc.errors))])
            click.echo(f"[{number}/{len(files)}] {path}: {summary}", err=True)
            for rejected in summary.rejected:
                click.echo(f"  rejected {rejected}", err=True)
            total.add(summary)
    finally:
        importer.close()
        store.close()
    click.echo(f"{source}: {total}")
    if total.rejected:
        raise SystemExit(1)


@click.command("poll")
@db_option
@click.argument("source", type=click.Choice(sorted(ADAPTERS)))
@click.option("--url", required=True, help="The source's URL; nothing else is fetched.")
@click.option("--every", type=click.FloatRange(min=0.1), default=60.0, show_default=True,
              help="Seconds between polls while the source answers well.")  # fmt: skip
@click.option("--max-backoff", type=click.FloatRange(min=0.1), default=900.0,
              show_default=True,
              help="Longest wait between tries while the source fails.")  # fmt: skip
@click.option("--count", type=click.IntRange(min=1), default=None,
              help="Stop after this many polls (default: run until interrupted).")  # fmt: skip
@click.option("--timeout", type=click.FloatRange(min=0.1), default=30.0, show_default=True)
def poll(db: str, source: str, url: str, every: float, max_backoff: float, count: int | None,
         timeout: float) -> None:  # fmt: skip
    """Fetch URL every SECONDS and import it as SOURCE, backing off while it fails."""
    from georisk.feeds.poller import Poller

    _logging()
    store = open_existing(db)
    poller = Poller(store, adapter(source), url, every=every, max_backoff=max_backoff,
                    timeout=timeout)  # fmt: skip
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    try:
        poller.run(count=count, stop=stop)
    except KeyboardInterrupt:
        pass
    finally:
        poller.close()
        store.close()


@click.group("cot")
def cot() -> None:
    """Cursor-on-Target: position reports from TAK clients."""


@cot.command("listen")
@db_option
@click.option("--udp", "udp_port", type=click.IntRange(0, 65535), default=None,
              help="UDP port for CoT events (one per datagram).")  # fmt: skip
@click.option("--tcp", "tcp_port", type=click.IntRange(0, 65535), default=None,
              help="TCP port for a stream of CoT events.")  # fmt: skip
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--flush", type=click.FloatRange(min=0.01, max=5), default=0.075,
              show_default=True,
              help="Seconds of reports gathered into one transaction.")  # fmt: skip
def cot_listen(db: str, udp_port: int | None, tcp_port: int | None, host: str,
               flush: float) -> None:  # fmt: skip
    """Listen for CoT events and move the units they report (Ctrl-C stops)."""
    from georisk.feeds.listener import CotListener

    if udp_port is None and tcp_port is None:
        raise GeoriskError("give --udp PORT, --tcp PORT or both")
    _logging()
    store = open_existing(db)
    listener = CotListener(store, host=host, udp_port=udp_port, tcp_port=tcp_port, flush=flush)
    listener.start()
    click.echo(f"listening: udp {listener.udp_address}, tcp {listener.tcp_address}", err=True)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    try:
        stop.wait()
    except KeyboardInterrupt:
        pass
    finally:
        listener.stop()
        store.close()


def _logging() -> None:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")


COMMANDS = [import_, poll, cot]
