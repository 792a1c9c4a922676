"""``adba explain CODE [CODE...]``: what an activation error code (HRESULT) means and how to fix it.

Codes come as slmgr, WMI and the event log write them: ``0xC004F074``, ``C004F074``,
``3221549172`` (WMI's unsigned decimal), ``-1073418124`` (signed), ``hr=0xC004F074``. Exit 0 when
every code is in the knowledge base, 1 when one is not (its facility is still shown), 3 when an
argument is not a code at all.
"""

from __future__ import annotations

from typing import Annotated

import typer

from adba.cli.boundary import Invocation, command
from adba.core.results import ExplainedCode, ExplainResult

Codes = Annotated[list[str], typer.Argument(
    help="Error codes: 0xC004F074, C004F074, 3221549172 or -1073418124 (as WMI prints them), "
         "hr=0xC004F074.", show_default=False, metavar="CODE...")]


def register(app: typer.Typer) -> None:
    """Add ``adba explain`` (a signed decimal such as -1073418124 is a code, not an option)."""
    command(app, "explain", context_settings={"ignore_unknown_options": True})(explain)


def explain(run: Invocation, codes: Codes) -> ExplainResult:
    """Explain activation error codes (HRESULTs): meaning, usual cause, fix and sources.

    Exit 0 when every code is known, 1 when one is not (its facility is still shown), 3 when
    an argument is not an error code.
    """
    from adba.adapters.hresults_file import load_knowledge_base
    from adba.core.hresults import parse_hresult
    from adba.errors import UsageError

    parsed: list[tuple[str, int]] = []
    for text in codes:
        if text.startswith("--"):
            raise UsageError(f"no such option: {text}", "see 'adba explain --help'")
        value = parse_hresult(text)
        if value is None:
            raise UsageError(f"not an error code: {text!r}",
                             "give hex such as 0xC004F074 or C004F074, or decimal as WMI prints "
                             "it, such as 3221549172 or -1073418124")
        parsed.append((text, value))
    kb = load_knowledge_base()
    answers = tuple(ExplainedCode(text, value, kb.lookup(value), kb.is_alias(value))
                    for text, value in parsed)
    known = all(a.entry is not None for a in answers)
    return ExplainResult(kb, answers, outcome="complete" if known else "incomplete")
