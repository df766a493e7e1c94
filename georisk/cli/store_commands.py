"""Commands on the journal store: init-db, events, state."""

from __future__ import annotations

import json
import sys
import time

import click

from georisk import settings
from georisk.journal import ENTITY_KINDS, Event
from georisk.store import Store, open_store
from georisk.timeutil import format_local, format_utc, parse_instant, utc_now

db_option = click.option(
    "--db",
    "db",
    envvar="GEORISK_DB",
    default=settings.DEFAULT_DB,
    show_default=True,
    help="The store: a SQLite database file, or a postgresql://user@host/db URL for the"
    " PostGIS store (environment: GEORISK_DB).",
)


# SQLite's largest integer: a larger --after could not even be compared with a seq.
MAX_SEQ = 2**63 - 1


def open_existing(db: str) -> Store:
    return open_store(db, create=False)


def shown_location(db: str) -> str:
    """The location for messages (a URL without its password)."""
    from georisk.store import is_url

    if is_url(db):
        from georisk.store.postgis import redacted

        return redacted(db)
    return db


def instant_option(ctx: click.Context, param: click.Parameter, value: str | None):
    """Click callback: an option's ISO 8601 time with a timezone, or a usage error."""
    if value is None:
        return None
    try:
        return parse_instant(value)
    except ValueError as exc:
        raise click.BadParameter(str(exc), ctx, param) from None


@click.command("init-db")
@db_option
def init_db(db: str) -> None:
    """Create the database, or bring its schema up to date."""
    store = open_store(db, create=True)
    click.echo(f"{shown_location(db)}: schema version {store.schema_version},"
               f" {store.last_seq()} events")
    store.close()


@click.command("events")
@db_option
@click.option("--after", type=click.IntRange(min=0, max=MAX_SEQ), default=0, show_default=True,
              help="List events with a sequence number above this.")
@click.option("--limit", type=click.IntRange(min=1, max=MAX_SEQ), default=None,
              help="List at most this many events.")
@click.option("--follow", "-f", is_flag=True,
              help="Keep waiting for new events, like tail -f (Ctrl-C stops).")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per line.")
@click.option("--interval", type=click.FloatRange(min=0.05), default=0.5, show_default=True,
              help="Seconds between looks for new events with --follow.")
def events(db: str, after: int, limit: int | None, follow: bool, as_json: bool, interval: float):
    """List the journal, oldest first, or follow it as events arrive."""
    store = open_existing(db)
    shown = 0
    try:
        while True:
            batch = store.events_after(after, min(1000, limit - shown) if limit else 1000)
            for event in batch:
                click.echo(json.dumps(event.to_dict(), ensure_ascii=False) if as_json
                           else _event_line(event))
            shown += len(batch)
            after = batch[-1].seq if batch else after
            if limit is not None and shown >= limit:
                break
            if not batch:
                if not follow:
                    break
                time.sleep(interval)
    except KeyboardInterrupt:
        pass
    finally:
        store.close()


def _event_line(event: Event) -> str:
    return (
        f"{event.seq:>8}  {format_local(event.time)}  {event.kind:<18} {event.entity_id:<24} "
        f"{event.actor} ({event.agency})  [{event.classification}]"
    )


@click.command("state")
@db_option
@click.option("--at", "moment", callback=instant_option, default=None,
              help="An ISO 8601 time with a timezone, e.g. 2026-02-01T08:00:00+01:00. "
                   "Default: now.")
@click.option("--kind", "kinds", type=click.Choice(ENTITY_KINDS), multiple=True,
              help="Only these kinds (repeatable). Default: all.")
def state(db: str, moment, kinds: tuple[str, ...]) -> None:
    """Print the picture at a past time as a GeoJSON FeatureCollection.

    Each feature's properties carry its "kind" (incident, unit, blockage). The picture
    is what the journal knew at that time: later corrections do not change it.
    """
    store = open_existing(db)
    moment = moment or utc_now()
    picture = store.state_at(moment, kinds or None)
    store.close()
    out = sys.stdout
    out.write('{"type":"FeatureCollection",')
    out.write(f'"picture":{{"at":"{format_utc(moment)}","seq":{picture.seq}}},"features":[')
    first = True
    for kind, records in picture.records.items():
        for record in records:
            feature = record.to_feature()
            feature["properties"] = {"kind": kind, **feature["properties"]}
            out.write(("" if first else ",\n") + json.dumps(feature, ensure_ascii=False))
            first = False
    out.write("]}\n")
    counts = ", ".join(f"{len(records)} {kind}s" for kind, records in picture.records.items())
    click.echo(f"picture at {format_local(moment)} (after event {picture.seq}): {counts}",
               err=True)


@click.command("migrate-store")
@click.option("--from", "source", required=True,
              help="The store to copy: a SQLite file or a postgresql:// URL.")
@click.option("--to", "target", required=True,
              help="The empty store to copy into (created or migrated first).")
@click.option("--samples", type=click.IntRange(min=1), default=12, show_default=True,
              help="Times at which the pictures of both stores are compared.")
def migrate_store(source: str, target: str, samples: int) -> None:
    """Move a centre to another store: copy the journal exactly (the same sequence
    numbers, times and actors), rebuild the projections, bring users, tokens, the
    service's keys and the feed ledger along, then compare both stores.

    Stop the service first: events written during the copy would be left behind.
    """
    from georisk.store.moving import check, copy_store, refuse_same

    old = open_existing(source)
    new = open_store(target, create=True)
    try:
        refuse_same(old, new)
        total = old.last_seq()

        def progress(seq: int) -> None:
            click.echo(f"\rgeorisk: copying {seq:,}/{total:,} events", err=True,
                       nl=seq >= total)

        copied = copy_store(old, new, progress)
        click.echo("copied " + ", ".join(f"{n:,} {what}" for what, n in copied.items()))
        comparison = check(old, new, samples)
    finally:
        old.close()
        new.close()
    if not comparison.same:
        raise click.ClickException("the stores differ: " + "; ".join(comparison.differences))
    click.echo(f"checked: {comparison.events:,} events in every view, the ids of every kind "
               f"and the picture at {len(comparison.moments)} times are the same in "
               f"{shown_location(target)}")


COMMANDS: list[click.Command] = [init_db, events, state, migrate_store]
