"""One renderer interface: a typed result, a format and a destination.

Text goes through :mod:`adba.cli.render_text` (and the lookup renderers), JSON through
:func:`adba.cli.render_json.result_document`, the one function that builds every command's
envelope. Renderers of other formats plug in here.
"""

from __future__ import annotations

from adba.cli.exit_codes import ExitCode
from adba.cli.options import OutputFormat
from adba.cli.output import OutputTarget
from adba.core.results import Result, WrittenFile


def render(result: Result, fmt: OutputFormat, target: OutputTarget, code: ExitCode) -> None:
    """Write ``result`` to ``target`` in ``fmt``."""
    if isinstance(result, WrittenFile):
        return  # the command wrote its own file; the boundary says so on stderr
    if fmt is OutputFormat.JSON:
        from adba.cli.render_json import result_document

        target.write(result_document(result, code))
        return
    from adba.cli.render_text import render_result

    render_result(target.console(), result, code)
