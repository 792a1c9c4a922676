"""The rules: small pure functions from ``ForestData`` to findings, each with its text beside it."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

from adba.core.findings import Finding, RuleText
from adba.core.models import ForestData

if TYPE_CHECKING:
    from adba.core.catalog import Catalog
    from adba.core.licence_data import LicenceData


@dataclass(frozen=True)
class RuleContext:
    """What rules may know besides the data: today's date and the product catalog."""

    today: date
    catalog: Catalog | None = None
    licence_data: LicenceData | None = None
    """Known forged licence files and key pins (``adba/data/licences.json``)."""


Rule = Callable[[ForestData, RuleContext], Iterable[Finding]]


def all_rules() -> tuple[tuple[Rule, ...], tuple[RuleText, ...]]:
    """Every rule function and every rule text, from each rule module."""
    from adba.core import diagnose
    from adba.core.rules import (
        acl,
        catalog,
        consistency,
        container,
        coverage,
        duplicates,
        forgery,
        licences,
        objects,
        phone,
        pid,
        schema,
    )

    modules = (schema, container, acl, objects, pid, phone, duplicates, forgery, licences, catalog,
               coverage, diagnose, consistency)
    functions: list[Rule] = []
    texts: list[RuleText] = []
    for module in modules:
        functions.extend(module.CHECKS)
        texts.extend(module.RULES)
    return tuple(functions), tuple(texts)


def rule_texts() -> dict[str, RuleText]:
    """Rule texts by rule id."""
    return {t.rule_id: t for t in all_rules()[1]}


def run_rules(data: ForestData, context: RuleContext) -> list[Finding]:
    """Run every rule and return the findings, worst first."""
    findings: list[Finding] = []
    for check in all_rules()[0]:
        findings.extend(check(data, context))
    return sorted(findings, key=Finding.sort_key)
