"""`georisk demo`: put a scenario into a database so the service has something to show.

Kept apart from the click command so the rules about an existing file (reuse a
filled georisk database, never delete or write into anything else) are in one place.
"""

from __future__ import annotations

import sqlite3
import sys
import time
from pathlib import Path

import click

from georisk.cli.users import journal
from georisk.errors import GeoriskError
from georisk.scenario import ScenarioOptions, ScenarioSummary, generate
from georisk.store import is_url, open_store
from georisk.timeutil import format_local
from georisk.users import Users, generate_password

SIDE_FILES = ("-wal", "-shm")


class NotGeoriskDatabase(GeoriskError):
    """The file exists but is not a georisk database; we never touch such a file."""


def is_georisk_database(path: Path) -> bool:
    """Whether ``path`` is a SQLite file with georisk's journal tables (read-only look)."""
    try:
        con = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            names = {
                row[0] for row in con.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
            }
        finally:
            con.close()
    except sqlite3.DatabaseError:
        return False
    return {"events", "entities"} <= names


def _refuse_foreign(path: Path) -> None:
    if path.exists() and path.stat().st_size > 0 and not is_georisk_database(path):
        raise NotGeoriskDatabase(
            f"{path} exists and is not a georisk database; choose another --db"
        )


def database_size(path: Path | str) -> int:
    """Bytes on disk, including the write-ahead log."""
    if is_url(path):
        import psycopg

        with psycopg.connect(str(path)) as con:
            return con.execute("SELECT pg_database_size(current_database())").fetchone()[0]
    return sum(p.stat().st_size for p in (path, *(Path(f"{path}{s}") for s in SIDE_FILES))
               if p.exists())


def seed_demo(location: Path | str, options: ScenarioOptions, *, fresh: bool = False) -> bool:
    """Write the scenario unless the database already has events; True if written."""
    if is_url(location):
        if fresh:  # the journal is append-only, and the database is not ours to drop
            raise GeoriskError("--fresh deletes a SQLite file; for PostgreSQL, drop and "
                               "create the database (with PostGIS) instead")
        return _seed(str(location), options)
    path = Path(location)
    if path.is_dir():
        raise NotGeoriskDatabase(f"{path} is a folder, not a database file")
    _refuse_foreign(path)
    if fresh and path.exists():
        for side in (path, *(Path(f"{path}{s}") for s in SIDE_FILES)):
            side.unlink(missing_ok=True)
        click.echo(f"georisk: deleted {path} (--fresh)", err=True)
    return _seed(path, options)


def _seed(path: Path | str, options: ScenarioOptions) -> bool:
    store = open_store(path)
    shown = store.location if not is_url(path) else _redacted(str(path))
    try:
        existing = store.last_seq()
        if existing:
            click.echo(
                f"georisk: {shown} already holds {existing:,} events; reusing it as it is "
                "(--fresh writes a new scenario)"
            )
            return False
        summary = generate(store, options, progress=_Progress())
    finally:
        store.close()
    _report(path, shown, summary)
    _report_users(seed_users(path))
    return True


def _redacted(url: str) -> str:
    from georisk.store.postgis import redacted

    return redacted(url)


#: One person per agency and role the demo shows: (name, agency, role).
DEMO_USERS = (
    ("polis.operator", "police", "operator"),
    ("rtj.operator", "rescue", "operator"),
    ("sos.operator", "sos", "operator"),
    ("centrum.analytiker", "centre", "analyst"),
    ("centrum.betraktare", "centre", "viewer"),
    ("centrum.admin", "centre", "admin"),
)


def seed_users(path: Path | str) -> list[tuple[str, str, str, str]]:
    """Create the demo users that do not exist yet, with random passwords;
    (name, agency, role, password) of those created. The passwords are not kept."""
    users = Users(path)
    created = []
    for name, agency, role in DEMO_USERS:
        if users.get(name) is None:
            password = generate_password()
            users.add(name, agency, role, password)
            journal(str(path), "user_added", name, agency=agency, role=role)
            created.append((name, agency, role, password))
    return created


def _report_users(created: list[tuple[str, str, str, str]]) -> None:
    if not created:
        return
    lines = ["georisk: demo users (sign in at /signin; passwords are shown only now):"]
    lines += [f"  {name:<20} {agency:<7} {role:<9} {password}"
              for name, agency, role, password in created]
    click.echo("\n".join(lines))


class _Progress:
    """One line on stderr per planning stage, then a percentage while writing."""

    def __init__(self) -> None:
        self.shown = -1
        self.started = time.perf_counter()

    def __call__(self, stage: str, done: int, total: int) -> None:
        if stage != "writing":
            click.echo(f"georisk: {stage}…", err=True)
            return
        percent = 100 * done // total if total else 100
        if percent != self.shown:
            self.shown = percent
            elapsed = time.perf_counter() - self.started
            click.echo(f"\rgeorisk: writing {percent:3d}% ({done:,}/{total:,} events, "
                       f"{elapsed:.0f} s)", err=True, nl=done >= total)
            sys.stderr.flush()


def _report(path: Path | str, shown: str, summary: ScenarioSummary) -> None:
    size = database_size(path)
    lines = [
        f"georisk: wrote a synthetic scenario into {shown}",
        f"  period        {format_local(summary.start)} – {format_local(summary.end)}",
        f"  incidents     {summary.incidents:,} ({summary.open_incidents:,} open at the end)",
        f"  units         {summary.units:,} ({summary.dispatches:,} dispatches)",
        f"  blockages     {summary.blockages:,} ({summary.active_blockages:,} active at the end)",
        f"  risk zones    {summary.riskzones:,} (fire season days, FWI from synthetic weather)",
        f"  events        {summary.events:,}",
        f"  time          {summary.seconds:.1f} s ({summary.events / summary.seconds:,.0f} "
        "events/s)",
        f"  database      {size / 1e6:,.1f} MB",
        f"  roads         {summary.roads}",
    ]
    click.echo("\n".join(lines))
