"""``adba explain CODE [CODE...]``: what an activation error code (HRESULT) means and how to fix it.

Codes come as slmgr, WMI and the event log write them: ``0xC004F074``, ``C004F074``,
``3221549172`` (WMI's unsigned decimal), ``-1073418124`` (signed), ``hr=0xC004F074``. Exit 0 when
every code is in the knowledge base, 1 when one is not (its facility is still shown), 3 when an
argument is not a code at all.

This module must not import ``adba.cli.app`` at import time (that module imports this one while
it loads).
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING, Annotated, Any

import typer

if TYPE_CHECKING:
    from rich.console import Console
    from rich.text import Text

    from adba.core.datafile import Source
    from adba.core.hresults import HResultEntry, KnowledgeBase

ADBA_LABEL = {
    "specific": "specific to Active Directory-based activation",
    "related": "typical in ADBA flows (also KMS/MAK)",
    "no": "not ADBA-specific (KMS, MAK or general)",
}


class ExplainFormat(StrEnum):
    """Output formats (the same values as ``adba scan --format``)."""

    TEXT = "text"
    JSON = "json"


Format = Annotated[ExplainFormat, typer.Option("--format", "-f", envvar="ADBA_FORMAT",
                                               help="Output format.")]
Codes = Annotated[list[str], typer.Argument(
    help="Error codes: 0xC004F074, C004F074, 3221549172 or -1073418124 (as WMI prints them), "
         "hr=0xC004F074.", show_default=False, metavar="CODE")]


@dataclass(frozen=True)
class _Answer:
    """One argument, its value and what the knowledge base knows about it."""

    text: str
    code: int
    entry: HResultEntry | None
    alias: bool


def _console() -> Console:
    from rich.console import Console

    width = None if sys.stdout.isatty() or os.environ.get("COLUMNS") else 140
    return Console(width=width, color_system=None if os.environ.get("NO_COLOR") else "auto",
                   highlight=False)


def _fail(exc: Exception, fmt: ExplainFormat) -> None:
    from adba.cli.app import OutputFormat
    from adba.cli.app import _fail as fail

    fail(exc, OutputFormat(fmt.value), "explain", False)


def _parse_all(codes: list[str]) -> list[tuple[str, int]]:
    """Every argument with its value; ``UsageError`` on the first that is not an error code."""
    from adba.core.hresults import parse_hresult
    from adba.errors import UsageError

    parsed: list[tuple[str, int]] = []
    for text in codes:
        code = parse_hresult(text)
        if code is None:
            raise UsageError(f"not an error code: {text!r}",
                             "give hex such as 0xC004F074 or C004F074, or decimal as WMI prints "
                             "it, such as 3221549172 or -1073418124")
        parsed.append((text, code))
    return parsed


def _heading(answer: _Answer) -> str:
    from adba.core.hresults import format_hresult

    shown = format_hresult(answer.code)
    plain = answer.text.strip()
    if plain.lower() not in (shown.lower(), shown[2:].lower()):
        shown = f"{plain} = {shown}"
    return shown


_LABEL_WIDTH = 14


def _field(label: str, value: str, width: int) -> Text:
    """``label`` then ``value`` wrapped with a hanging indent, as one rich Text."""
    import textwrap

    from rich.text import Text

    lines: list[str] = []
    for paragraph in value.splitlines() or [""]:
        lines += textwrap.wrap(paragraph, max(width - _LABEL_WIDTH, 30),
                               break_on_hyphens=False, break_long_words=False) or [""]
    text = Text(label.ljust(_LABEL_WIDTH - 1) + " ", style="dim")
    text.append(lines[0])
    for line in lines[1:]:
        text.append("\n" + " " * _LABEL_WIDTH + line)
    return text


def _print_text(answers: list[_Answer], kb: KnowledgeBase) -> None:
    from rich.text import Text

    from adba.core.hresults import classify, unknown_text

    console = _console()
    width = console.width
    cited: list[str] = []
    for i, answer in enumerate(answers):
        if i:
            console.print()
        entry = answer.entry
        head = Text(_heading(answer), style="bold")
        if entry is None:
            head.append(f": {unknown_text(answer.code)}")
            console.print(head, soft_wrap=True)
            continue
        if answer.alias:
            head.append(f" (another spelling of {entry.hex})")
        if entry.symbol:
            head.append(f"  {entry.symbol}", style="bold cyan")
        console.print(head, soft_wrap=True)
        for label, value in (("meaning", entry.meaning), ("usual cause", entry.usual_cause),
                             ("fix", entry.fix),
                             ("ADBA", f"{entry.adba}: {ADBA_LABEL[entry.adba]}"),
                             ("kinds", ", ".join(entry.kinds)),
                             ("facility", classify(entry.code).text),
                             ("severity", entry.severity),
                             ("sources", ", ".join(entry.source))):
            console.print(_field(label, value, width), soft_wrap=True)
        cited += [s for s in entry.source if s not in cited]
    if cited:
        console.print()
        console.print(Text("sources", style="bold"), soft_wrap=True)
        for source_id in cited:
            source = kb.source(source_id)
            text = source.description if source else ""
            where = _where(source)
            if where:
                text = f"{text}\n{where}"
            console.print(_field(f"  {source_id}", text, width), soft_wrap=True)


def _where(source: Source | None) -> str:
    """A source's provenance line (``repo:path@commit`` and/or the URL), or ``""``."""
    from adba.core.hresults import HResultSource

    if not isinstance(source, HResultSource):
        return ""
    parts = []
    if source.repo and source.path and source.commit:
        parts.append(f"{source.repo}:{source.path}@{source.commit}")
    if source.url:
        parts.append(source.url)
    return " ".join(parts)


def _source_json(source: Source) -> dict[str, Any]:
    from adba.core.hresults import HResultSource

    doc: dict[str, Any] = {"id": source.id, "description": source.description}
    if isinstance(source, HResultSource):
        doc.update(repo=source.repo, path=source.path, commit=source.commit, url=source.url)
    return doc


def _answer_json(answer: _Answer, kb: KnowledgeBase) -> dict[str, Any]:
    from adba.core.hresults import classify, format_hresult, unknown_text

    facility = classify(answer.code)
    entry = answer.entry
    return {
        "input": answer.text,
        "code": format_hresult(answer.code),
        "known": entry is not None,
        "alias_of": entry.hex if entry is not None and answer.alias else None,
        "entry": entry.as_dict() if entry is not None else None,
        "sources": [_source_json(s)
                    for s in (kb.source(i) for i in (entry.source if entry else ()))
                    if s is not None],
        "facility": {"text": facility.text, "name": facility.name, "facility": facility.facility,
                     "failure": facility.failure, "severity": facility.severity,
                     "win32_error": facility.win32},
        "note": unknown_text(answer.code) if entry is None else None,
    }


def register(app: typer.Typer) -> None:
    """Add ``adba explain`` to the app."""

    # ignore_unknown_options: a signed decimal such as -1073418124 is a code, not an option
    @app.command("explain", context_settings={"ignore_unknown_options": True})
    def explain(codes: Codes, fmt: Format = ExplainFormat.TEXT) -> None:
        """Explain activation error codes (HRESULTs): meaning, usual cause, fix and sources.

        Exit 0 when every code is known, 1 when one is not (its facility is still shown), 3 when
        an argument is not an error code.
        """
        from adba.adapters.hresults_file import load_knowledge_base

        try:
            parsed = _parse_all(codes)
            kb = load_knowledge_base()
            answers = [_Answer(text, value, kb.lookup(value), kb.is_alias(value))
                       for text, value in parsed]
        except Exception as exc:  # the one error boundary of this command
            _fail(exc, fmt)
            return
        code = 0 if all(a.entry is not None for a in answers) else 1
        if fmt is ExplainFormat.JSON:
            from adba.cli.exit_codes import STATUS, ExitCode
            from adba.cli.render_json import dumps, envelope

            data = {"codes": [_answer_json(a, kb) for a in answers]}
            sys.stdout.write(dumps(envelope("explain", STATUS[ExitCode(code)], code, data, [], [])))
            sys.stdout.flush()
        else:
            _print_text(answers, kb)
        raise typer.Exit(code)
