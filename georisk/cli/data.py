"""``georisk data``: what reference data is loaded, and bringing in more."""

from __future__ import annotations

import click


@click.group()
def data() -> None:
    """Reference data: check what is loaded, fetch real layers."""


COMMANDS: list[click.Command] = [data]
