"""``georisk data``: what reference data is loaded, and bringing in more."""

from __future__ import annotations

import json

import click

from georisk.sources import SourceReport, Status, collect


@click.group()
def data() -> None:
    """Reference data: check what is loaded, fetch real layers."""


def _line(r: SourceReport) -> str:
    parts = [f"[{r.status.value:<7}] {r.name} ({r.kind})"]
    if r.origin:
        parts.append(f"from {r.origin}")
    if r.features is not None:
        parts.append(f"{r.features} features")
    if r.extent:
        minx, miny, maxx, maxy = r.extent
        parts.append(f"extent {minx:.4f},{miny:.4f} .. {maxx:.4f},{maxy:.4f}")
    text = " | ".join(parts)
    if r.licence or r.attribution:
        text += "\n          licence: " + "; ".join(x for x in (r.licence, r.attribution) if x)
    text += "".join(f"\n          {m}" for m in r.messages)
    return text


@data.command()
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
def check(as_json: bool) -> None:
    """Report loaded reference data, its origin and licence, and what is missing.

    Exits non-zero when a configured file failed to load.
    """
    reports = collect()
    if as_json:
        click.echo(json.dumps([r.to_dict() for r in reports], ensure_ascii=False, indent=2))
    else:
        for r in reports:
            click.echo(_line(r))
    failed = [r for r in reports if r.status is Status.FAILED]
    if failed:
        names = ", ".join(r.name for r in failed)
        raise click.ClickException(f"{len(failed)} source(s) failed to load: {names}")


COMMANDS: list[click.Command] = [data]
