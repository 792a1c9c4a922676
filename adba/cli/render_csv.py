"""CSV output: the report's tables (:mod:`adba.cli.report_view`) for spreadsheets.

``-o DIR`` (an existing directory) gets one file per table: ``findings.csv``, ``objects.csv``,
``coverage.csv``, ``acl.csv``, ``clients.csv``, ``changes.csv`` (what the result holds).
``-o FILE`` and stdout get the result's main table: the findings (for ``adba diff``: the
changes). Files are UTF-8 with a byte-order mark, so that Excel opens them as UTF-8; stdout has
no BOM (it goes to programs). Rows end in CRLF (RFC 4180).

A cell a spreadsheet would run as a formula (starting with ``=``, ``+``, ``-``, ``@``, a tab
or a carriage return, OWASP's list) gets a leading ``'``; control characters are shown escaped
(:func:`adba.core.sanitize.clean`).
"""

from __future__ import annotations

import csv
import io
from typing import Any

from adba.cli.output import OutputTarget
from adba.cli.report_view import Table, build_view
from adba.core.sanitize import clean

FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\uff1d", "\uff0b", "\uff0d", "\uff20")
"""What makes a spreadsheet treat a cell as a formula (and the full-width forms Excel folds)."""

BOM = "\ufeff"


def safe_cell(value: Any) -> str:
    """A cell's text: cleaned of control characters and disarmed when it would be a formula."""
    text = clean("" if value is None else str(value))
    return "'" + text if text.startswith(FORMULA_START) else text


def table_csv(table: Table) -> str:
    """One table as CSV text (header row first)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n", quoting=csv.QUOTE_MINIMAL)
    writer.writerow([safe_cell(h) for h in table.headers])
    for row in table.rows:
        writer.writerow([safe_cell(c) for c in row])
    return buffer.getvalue()


def main_table(tables: list[Table], command: str) -> Table:
    """The table for ``-o FILE`` and stdout: the findings, or the changes of ``adba diff``."""
    wanted = "changes" if command == "diff" else "findings"
    return next((t for t in tables if t.name == wanted), tables[0])


def write_csv(result: Any, exit_code: int, target: OutputTarget) -> None:
    """Write the result's tables: one file each into ``-o DIR``, else the main table."""
    from datetime import UTC, datetime

    view = build_view(result, exit_code, datetime.now(UTC).isoformat())
    if target.directory is not None:
        for table in view.tables:
            target.write_named(f"{table.name}.csv", (BOM + table_csv(table)).encode("utf-8"))
        return
    text = table_csv(main_table(view.tables, view.command))
    target.write(BOM + text if target.is_file else text)
