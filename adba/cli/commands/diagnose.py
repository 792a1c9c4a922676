"""``adba diagnose REPORT...``: why each client product did or did not activate."""

from __future__ import annotations

from typing import Annotated

import typer

from adba.cli import options as opt
from adba.cli.boundary import Invocation, command
from adba.cli.diagnose_work import EncodedDiagnosis
from adba.core.results import DiagnoseResult

Reports = Annotated[list[str], typer.Argument(
    help="Report files, directories (read recursively) or - for standard input.",
    show_default=False, metavar="REPORT...")]
WarnDays = Annotated[int, typer.Option(
    "--warn-days", envvar="ADBA_WARN_DAYS",
    help="Warn when an activation or grace period ends within this many days.")]


def register(app: typer.Typer) -> None:
    """Add ``adba diagnose`` (its forest options are those of ``adba scan``)."""
    command(app, "diagnose", connection=True, fail_on=True)(diagnose)


def diagnose(run: Invocation, reports: Reports, *, snapshot: opt.SnapshotOpt = None,
             ldif: opt.LdifOpt = None, demo: opt.Demo = False, product_db: opt.ProductDb = None,
             warn_days: WarnDays = 30,
             client_dc: opt.ClientDc = False) -> DiagnoseResult | EncodedDiagnosis:
    """Read what clients report (slmgr text, CIM/WMI JSON or CSV, Security-SPP events,
    collector JSON), join it with the forest and say why each product did or did not
    activate. The forest comes from a DC (as for scan), --snapshot, --ldif or --demo; with
    --client-dc each report is checked against the copy of the DC its client uses."""
    from adba.cli.analysis import diagnose_reports

    return diagnose_reports(reports, snapshot=snapshot, ldif=ldif, demo=demo, live=run.live,
                            product_db=product_db, warn_days=warn_days,
                            progress=run.progress(), as_json=run.fmt is opt.OutputFormat.JSON,
                            client_dc=client_dc)
