"""Files the command line writes: their folder must already exist.

A typing slip in an output path (``-o /tmp/brifing/x.html``) should stop the command with
one line saying so, not end in a traceback after minutes of work, nor create folders
nobody asked for.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click


class OutputFile(click.Path):
    """A file to write (``-`` for standard output where the command allows it)."""

    def __init__(self, allow_dash: bool = False):
        super().__init__(dir_okay=False, writable=True, allow_dash=allow_dash, path_type=Path)

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None):
        path = super().convert(value, param, ctx)
        if str(path) == "-":
            return "-"  # standard output, as click.open_file understands it
        folder = Path(path).expanduser().resolve().parent
        if not folder.is_dir():
            self.fail(f"the folder {folder} does not exist; create it first", param, ctx)
        return path
