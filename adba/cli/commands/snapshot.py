"""``adba snapshot``: save what a scan reads from a DC, for ``adba scan --snapshot FILE``."""

from __future__ import annotations

from typing import Annotated

import typer

from adba.cli import options as opt
from adba.cli.boundary import Invocation, command
from adba.core.results import WrittenFile

Computers = Annotated[bool, typer.Option(
    "--computers", envvar="ADBA_SNAPSHOT_COMPUTERS",
    help="Also save computer accounts, for 'adba coverage --snapshot'.")]


def register(app: typer.Typer) -> None:
    """Add ``adba snapshot``."""
    command(app, "snapshot", connection=True, formats=False,
            output_help="Snapshot file to write (default and '-': stdout).")(snapshot)


def snapshot(run: Invocation, *, computers: Computers = False,
             search_base: opt.SearchBase = None) -> WrittenFile:
    """Save what a scan reads from a DC to a JSON file, for 'adba scan --snapshot FILE'."""
    from adba.adapters.ldap.computers import iter_computer_attributes
    from adba.adapters.ldap.reader import read_forest
    from adba.adapters.snapshot import write_snapshot
    from adba.cli.sources import check_source, open_live

    check_source(None, None, False, run.live)
    status_ctx, progress = run.progress()
    with status_ctx, open_live(run.live) as (directory, session):
        raw = read_forest(directory, session, progress)
        base = search_base or (raw.root_dse or {}).get("defaultNamingContext", [None])[0]
        rows = None
        if computers and base:
            rows = (attrs for _dn, attrs in iter_computer_attributes(
                directory, base, lambda n: progress(f"read {n:,} computers")))
        count = write_snapshot(raw, run.output.text_handle(), rows, base)
    extra = f", {count:,} computer(s)" if computers else ""
    return WrittenFile(f"{len(raw.children)} object(s){extra} from {raw.source.server}",
                       command="snapshot")
