"""``georisk area``: where a position lies and who answers for it."""

from __future__ import annotations

import json
import math

import click

from georisk.area.attribution import (
    DEFAULT_COAST_TOLERANCE_M,
    DEFAULT_OUTSIDE_LIMIT_M,
    Attribution,
    Method,
    attribute_point,
)
from georisk.errors import FieldError, ValidationError
from georisk.texts import DEFAULT_LANG, LANGS, Lang, text

#: Sweden's rough extent: used only to recognise latitude and longitude given swapped.
SWEDEN_LON = (10.0, 25.0)
SWEDEN_LAT = (55.0, 69.5)


def validate_position(lon: float, lat: float) -> None:
    """Reject what cannot be a position, naming the argument and the reason."""
    errors = []
    for field, value, limit in (("LON", lon, 180.0), ("LAT", lat, 90.0)):
        if not math.isfinite(value):
            errors.append(FieldError(field, f"{value} is not a finite number"))
        elif abs(value) > limit:
            errors.append(FieldError(field, f"{value} is outside -{limit:g}..{limit:g}"))
    if errors:
        raise ValidationError(errors)
    in_sweden = SWEDEN_LON[0] <= lon <= SWEDEN_LON[1] and SWEDEN_LAT[0] <= lat <= SWEDEN_LAT[1]
    swapped = SWEDEN_LAT[0] <= lon <= SWEDEN_LAT[1] and SWEDEN_LON[0] <= lat <= SWEDEN_LON[1]
    if swapped and not in_sweden:
        raise ValidationError.one(
            "LON LAT",
            f"{lon} {lat} looks swapped: give longitude first (Sweden is at longitude "
            f"{SWEDEN_LON[0]:g}-{SWEDEN_LON[1]:g}, latitude {SWEDEN_LAT[0]:g}-{SWEDEN_LAT[1]:g}),"
            f" e.g. {lat} {lon}",
        )


def format_distance(metres: float) -> str:
    """Metres under 1 km, kilometres with one decimal above: how operators say it."""
    if metres < 1000:
        return f"{metres:.0f} m"
    return f"{metres / 1000:.1f} km"


def _membership_text(a: Attribution, lang: Lang) -> str:
    if a.rescue_region_status is None:
        return text("area.not_applicable", lang)
    return text(f"area.status.{a.rescue_region_status.value}", lang)


def render(a: Attribution, lang: Lang, outside_limit_m: float) -> str:
    """The human answer, one fact per line, labels from the catalogue."""
    na = text("area.not_applicable", lang)
    lines = [(text("area.position", lang), f"{a.lon:.5f} E {a.lat:.5f} N (WGS84)")]
    if a.method is Method.OUTSIDE:
        how = text("area.method.outside", lang)
        if a.municipality_code is not None and a.distance_m is not None:
            how += "; " + text(
                "area.outside.nearest",
                lang,
                name=a.municipality_name,
                code=a.municipality_code,
                distance=format_distance(a.distance_m),
            )
        else:
            how += "; " + text("area.outside.none", lang, distance=format_distance(outside_limit_m))
        lines.append((text("area.method", lang), how))
        if a.context_municipality_code is not None:
            lines.append(
                (
                    text("area.context", lang),
                    f"{a.context_municipality_name} ({a.context_municipality_code}), "
                    f"{a.context_county_name} ({a.context_county_code})",
                )
            )
    else:
        lines.append((text("area.county", lang), f"{a.county_name} ({a.county_code})"))
        lines.append(
            (text("area.municipality", lang), f"{a.municipality_name} ({a.municipality_code})")
        )
        how = (
            text("area.method.inside", lang)
            if a.method is Method.INSIDE
            else text("area.method.nearest", lang, distance=format_distance(a.distance_m or 0.0))
        )
        lines.append((text("area.method", lang), how))
    service = a.rescue_service
    if service is None and a.in_area:
        service = text("area.rescue.unrecorded", lang, name=a.municipality_name)
    lines += [
        (text("area.police", lang), a.police_region or na),
        (text("area.rescue_service", lang), service or na),
        (text("area.rescue_region", lang), _membership_text(a, lang)),
        (text("area.sos", lang), a.sos or na),
    ]
    width = max(len(label) for label, _ in lines) + 2
    return "\n".join(f"{label + ':':<{width}}{v}" for label, v in lines)


@click.group()
def area() -> None:
    """The operating area: counties, municipalities and who is responsible where."""


@area.command(context_settings={"ignore_unknown_options": True})
@click.argument("lon", type=float)
@click.argument("lat", type=float)
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@click.option("--lang", type=click.Choice(LANGS), default=DEFAULT_LANG, show_default=True)
@click.option(
    "--coast-tolerance",
    type=click.FloatRange(min=0),
    default=DEFAULT_COAST_TOLERANCE_M,
    show_default=True,
    help="Metres outside Sweden's outline still counted as the nearest municipality.",
)
@click.option(
    "--outside-limit",
    type=click.FloatRange(min=0),
    default=DEFAULT_OUTSIDE_LIMIT_M,
    show_default=True,
    help="Metres within which an outside point still names the nearest area municipality.",
)
def locate(
    lon: float,
    lat: float,
    as_json: bool,
    lang: Lang,
    coast_tolerance: float,
    outside_limit: float,
) -> None:
    """Where LON LAT (WGS84, longitude first) lies, and who is responsible there."""
    validate_position(lon, lat)
    a = attribute_point(lon, lat, coast_tolerance_m=coast_tolerance, outside_limit_m=outside_limit)
    if as_json:
        out = a.to_dict()
        out["in_area"] = a.in_area
        out["rescue_region_label"] = _membership_text(a, lang)
        click.echo(json.dumps(out, ensure_ascii=False, indent=2))
    else:
        click.echo(render(a, lang, outside_limit))


COMMANDS: list[click.Command] = [area]
