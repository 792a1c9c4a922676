"""``adba consistency``: does every domain controller serve the same activation objects?"""

from __future__ import annotations

import typer

from adba.cli import options as opt
from adba.cli.boundary import Invocation, command
from adba.core.results import ConsistencyResult


def register(app: typer.Typer) -> None:
    """Add ``adba consistency``."""
    command(app, "consistency", connection=True, fail_on=True)(consistency)


def consistency(run: Invocation, *, dc: opt.DcList = None, parallel: opt.Parallel = 8,
                snapshot: opt.SnapshotList = None) -> ConsistencyResult:
    """Compare every domain controller's copy of the activation objects and their container.

    The DCs are those the directory lists (the nTDSDSA objects of the DC that --server or
    --domain reaches), or the --dc list. Each is read with the same options and credentials,
    several at once; an unreachable DC is reported and the others are still compared. Never
    writes to the directory and never runs the replication commands it suggests.
    """
    from adba.cli.consistency_run import check_consistency

    status, report = run.progress()
    with status:
        return check_consistency(live=run.live, dcs=list(dc or []),
                                 snapshots=list(snapshot or []), workers=parallel,
                                 progress=report)
