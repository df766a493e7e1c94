"""The ``georisk`` command line: one group, one module of subcommands per topic.

User errors end with a readable message and a non-zero exit, never a traceback.
"""

from __future__ import annotations

import sys

import click

from georisk import __version__
from georisk.errors import GeoriskError


class _Group(click.Group):
    """Turns georisk's own errors into clean CLI failures."""

    def invoke(self, ctx: click.Context):  # type: ignore[override]
        try:
            return super().invoke(ctx)
        except GeoriskError as exc:
            raise click.ClickException(str(exc)) from exc


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="georisk")
def cli() -> None:
    """georisk: the shared risk and resource picture of a joint control centre."""


def _register() -> None:
    from georisk.cli import (
        analyse,
        area,
        data,
        data_fetch,
        feeds,
        firerisk,
        fwi,
        resources,
        store_commands,
        tokens,
        users,
    )

    modules = (store_commands, data, data_fetch, area, tokens, users, fwi, firerisk, feeds,
               resources, analyse)
    for module in modules:
        for command in module.COMMANDS:
            cli.add_command(command)


_register()


def main() -> None:
    cli(prog_name="georisk")


if __name__ == "__main__":
    sys.exit(main())
