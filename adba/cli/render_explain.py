"""Text and JSON of ``adba explain``: each error code, what it means, its fix and sources."""

from __future__ import annotations

from typing import Any

from rich.console import Console
from rich.text import Text

from adba.core.datafile import Source
from adba.core.results import ExplainedCode, ExplainResult

ADBA_LABEL = {
    "specific": "specific to Active Directory-based activation",
    "related": "typical in ADBA flows (also KMS/MAK)",
    "no": "not ADBA-specific (KMS, MAK or general)",
}

_LABEL_WIDTH = 14


def explain_text(console: Console, result: ExplainResult) -> None:
    """Every code in turn, then the sources cited."""
    _print_text(console, result)


def explain_json(result: ExplainResult) -> dict[str, Any]:
    """``data`` of ``adba explain``."""
    return {"codes": [_answer_json(a, result) for a in result.codes]}


def _heading(answer: ExplainedCode) -> str:
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

    lines: list[str] = []
    for paragraph in value.splitlines() or [""]:
        lines += textwrap.wrap(paragraph, max(width - _LABEL_WIDTH, 30),
                               break_on_hyphens=False, break_long_words=False) or [""]
    text = Text(label.ljust(_LABEL_WIDTH - 1) + " ", style="dim")
    text.append(lines[0])
    for line in lines[1:]:
        text.append("\n" + " " * _LABEL_WIDTH + line)
    return text


def _print_text(console: Console, result: ExplainResult) -> None:
    from adba.core.hresults import classify, unknown_text

    answers, kb = result.codes, result.knowledge
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


def _answer_json(answer: ExplainedCode, result: ExplainResult) -> dict[str, Any]:
    from adba.core.hresults import classify, format_hresult, unknown_text

    facility = classify(answer.code)
    entry = answer.entry
    kb = result.knowledge
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
