"""The ``adba`` command: registers the commands, in the order a user needs them, and runs them
through the boundary (:mod:`adba.cli.boundary`)."""

from __future__ import annotations

import os
from typing import Annotated

import typer

from adba import __version__
from adba.cli.boundary import run_app
from adba.cli.commands import (
    catalog,
    collector,
    consistency,
    coverage,
    diagnose,
    diff,
    explain,
    licence,
    rules,
    scan,
    snapshot,
)

HELP = """Read-only inspector for Active Directory-based activation (ADBA).

Exit codes: 0 nothing at or above --fail-on; 1 the worst such finding is info, low or medium;
2 it is high or critical; 3 adba could not inspect (connection, bind, bad file or options).
Start with 'adba scan --demo'.
"""

app = typer.Typer(help=HELP, no_args_is_help=True, pretty_exceptions_enable=False,
                  add_completion=True, rich_markup_mode=None,
                  context_settings={"help_option_names": ["-h", "--help"]})

COMMANDS = (scan, consistency, coverage, diagnose, snapshot, licence, diff, explain, catalog,
            rules, collector)
"""Command modules, in help order: scan first."""

SUBCOMMANDS: dict[str, set[str]] = {
    "scan": set(), "consistency": set(), "coverage": set(), "diagnose": set(),
    "snapshot": set(), "licence": set(), "diff": set(), "explain": set(),
    "catalog": {"list", "explain"}, "rules": {"list", "show"}, "collector": set(),
}


def _version(value: bool) -> None:
    if value:
        typer.echo(f"adba {__version__}")
        raise typer.Exit(0)


@app.callback()
def main_callback(
    version: Annotated[bool, typer.Option("--version", callback=_version, is_eager=True,
                                          help="Print the version and exit.")] = False,
) -> None:
    """Read-only inspector for Active Directory-based activation (ADBA)."""


for _module in COMMANDS:
    _module.register(app)


def main(args: list[str] | None = None) -> None:
    """Console-script entry point."""
    if os.environ.get("NO_COLOR") == "":
        os.environ.pop("NO_COLOR")
    run_app(app, args, SUBCOMMANDS)
