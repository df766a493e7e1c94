"""The operating area's lines in ``georisk data check``: boundaries, membership, layers."""

from __future__ import annotations

from collections import Counter

import geopandas as gpd

from georisk.area.boundaries import boundary_source, counties, municipalities
from georisk.area.layers import load_layers
from georisk.area.responsibility import MEMBERSHIP_FILE, membership_path, membership_table
from georisk.errors import GeoriskError
from georisk.settings import data_dir
from georisk.sources import SourceReport, Status


def _extent(gdf: gpd.GeoDataFrame) -> tuple[float, float, float, float]:
    minx, miny, maxx, maxy = (round(float(v), 5) for v in gdf.total_bounds)
    return minx, miny, maxx, maxy


def reports() -> list[SourceReport]:
    """Boundaries, the membership table in force, and every layer in the data dir."""
    out = _boundary_reports()
    out.append(_membership_report())
    out.extend(_layer_reports())
    return out


def _boundary_reports() -> list[SourceReport]:
    src = boundary_source()
    caveat = (
        "generalised; the large lakes (Vänern, Vättern, Mälaren, Hjälmaren, Siljan...) "
        "are left out: points there go to the nearest municipality"
    )
    out = []
    for name, gdf, total in (
        ("counties", counties(), len(counties("sweden"))),
        ("municipalities", municipalities(), len(municipalities("sweden"))),
    ):
        out.append(
            SourceReport(
                name=name,
                kind="boundaries",
                status=Status.LOADED,
                origin=src.origin,
                features=len(gdf),
                extent=_extent(gdf),
                licence=src.licence,
                attribution=src.attribution,
                messages=(f"{len(gdf)} in the operating area, {total} in Sweden", caveat),
            )
        )
    return out


def _membership_report() -> SourceReport:
    path, where = membership_path()
    name = "rescue region membership"
    try:
        table = membership_table()
    except GeoriskError as exc:
        return SourceReport(
            name, "responsibility", Status.FAILED, f"{where} {path}", messages=(str(exc),)
        )
    counts = Counter(table["status"])
    summary = ", ".join(f"{k} {v}" for k, v in sorted(counts.items()))
    notes = [summary, "only 'confirmed' is fact; other statuses are shown as unconfirmed"]
    if where == "package":
        notes.append(f"put {MEMBERSHIP_FILE} in GEORISK_DATA_DIR to override")
    return SourceReport(
        name,
        "responsibility",
        Status.LOADED,
        f"{where} {path}",
        features=len(table),
        licence="project table from public web pages",
        messages=tuple(notes),
    )


def _layer_reports() -> list[SourceReport]:
    directory = data_dir()
    if directory is None:
        return [
            SourceReport(
                "data directory",
                "layers",
                Status.MISSING,
                messages=("GEORISK_DATA_DIR is not set: no extra layers, built-in data only",),
            )
        ]
    result = load_layers(directory)
    out = [
        SourceReport(
            name,
            "layer",
            Status.LOADED,
            f"data dir {layer.path}",
            features=len(layer.data),
            extent=layer.bounds,
            messages=tuple(layer.notes),
        )
        for name, layer in result.layers.items()
    ]
    out.extend(
        SourceReport(
            p.name,
            "layer",
            Status.FAILED,
            f"data dir {p.path}",
            messages=(p.reason, *p.details),
        )
        for p in result.problems
    )
    if not result.layers and not result.problems:
        out.append(
            SourceReport(
                "data directory",
                "layers",
                Status.LOADED,
                f"data dir {directory}",
                features=0,
                messages=("no layer files (.geojson, .gpkg, .shp, .parquet) found",),
            )
        )
    return out
