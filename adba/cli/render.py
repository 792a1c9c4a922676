"""One renderer interface: a typed result, a format and a destination.

Text goes through :mod:`adba.cli.render_text` (and the lookup renderers), JSON through
:func:`adba.cli.render_json.result_document`, the one function that builds every command's
envelope. Renderers of other formats plug in here.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Union

from adba.cli.exit_codes import ExitCode
from adba.cli.options import OutputFormat
from adba.cli.output import OutputTarget
from adba.core.results import Result, WrittenFile

if TYPE_CHECKING:
    from adba.cli.diagnose_work import EncodedDiagnosis

Renderable = Union[Result, "EncodedDiagnosis"]
"""What a command returns: a typed result, or a diagnosis already encoded in the workers."""


def check_destination(fmt: OutputFormat, target: OutputTarget) -> None:
    """Refuse, before any work, an HTML report meant for a terminal (it is a file to open in a
    browser: ``-o report.html``, or a pipe); ``-o DIR`` is for CSV only."""
    import sys

    from adba.errors import UsageError

    if fmt is OutputFormat.HTML and not target.is_file and sys.stdout.isatty():
        raise UsageError("an HTML report is not for the terminal",
                         "add -o report.html, or pipe it to a file")
    if fmt is not OutputFormat.CSV and target.is_directory:
        raise UsageError(f"-o {target.path}: is a directory",
                         "give a file name (a directory takes one file per table with "
                         "--format csv)")


def render(result: Renderable, fmt: OutputFormat, target: OutputTarget, code: ExitCode) -> None:
    """Write ``result`` to ``target`` in ``fmt``."""
    if isinstance(result, WrittenFile):
        return  # the command wrote its own file; the boundary says so on stderr
    if fmt is OutputFormat.JSON:
        from adba.cli.render_json import result_document

        document = result_document(result, code)
        if isinstance(document, bytes):  # a large diagnosis, assembled from UTF-8 parts
            target.write_bytes(document)
            target.write("\n")
        else:
            target.write(document)
        return
    if fmt in (OutputFormat.HTML, OutputFormat.CSV):
        from adba.cli.diagnose_work import EncodedDiagnosis

        if isinstance(result, EncodedDiagnosis):  # made only for --format json
            raise TypeError("an encoded diagnosis has no HTML or CSV form")
        if fmt is OutputFormat.HTML:
            from adba.cli.render_html import html_document

            target.write(html_document(result, code))
        else:
            from adba.cli.render_csv import write_csv

            write_csv(result, code, target)
        return
    from adba.cli.diagnose_work import EncodedDiagnosis
    from adba.cli.render_text import render_result

    if isinstance(result, EncodedDiagnosis):  # made only for --format json
        raise TypeError("an encoded diagnosis has no text form")
    render_result(target.console(), result, code)
