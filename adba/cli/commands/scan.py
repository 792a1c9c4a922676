"""``adba scan``: a forest's ADBA setup, judged."""

from __future__ import annotations

from typing import Annotated

import typer

from adba.cli import options as opt
from adba.cli.boundary import Invocation, command
from adba.core.results import ScanResult

CoverageFlag = Annotated[bool, typer.Option(
    "--coverage", envvar="ADBA_COVERAGE",
    help="Also count computers per product family and what covers them.")]


def register(app: typer.Typer) -> None:
    """Add ``adba scan``."""
    command(app, "scan", connection=True, fail_on=True)(scan)


def scan(run: Invocation, *, snapshot: opt.SnapshotOpt = None, ldif: opt.LdifOpt = None,
         demo: opt.Demo = False, product_db: opt.ProductDb = None,
         coverage: CoverageFlag = False, stale_days: opt.StaleDays = 90,
         max_listed: opt.MaxListed = None, search_base: opt.SearchBase = None,
         all_dcs: opt.AllDcs = False, parallel: opt.Parallel = 8) -> ScanResult:
    """Check a forest's ADBA setup: schema, containers, permissions and every activation object.

    Reads from a DC (--server or --domain), a snapshot (--snapshot), an LDIF export (--ldif)
    or the bundled sample (--demo). With --all-dcs, every DC of the forest is read and
    compared as well ('adba consistency'). Never writes to the directory.
    """
    from adba.cli.analysis import analyse_all_dcs, analyse_forest
    from adba.cli.sources import check_source

    check_source(snapshot, ldif, demo, run.live)
    if all_dcs:
        return analyse_all_dcs(snapshot=snapshot, ldif=ldif, demo=demo, live=run.live,
                               product_db=product_db, coverage=coverage, workers=parallel,
                               progress=run.progress())
    return analyse_forest(snapshot=snapshot, ldif=ldif, demo=demo, live=run.live,
                          product_db=product_db, coverage=coverage, stale_days=stale_days,
                          max_listed=max_listed, search_base=search_base,
                          progress=run.progress())
