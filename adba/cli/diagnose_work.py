"""The per-input work of ``adba diagnose``, done where the input was read.

On many files the reports are read in worker processes (:func:`~adba.adapters.reports.batch.
read_all`); :class:`DiagnoseJob` is given to it as ``then`` so each worker also diagnoses what
it read and, for JSON, makes that input's parts of the document (compact JSON text in UTF-8).
Only those bytes, and each finding's sort key, severity and rule id as plain values, travel
back: the parent assembles the document (:func:`assemble_json`) instead of pickling every report
and diagnosis and encoding them again.
"""

from __future__ import annotations

import functools
import json
from collections import Counter
from dataclasses import dataclass, field, replace
from typing import Any, Final, NamedTuple

from adba.adapters.reports import ReportInput
from adba.cli.render_json import COMPACT_FROM, diagnose_report_json, dumps
from adba.core.catalog import Catalog
from adba.core.client import ClientReport, UnreadableReport
from adba.core.diagnose import Correlator, DiagnoseOptions, Explainer, ProductDiagnosis
from adba.core.findings import Finding, Severity
from adba.core.hresults import KnowledgeBase, describe_code
from adba.core.kms_emulators import EmulatorList
from adba.core.models import ForestData
from adba.core.results import Unreadable
from adba.core.sanitize import json_escape
from adba.core.verdict import Rated, diagnose_verdict

__all__ = ["RULE_ID", "SEVERITY", "SORT_KEY", "TEXT", "DcCopies", "DiagnoseJob",
           "EncodedDiagnosis", "JsonFinding", "JsonParts", "Pairs", "assemble_json", "compact",
           "json_finding"]

Pairs = list[tuple[ClientReport, list[ProductDiagnosis]]]


JsonFinding = tuple[tuple[int, str, str], str, str, bytes]
"""A finding as the JSON document needs it, as a plain tuple (unpickled by the parent without
calling Python code, 15,000 times for 10,000 reports): where it sorts (``sort_key``), its
severity's value, its rule id and ``finding_json`` of it, compact, in UTF-8 (what the document
is written in: the parent joins and writes the bytes without decoding or encoding them)."""
SORT_KEY: Final = 0
SEVERITY: Final = 1
RULE_ID: Final = 2
TEXT: Final = 3
"""The fields of a :data:`JsonFinding`."""


class JsonParts(NamedTuple):
    """One input's share of the JSON document."""

    reports: list[bytes]
    """``diagnose_report_json`` of each report, compact, in UTF-8."""
    findings: list[JsonFinding]
    """Every diagnosis of those reports, in report and product order."""
    products: int
    licensed: int
    """How many of the products are licensed (for the verdict)."""
    computers: list[str]
    """The machine of each product (for the verdict)."""


class _Rated(NamedTuple):
    severity: Severity


@dataclass(frozen=True)
class EncodedDiagnosis:
    """``adba diagnose --format json`` on many reports: the result with each report and finding
    already encoded where it was read (the JSON renderer splices them into the document)."""

    data: ForestData
    reports: tuple[bytes, ...]
    findings: tuple[JsonFinding, ...]
    unreadable: tuple[Unreadable, ...]
    products: int
    licensed: int
    machines: int
    command: str = "diagnose"
    outcome: str = "complete"
    notes: tuple[str, ...] = field(default=())

    def summary(self) -> dict[str, Any]:
        """As :meth:`adba.core.results.DiagnoseResult.summary`."""
        by = Counter(f[RULE_ID] for f in self.findings)
        return {"reports_read": len(self.reports), "reports_unreadable": len(self.unreadable),
                "products": self.products, "by_diagnosis": dict(sorted(by.items()))}

    def severities(self) -> list[Rated]:
        """Each severity the findings have, once (what the exit code looks at)."""
        return [_Rated(Severity(value)) for value in {f[SEVERITY] for f in self.findings}]

    def verdict(self) -> str:
        """As :func:`adba.core.verdict.diagnose_result_verdict`."""
        counts = Counter(f[SEVERITY] for f in self.findings)
        return diagnose_verdict(self.products, self.licensed, self.machines,
                                len(self.unreadable),
                                counts={Severity(v): n for v, n in counts.items()})


_COMPACT = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))
"""``json.dumps(value, ensure_ascii=False, separators=(",", ":"))``, one encoder for all calls."""


def compact(value: Any) -> str:
    """JSON text as :func:`~adba.cli.render_json.dumps` writes a large document (compact, C1,
    bidi and surrogates escaped: done here, in the worker, part by part)."""
    return json_escape(_COMPACT.encode(value))


_string = json.encoder.encode_basestring
"""The string encoder of ``json.dumps(..., ensure_ascii=False)`` (the C one when there is one)."""


def _escaped(text: str) -> str:
    """``text`` as a JSON string, escaped as :func:`compact` escapes (escaping is character by
    character, so the parts of a document can be escaped one by one)."""
    return json_escape(_string(text))


@functools.lru_cache(maxsize=1024)
def _kept_string(text: str) -> str:
    """``_escaped(text)``, kept: a rule's title, explanation, remediation and link are the
    same for thousands of findings."""
    return _escaped(text)


def _text(value: str | None) -> str:
    if value is None:
        return "null"
    return _kept_string(value) if len(value) <= 2048 else _escaped(value)


def finding_text(f: Finding) -> str:
    """``compact(finding_json(f))``, written from the encoded strings (each rule's constant
    texts encoded once per process)."""
    return "".join((
        '{"rule_id":', _text(f.rule_id), ',"severity":', _text(f.severity.value),
        ',"title":', _text(f.title), ',"subject":', _escaped(f.subject),
        ',"evidence":[', ",".join([_escaped(e) for e in f.evidence]),
        '],"explanation":', _text(f.explanation), ',"remediation":', _text(f.remediation),
        ',"doc_url":', _text(f.doc_url), "}"))


def json_finding(f: Finding) -> JsonFinding:
    """A finding, ready for :func:`assemble_json`."""
    return (f.sort_key(), f.severity.value, f.rule_id, finding_text(f).encode())


class DiagnoseJob:
    """Diagnose one input's reports against the forest: the pairs ``(report, diagnoses)``, or
    with ``as_json`` its :class:`JsonParts`. Picklable (for workers that are spawned, not
    forked): the correlator is rebuilt in each process, the first time it is needed."""

    def __init__(self, data: ForestData, catalog: Catalog, knowledge: KnowledgeBase,
                 options: DiagnoseOptions, emulators: EmulatorList, *, as_json: bool,
                 copies: DcCopies | None = None) -> None:
        self.data = data
        self.copies = copies
        """With ``--client-dc``: every DC's copy, for the reports that name their DC."""
        self._by_dc: dict[str, Correlator] = {}
        self.catalog = catalog
        self.knowledge = knowledge
        self.options = options
        self.emulators = emulators
        self.as_json = as_json
        self._correlator: Correlator | None = None

    def __getstate__(self) -> dict[str, Any]:
        state = dict(self.__dict__)
        state["_correlator"] = None
        state["_by_dc"] = {}
        return state

    def _correlator_for(self, report: ClientReport) -> tuple[Correlator, ClientReport]:
        """The correlator of the DC copy the report is to be checked against, and the report
        with a note saying which copy that was (``--client-dc`` only)."""
        if self.copies is None or not report.domain_controller:
            return self.correlator, report
        name, data, note = self.copies.pick(report.domain_controller)
        report = replace(report, notes=(*report.notes, note))
        if data is None:
            return self.correlator, report
        if name not in self._by_dc:
            explainer = Explainer(functools.partial(describe_code, self.knowledge))
            self._by_dc[name] = Correlator(data, self.catalog, explainer, self.options,
                                           self.emulators)
        return self._by_dc[name], report

    @property
    def correlator(self) -> Correlator:
        """The correlator of this process."""
        if self._correlator is None:
            explainer = Explainer(functools.partial(describe_code, self.knowledge))
            self._correlator = Correlator(self.data, self.catalog, explainer, self.options,
                                          self.emulators)
        return self._correlator

    def __call__(self, item: ReportInput,
                 reports: list[ClientReport]) -> Pairs | JsonParts | UnreadableReport:
        try:
            return self._diagnose(reports)
        except (Exception, RecursionError) as exc:  # one report never takes the others down
            return UnreadableReport(f"could not be diagnosed ({type(exc).__name__}: {exc}); "
                                    "please report it with the file")

    def _diagnose(self, reports: list[ClientReport]) -> Pairs | JsonParts:
        pairs = []
        for report in reports:
            correlator, report = self._correlator_for(report)
            pairs.append((report, correlator.diagnose(report)))
        if not self.as_json:
            return pairs
        products = [d for _r, diags in pairs for d in diags]
        return JsonParts([compact(diagnose_report_json(r, diags)).encode() for r, diags in pairs],
                         [json_finding(f) for d in products for f in d.diagnoses],
                         len(products), sum(1 for d in products if d.state == "licensed"),
                         [d.computer for d in products])


@dataclass(frozen=True)
class DcCopies:
    """Every DC's copy (``adba diagnose --client-dc``): the readable ones by name, the errors
    of the others, and the name of the copy used for reports that name no DC."""

    data: dict[str, ForestData]
    errors: dict[str, str]
    default: str

    def pick(self, named: str) -> tuple[str, ForestData | None, str]:
        """The copy of the DC a client names (its DNS name, or the NetBIOS name its first
        label is), and the note for the report."""
        key = named.lower().rstrip(".")
        for table in (self.data, self.errors):
            for name in table:
                if key in (name.lower(), name.lower().split(".", 1)[0]):
                    if name in self.data:
                        return name, self.data[name], (
                            f"checked against {name}'s copy (the DC the client uses)")
                    return name, None, (f"the client uses {name}, which could not be read "
                                        f"({self.errors[name]}); checked against "
                                        f"{self.default}'s copy")
        return named, None, (f"the client uses {named}, which is not among the forest's DCs; "
                             f"checked against {self.default}'s copy")


_REPORTS = "\x00adba-reports\x00"
_FINDINGS = "\x00adba-findings\x00"


def assemble_json(document: dict[str, Any], reports: list[bytes],
                  findings: list[JsonFinding]) -> str | bytes:
    """``dumps(document)`` where ``document["data"]["reports"]`` and ``document["findings"]``
    are the UTF-8 JSON texts given (findings already sorted): the same text, without decoding
    them. A large document comes back as its UTF-8 bytes without the final newline (the caller
    writes that as text, so a console translates it as it would); every part was escaped by
    :func:`compact`.

    A document shorter than :data:`~adba.cli.render_json.COMPACT_FROM` is written indented, as
    ``dumps`` does: then the parts are decoded and the whole encoded again (small, so cheap)."""
    shell = dict(document, data=dict(document["data"], reports=_REPORTS), findings=_FINDINGS)
    head, rest = compact(shell).split(compact(_REPORTS))
    middle, tail = rest.split(compact(_FINDINGS))
    body = b"".join((head.encode(), b"[", b",".join(reports), b"]", middle.encode(), b"[",
                     b",".join([f[TEXT] for f in findings]), b"]", tail.encode()))
    # COMPACT_FROM counts characters; a character is one to four bytes of UTF-8.
    if len(body) >= 4 * COMPACT_FROM or (len(body) >= COMPACT_FROM
                                         and len(body.decode()) >= COMPACT_FROM):
        return body
    return dumps(json.loads(body))
