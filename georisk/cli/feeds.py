"""Feed commands: import files, poll a live source, listen for Cursor-on-Target."""

from __future__ import annotations

import logging
import signal
import threading
from pathlib import Path

import click

from georisk.access import Role, Viewer
from georisk.area.operating import MAX_MARGIN_KM, SCOPES, configured
from georisk.cli.paths import OutputFile
from georisk.cli.store_commands import db_option, open_existing
from georisk.errors import GeoriskError, ValidationError
from georisk.feeds import ADAPTERS, Links, adapter
from georisk.feeds.base import Rejected, read_payload
from georisk.feeds.importer import Importer, Summary
from georisk.model import Agency
from georisk.users import Users


def area_options(command):  # type: ignore[no-untyped-def]
    """--area and --margin-km: where a feed's items are kept (one rule for every source)."""
    command = click.option(
        "--margin-km", type=click.FloatRange(0, MAX_MARGIN_KM), default=None,
        help="Keep items this close to the area too [default: GEORISK_FEED_MARGIN_KM or 10].",
    )(command)
    return click.option(
        "--area", "area_scope", type=click.Choice(SCOPES), default=None,
        help="Keep items in the operating counties, or in all of Sweden for context "
             "[default: GEORISK_FEED_AREA or operating]; the rest is ignored, not written.",
    )(command)


@click.command("import")
@db_option
@click.argument("source", type=click.Choice(sorted(ADAPTERS)))
@click.argument("files", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False))
@area_options
@click.option("--max-age-hours", type=click.FloatRange(min=0), default=None,
              help="Polisen: close events reported longer ago than this "
                   "[default: GEORISK_POLISEN_MAX_AGE_H or 24].")
@click.option("--fetch-links", is_flag=True,
              help="CAP feeds: follow entries' web links too (files beside the feed are "
                   "always read).")
def import_(db: str, source: str, files: tuple[str, ...], area_scope: str | None,
            margin_km: float | None, max_age_hours: float | None,
            fetch_links: bool) -> None:
    """Import SOURCE payload FILES; re-imports update the records they made before.

    Items wholly outside the area (see --area) are counted as ignored and not written.
    Exits non-zero when any item was rejected, after listing each with its reason.
    """
    area = configured(area_scope, margin_km)
    store = open_existing(db)
    feed = adapter(source, max_age_hours=max_age_hours)
    importer = Importer(store, feed.actor, repeats=feed.repeats, area=area)
    total = Summary()
    try:
        for number, path in enumerate(files, 1):
            links = Links(Path(path).parent, web=fetch_links, progress=_fetched)
            feed = adapter(source, links=links, max_age_hours=max_age_hours)
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
    if total.outside:
        click.echo(f"  ignored {total.outside}: outside the operating area ({area.describe()}; "
                   "--area sweden or --margin-km keeps more)", err=True)
    if total.rejected:
        raise SystemExit(1)


@click.command("poll")
@db_option
@click.argument("source", type=click.Choice(sorted(ADAPTERS)))
@click.option("--url", required=True, help="The source's URL; nothing else is fetched.")
@click.option("--every", type=click.FloatRange(min=0.1), default=60.0, show_default=True,
              help="Seconds between polls while the source answers well.")
@click.option("--max-backoff", type=click.FloatRange(min=0.1), default=900.0,
              show_default=True,
              help="Longest wait between tries while the source fails.")
@click.option("--count", type=click.IntRange(min=1), default=None,
              help="Stop after this many polls (default: run until interrupted).")
@click.option("--timeout", type=click.FloatRange(min=0.1), default=30.0, show_default=True)
@area_options
@click.option("--max-age-hours", type=click.FloatRange(min=0), default=None,
              help="Polisen: close events reported longer ago than this "
                   "[default: GEORISK_POLISEN_MAX_AGE_H or 24].")
def poll(db: str, source: str, url: str, every: float, max_backoff: float, count: int | None,
         timeout: float, area_scope: str | None, margin_km: float | None,
         max_age_hours: float | None) -> None:
    """Fetch URL every SECONDS and import it as SOURCE, backing off while it fails."""
    from georisk.feeds.poller import Poller

    area = configured(area_scope, margin_km)
    _logging()
    store = open_existing(db)
    feed = adapter(source, links=Links(url, timeout=timeout),  # a CAP feed's alerts, by link
                   max_age_hours=max_age_hours)
    poller = Poller(store, feed, url, every=every, max_backoff=max_backoff, timeout=timeout,
                    area=area)
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
              help="UDP port for CoT events (one per datagram).")
@click.option("--tcp", "tcp_port", type=click.IntRange(0, 65535), default=None,
              help="TCP port for a stream of CoT events.")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--flush", type=click.FloatRange(min=0.01, max=5), default=0.075,
              show_default=True,
              help="Seconds of reports gathered into one transaction.")
@area_options
def cot_listen(db: str, udp_port: int | None, tcp_port: int | None, host: str,
               flush: float, area_scope: str | None, margin_km: float | None) -> None:
    """Listen for CoT events and move the units they report (Ctrl-C stops).

    Reports from outside the area (see --area) are counted and not written: the unit
    stays where it was last seen inside it.
    """
    from georisk.feeds.listener import CotListener

    if udp_port is None and tcp_port is None:
        raise GeoriskError("give --udp PORT, --tcp PORT or both")
    area = configured(area_scope, margin_km)
    _logging()
    store = open_existing(db)
    listener = CotListener(store, host=host, udp_port=udp_port, tcp_port=tcp_port, flush=flush,
                           area=area)
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


@click.group("cap")
def cap() -> None:
    """OASIS CAP alerts (import them with `georisk import cap FILE`: an alert, CAP 1.2 or
    1.1, an EDXL-DE envelope, or an Atom/RSS feed of alerts)."""


@cap.command("export")
@db_option
@click.argument("incident_id")
@click.option("-o", "--output", type=OutputFile(allow_dash=True), default="-",
              show_default=True, help="The file to write (- for standard output).")
@click.option("--agency", type=click.Choice([a.value for a in Agency]),
              help="The agency the alert is exported for (with --role).")
@click.option("--role", type=click.Choice([r.value for r in Role]))
@click.option("--user", default=None, help="Export as this user sees it (instead of --agency).")
@click.option("--brief/--no-brief", "with_brief", default=True, show_default=True,
              help="An open incident's risk brief as georisk:brief.* parameters.")
def cap_export(db: str, incident_id: str, output: str, agency: str | None, role: str | None,
               user: str | None, with_brief: bool) -> None:
    """Write incident INCIDENT_ID as a CAP 1.2 alert, as the given viewer may see it.

    The access policy applies as in the API: another agency's restricted incident is
    exported generalised, and one the viewer may not see is "not found". An open one
    carries its risk brief as that viewer is shown it, as the API's alert does.
    """
    from georisk.access import present
    from georisk.feeds.cap_export import incident_alert
    from georisk.model import IncidentStatus

    viewer = _viewer(db, agency, role, user)
    store = open_existing(db)
    try:
        record = store.get("incident", incident_id)
        shown = None
        if record is not None:
            shown = present(viewer, record, lookup=store.get)
        found = None
        if with_brief and shown is not None and shown.record.status == IncidentStatus.OPEN:  # type: ignore[attr-defined]
            from georisk.resources.brief import brief
            from georisk.resources.service import Resources

            found = brief(Resources(store), viewer, shown)
    finally:
        store.close()
    if shown is None:
        raise GeoriskError(f"no incident with id {incident_id!r} for {viewer.name}")
    body = incident_alert(shown.record, generalised=shown.generalised, brief=found)  # type: ignore[arg-type]
    with click.open_file(output, "wb") as out:
        out.write(body)
    if output != "-":
        click.echo(f"wrote {output} ({len(body)} bytes"
                   + (", generalised)" if shown.generalised else ")"), err=True)


def _viewer(db: str, agency: str | None, role: str | None, user: str | None) -> Viewer:
    """Exports always have a viewer: the policy has no "everything" mode."""
    if user is not None:
        if agency or role:
            raise click.UsageError("give --user, or --agency and --role, not both")
        found = Users(db).get(user)
        if found is None or found.disabled:
            raise click.UsageError(f"no active user named {user!r}")
        return found.viewer()
    if agency is None or role is None:
        raise click.UsageError("give --agency and --role, or --user")
    return Viewer(f"cli:{agency}:{role}", Agency(agency), Role(role))


@click.group("smhi")
def smhi() -> None:
    """SMHI's fire-risk point forecast (import it with `georisk import smhi FILE`)."""


@smhi.command("compare")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
def smhi_compare(file: str) -> None:
    """Compare georisk's FWI equations with SMHI's values, day by day and index by index,
    from SMHI's codes of the day before and its weather of the day."""
    from georisk.feeds.smhi import compare, read_forecast, report

    forecast, rejected = read_forecast(read_payload(file))
    for item in rejected:
        click.echo(f"  rejected {item}", err=True)
    click.echo(report(compare(forecast)))


def _fetched(done: int, total: int) -> None:
    """Progress through a feed's linked alerts: every tenth, and the last."""
    if done == total or done % 10 == 0:
        click.echo(f"  fetched {done}/{total} linked alerts", err=True)


def _logging() -> None:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")


COMMANDS = [import_, poll, cot, cap, smhi]
