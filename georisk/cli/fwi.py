"""``georisk fwi``: FWI codes and indices for a CSV of daily station series.

For analysts who already work with cffdrs: the same columns in, the same rows out
with the seven codes and indices added. Nothing is written unless every row is
good, or the analyst explicitly asks to skip bad rows and gets told which.
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

import click

from georisk.cli.paths import OutputFile
from georisk.firerisk.fwi import START_DC, START_DMC, START_FFMC
from georisk.firerisk.station_table import (
    compute_indices,
    read_start_codes,
    read_station_csv,
    write_with_indices,
)

_PROGRESS_ROWS = 50_000  # below this a run takes about a second: no progress bar


@click.command("fwi")
@click.argument(
    "input_csv", metavar="INPUT.csv", type=click.Path(exists=True, dir_okay=False, path_type=Path)
)
@click.option(
    "-o",
    "--output",
    "output",
    required=True,
    type=OutputFile(),
    help="Where to write the rows with ffmc,dmc,dc,isi,bui,fwi,dsr added.",
)
@click.option(
    "--ffmc-constant",
    type=click.Choice(["cffdrs", "147.2"]),
    default="cffdrs",
    show_default=True,
    help="FFMC moisture constant: cffdrs = 250·59.5/101 (cffdrs ≥ 1.10); "
    "147.2 = Van Wagner 1987, cffdrs ≤ 1.9 and xclim.",
)
@click.option(
    "--ffmc0",
    type=click.FloatRange(0, 101),
    default=START_FFMC,
    show_default=True,
    help="Yesterday's FFMC for every series (the start-up value by default).",
)
@click.option(
    "--dmc0",
    type=click.FloatRange(0),
    default=START_DMC,
    show_default=True,
    help="Yesterday's DMC for every series.",
)
@click.option(
    "--dc0",
    type=click.FloatRange(0),
    default=START_DC,
    show_default=True,
    help="Yesterday's DC for every series.",
)
@click.option(
    "--start-codes",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="CSV with columns id,ffmc,dmc,dc: yesterday's codes per series, to "
    "continue a season; series not listed use --ffmc0/--dmc0/--dc0.",
)
@click.option(
    "--skip-bad-rows",
    is_flag=True,
    help="Drop bad rows instead of failing, and list them on stderr. Rows after "
    "a dropped row or a gap in the same series are dropped too.",
)
@click.option(
    "--progress/--no-progress",
    default=None,
    help="Progress on stderr (default: on for inputs over 50,000 rows).",
)
def fwi_command(
    input_csv: Path,
    output: Path,
    ffmc_constant: str,
    ffmc0: float,
    dmc0: float,
    dc0: float,
    start_codes: Path | None,
    skip_bad_rows: bool,
    progress: bool | None,
) -> None:
    """Compute the FWI system for the daily series in INPUT.csv.

    Columns (cffdrs convention, any order, case-insensitive): id, lat, long, yr, mon,
    day, temp (°C at noon), rh (%), ws (km/h at 10 m), prec (mm over 24 h to noon).
    One daily series per id, rows in any order, no gaps or duplicate dates. The output
    keeps the input's rows in input order.
    """
    start = read_start_codes(start_codes) if start_codes else None
    table = read_station_csv(input_csv, skip_bad_rows=skip_bad_rows)
    if table.problems:
        click.echo(f"skipped {len(table.problems)} bad row(s):", err=True)
        for problem in table.problems:
            click.echo(f"  {problem}", err=True)
    rows = len(table.frame)
    show = progress if progress is not None else rows >= _PROGRESS_ROWS
    if show:
        with click.progressbar(length=rows, label="FWI", file=sys.stderr) as bar:
            values = compute_indices(
                table,
                ffmc_const=ffmc_constant,
                start=start,
                default_start=(ffmc0, dmc0, dc0),
                progress=bar.update,
            )
    else:
        values = compute_indices(
            table, ffmc_const=ffmc_constant, start=start, default_start=(ffmc0, dmc0, dc0)
        )
    _write_atomically(lambda fh: write_with_indices(table, values, fh), output)
    click.echo(f"wrote {rows} row(s) to {output}", err=True)


def _write_atomically(write, output: Path) -> None:
    """A reader never sees half a file, and a failure leaves no file behind."""
    fd, tmp = tempfile.mkstemp(prefix=f".{output.name}.", dir=output.parent)
    try:
        with os.fdopen(fd, "w", newline="") as fh:
            write(fh)
        os.replace(tmp, output)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


COMMANDS: list[click.Command] = [fwi_command]
