"""``adba coverage``: computers per product family, and which activation object covers each."""

from __future__ import annotations

import typer

from adba.cli import options as opt
from adba.cli.boundary import Invocation, command
from adba.core.results import CoverageResult


def register(app: typer.Typer) -> None:
    """Add ``adba coverage``."""
    command(app, "coverage", connection=True, fail_on=True)(coverage)


def coverage(run: Invocation, *, snapshot: opt.SnapshotOpt = None, demo: opt.Demo = False,
             product_db: opt.ProductDb = None, stale_days: opt.StaleDays = 90,
             max_listed: opt.MaxListed = None,
             search_base: opt.SearchBase = None) -> CoverageResult:
    """Count computers per product family and say which activation object covers each.

    Families with active computers and no covering object are findings (exit code as for
    scan). Computers are read page by page; stale and disabled accounts are counted apart.
    """
    from adba.cli.analysis import analyse_forest
    from adba.cli.sources import check_source

    check_source(snapshot, None, demo, run.live)
    scanned = analyse_forest(snapshot=snapshot, ldif=None, demo=demo, live=run.live,
                             product_db=product_db, coverage=True, stale_days=stale_days,
                             max_listed=max_listed, search_base=search_base,
                             progress=run.progress())
    assert scanned.coverage is not None  # coverage=True always counts (or raises)
    return CoverageResult(
        data=scanned.data, catalog=scanned.catalog, coverage=scanned.coverage,
        findings=tuple(f for f in scanned.findings if f.rule_id.startswith("ADBA-COV")),
        notes=scanned.notes)
