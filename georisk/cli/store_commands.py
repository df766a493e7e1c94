"""Commands on the journal store: init-db, events, state, serve."""

from __future__ import annotations

import click

COMMANDS: list[click.Command] = []
