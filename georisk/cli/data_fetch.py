"""``georisk data fetch roads``: import a real road network from a file or a URL.

This is the only code in georisk that opens a network connection, and only to the
URL the user typed. Downloads go to a temporary file; the network in the data folder
is replaced by one atomic rename only after the import succeeded.
"""

from __future__ import annotations

import sys
import tempfile
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import click

from georisk.cli.data import data
from georisk.crs import METRIC, WGS84
from georisk.errors import ValidationError
from georisk.roads.importer import OSM_SUFFIXES, import_roads, save_roads
from georisk.roads.source import ROADS_FILE, default_roads_path

CHUNK = 1 << 16


@data.group()
def fetch() -> None:
    """Bring real reference layers into the data folder."""


@fetch.command("roads")
@click.option(
    "--from",
    "source",
    required=True,
    metavar="FILE_OR_URL",
    help="OSM extract (.osm, .osm.pbf) or any OGR vector file, local or http(s).",
)
@click.option(
    "--to",
    "target",
    type=click.Path(dir_okay=False, path_type=Path),
    help=f"Where to write the GeoPackage (default: $GEORISK_DATA_DIR/{ROADS_FILE}).",
)
@click.option(
    "--ref-column",
    default="ref",
    show_default=True,
    help="Road-number column of a vector file (e.g. NVDB 'Vägnummer' export).",
)
@click.option(
    "--european-column",
    default=None,
    help="Column flagging European roads, when numbers are stored without 'E'.",
)
@click.option("--layer", default=None, help="Layer of a multi-layer vector file.")
@click.option(
    "--timeout",
    default=60.0,
    show_default=True,
    type=float,
    help="Seconds to wait for the server before giving up.",
)
def fetch_roads(
    source: str,
    target: Path | None,
    ref_column: str,
    european_column: str | None,
    layer: str | None,
    timeout: float,
) -> None:
    """Import a real road network; the map and routing then prefer it to the schematic one."""
    target = target or default_roads_path()
    if target is None:
        raise ValidationError.one(
            "to", "give --to PATH or set GEORISK_DATA_DIR to say where the network goes"
        )
    with tempfile.TemporaryDirectory(prefix="georisk-fetch-") as tmp:
        scheme = urllib.parse.urlsplit(source).scheme.lower()
        if scheme in ("http", "https"):
            local = download(source, Path(tmp), timeout=timeout)
        elif scheme in ("", "file") or len(scheme) == 1:  # a Windows drive letter is a path
            local = Path(urllib.parse.urlsplit(source).path if scheme == "file" else source)
        else:
            raise ValidationError.one("from", f"unsupported URL scheme {scheme!r}; use http(s)")
        roads, report = import_roads(
            local, ref_column=ref_column, european_column=european_column, layer=layer
        )
        save_roads(roads, target)
    km = roads.to_crs(METRIC).length.sum() / 1000
    click.echo(f"Imported {report.features} road lines ({km:,.0f} km) from {source}")
    if report.reprojected_from:
        click.echo(f"Reprojected from {report.reprojected_from} to WGS84 ({WGS84})")
    for note in report.notes:
        click.echo(f"Note: {note}")
    refs = sorted({p for r in roads["ref"].dropna() for p in r.split(";")})
    shown = ", ".join(refs[:12]) + (", …" if len(refs) > 12 else "")
    click.echo(f"Road numbers: {len(refs)}" + (f" ({shown})" if refs else ""))
    click.echo(f"Written to {target}")


def download(url: str, folder: Path, *, timeout: float) -> Path:
    """Fetch ``url`` into ``folder`` with a progress bar; readable errors, no partial file."""
    name = Path(urllib.parse.urlsplit(url).path).name or "download"
    if not name.lower().endswith(OSM_SUFFIXES) and "." not in name:
        name += ".dat"
    target = folder / name
    request = urllib.request.Request(url, headers={"User-Agent": "georisk"})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            length = response.headers.get("Content-Length")
            with (
                open(target, "wb") as out,
                click.progressbar(
                    length=int(length) if length else None,
                    label=f"Downloading {name}",
                    file=sys.stderr,
                    show_pos=True,
                ) as bar,
            ):
                while chunk := response.read(CHUNK):
                    out.write(chunk)
                    bar.update(len(chunk))
    except urllib.error.HTTPError as exc:
        raise ValidationError.one("from", f"HTTP {exc.code} {exc.reason} from {url}") from exc
    except TimeoutError as exc:
        raise ValidationError.one("from", f"timed out after {timeout:g} s fetching {url}") from exc
    except urllib.error.URLError as exc:
        reason = exc.reason
        if isinstance(reason, TimeoutError):
            raise ValidationError.one(
                "from", f"timed out after {timeout:g} s fetching {url}"
            ) from exc
        raise ValidationError.one("from", f"cannot reach {url}: {reason}") from exc
    except (ConnectionError, OSError) as exc:
        raise ValidationError.one("from", f"download of {url} failed: {exc}") from exc
    if target.stat().st_size == 0:
        raise ValidationError.one("from", f"{url} returned an empty body")
    return target


COMMANDS: list[click.Command] = []  # attaches itself to ``data``; nothing new at top level
