"""Commands on resources: route, suggest, coverage.

They read the database file (its active blockages, units and incidents) and show the
whole picture, as every command does for whoever holds the file; ``--agency`` answers
as that agency's viewers are shown it instead. Every time printed comes with the note
on how far the road network's times may be trusted.
"""

from __future__ import annotations

import json

import click
import shapely

from georisk import queryparams
from georisk.access import Role, Viewer
from georisk.cli.store_commands import db_option, open_existing
from georisk.errors import NotFound, ValidationError
from georisk.model import Agency, UnitKind, UnitStatus
from georisk.resources.defaults import DEFAULT_K, MAX_K
from georisk.resources.params import Coverage
from georisk.resources.profiles import ACCESS_KMH
from georisk.validation import check_position

_KINDS = click.Choice([kind.value for kind in UnitKind])
_agency_option = click.option(
    "--agency", type=click.Choice([a.value for a in Agency]),
    help="Answer as this agency's viewers are shown the picture (default: all of it).",
)


def _viewer(agency: str | None) -> Viewer | None:
    return None if agency is None else Viewer(f"{agency}-viewer", Agency(agency), Role.VIEWER)


def _point(lon: float, lat: float, names: str) -> shapely.Point:
    """A lon/lat pair checked as the API checks one; a swapped pair gets the hint."""
    try:
        check_position(lon, lat, names)
    except ValidationError as exc:
        reason = exc.errors[0].reason.replace("GeoJSON order is", "give")
        raise click.ClickException(f"{names}: {reason}") from None
    return shapely.Point(lon, lat)


def _minutes(seconds: float | None) -> str:
    return "unreachable (no open road)" if seconds is None else f"{seconds / 60:.0f} min"


def _note(resources) -> None:
    note = resources.network_note("en")
    click.echo(f"note: {note['note']}", err=True)


@click.command("route")
@db_option
@click.argument("from_lon", type=float)
@click.argument("from_lat", type=float)
@click.argument("to_lon", type=float)
@click.argument("to_lat", type=float)
@click.option("--kind", type=_KINDS, default=UnitKind.ENGINE.value, show_default=True,
              help="Travel as this kind of unit (speeds: docs/resources.md).")
@_agency_option
@click.option("--geojson", is_flag=True, help="Print the route as a GeoJSON Feature.")
def route_command(db: str, from_lon: float, from_lat: float, to_lon: float, to_lat: float,
                  kind: str, agency: str | None, geojson: bool) -> None:
    """Travel time and route between two points (longitude first), around the active
    blockages in the database."""
    from georisk.resources import answers
    from georisk.resources.service import Resources
    from georisk.resources.suggest import travel

    origin = _point(from_lon, from_lat, "FROM_LON FROM_LAT")
    destination = _point(to_lon, to_lat, "TO_LON TO_LAT")
    store = open_existing(db)
    try:
        resources = Resources(store)
        trip = travel(resources, _viewer(agency), origin, destination, kind)
    finally:
        store.close()
    eta = answers.seconds(trip.eta_s)
    roads = {item.record.id: item.record.road for item in trip.blockages}  # type: ignore[attr-defined]
    if geojson:
        click.echo(json.dumps({
            "type": "Feature", "geometry": None if trip.route is None
            else json.loads(shapely.to_geojson(trip.route)),
            "properties": {"kind": kind, "eta_s": eta, "route_m": trip.route_m,
                           "roads": trip.refs, "blockages_avoided": trip.avoided,
                           "unblocked_eta_s": answers.seconds(trip.unblocked_eta_s),
                           "network": resources.network_note("en"), "access_kmh": ACCESS_KMH},
        }, ensure_ascii=False))
    else:
        length = "" if trip.route_m is None else f", {trip.route_m / 1000:.1f} km"
        via = f" via {', '.join(trip.refs)}" if trip.refs else ""
        click.echo(f"{kind}: {_minutes(eta)}{length}{via}")
        for id_ in trip.avoided:
            click.echo(f"  around blockage {id_} ({roads.get(id_, '')})")
        for id_ in trip.on_route:
            click.echo(f"  slowed by blockage {id_} ({roads.get(id_, '')})")
        if trip.unblocked_eta_s is not None and eta != answers.seconds(trip.unblocked_eta_s):
            click.echo(f"  without blockages: {_minutes(answers.seconds(trip.unblocked_eta_s))}")
    _note(resources)


@click.command("suggest")
@db_option
@click.argument("incident_id")
@click.option("--kind", "kinds", type=_KINDS, multiple=True, help="Unit kind (repeatable).")
@click.option("--unit-agency", "agencies", type=click.Choice([a.value for a in Agency]),
              multiple=True, help="Only units of this agency (repeatable).")
@click.option("--status", "statuses", type=click.Choice([s.value for s in UnitStatus]),
              multiple=True, help="Unit status (repeatable; default available).")
@click.option("-k", "k", type=click.IntRange(1, MAX_K), default=DEFAULT_K, show_default=True)
@_agency_option
@click.option("--geojson", is_flag=True, help="Print the answer as the API gives it.")
def suggest_command(db: str, incident_id: str, kinds: tuple[str, ...], agencies: tuple[str, ...],
                    statuses: tuple[str, ...], k: int, agency: str | None,
                    geojson: bool) -> None:
    """The units that reach an incident first, with their ETAs."""
    from georisk.resources import answers
    from georisk.resources.service import Resources
    from georisk.resources.suggest import suggest

    store = open_existing(db)
    try:
        resources = Resources(store)
        viewer = _viewer(agency)
        shown = resources.shown(viewer, store.get("incident", incident_id))
        if shown is None:
            raise NotFound(f"no incident with id {incident_id!r}")
        answer = suggest(resources, viewer, shown, kinds=kinds, agencies=agencies,
                         statuses=statuses or (UnitStatus.AVAILABLE,), k=k)
    finally:
        store.close()
    if geojson:
        click.echo(json.dumps(answers.suggestions(answer, resources.network_note("en")),
                              ensure_ascii=False))
    elif not answer.suggestions:
        click.echo("no unit matches")
    for rank, found in enumerate(answer.suggestions if not geojson else [], start=1):
        unit = found.unit.record
        avoided = f"  avoids {', '.join(found.avoided)}" if found.avoided else ""
        click.echo(f"{rank:2d}. {unit.callsign:<16} {unit.unit_kind:<10} {unit.agency:<7} "  # type: ignore[attr-defined]
                   f"{_minutes(answers.seconds(found.eta_s)):>8}  "
                   f"{found.distance_m / 1000:6.1f} km{avoided}")
    _note(resources)


@click.command("coverage")
@db_option
@click.option("--kind", type=_KINDS, default=UnitKind.ENGINE.value, show_default=True)
@click.option("--minutes", default="10,20,30", show_default=True,
              help="Isochrones in minutes, comma-separated.")
@click.option("--gap", help="A gap is beyond this many minutes (default: the largest --minutes).")
@click.option("--unit-agency", "agencies", help="Only units of these agencies, comma-separated.")
@_agency_option
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False),
              help="The GeoJSON file to write.")
def coverage_command(db: str, kind: str, minutes: str, gap: str | None, agencies: str | None,
                     agency: str | None, output: str) -> None:
    """Isochrones of the available units of a kind and the gaps beyond reach, as GeoJSON."""
    from georisk.resources import answers
    from georisk.resources.coverage import CoverageCache
    from georisk.resources.defaults import DEFAULT_GAP_MINUTES
    from georisk.resources.service import Resources

    given = {"kind": kind, "minutes": minutes, "gap": gap, "agency": agencies}
    try:
        query = queryparams.read(Coverage, given)
    except ValidationError as exc:  # named by the option the user typed
        words = [f"--{('unit-agency' if e.field == 'agency' else e.field)}: {e.reason}"
                 for e in exc.errors]
        raise click.ClickException("; ".join(words)) from None
    gap_minutes = query.gap if gap is not None else max(query.minutes or (DEFAULT_GAP_MINUTES,))
    store = open_existing(db)
    try:
        resources = Resources(store)
        found = CoverageCache(resources).get(_viewer(agency), query.kind, query.agency,
                                             query.minutes, gap_minutes)
    finally:
        store.close()
    body = answers.coverage(found, resources.network_note("en"), ACCESS_KMH)
    with open(output, "w", encoding="utf-8") as out:
        json.dump(body, out, ensure_ascii=False)
    click.echo(f"{kind}: {found.units} available; beyond {gap_minutes} min: "
               f"{found.gap_km2:,.0f} km² of {found.area_km2:,.0f}, "
               f"{found.gap_population:,} people in {len(found.gap_towns)} towns "
               f"(computed in {found.computed_s:.2f} s); wrote {output}")
    _note(resources)


COMMANDS: list[click.Command] = [route_command, suggest_command, coverage_command]
