"""Shared pieces for the diagnose tests: a Correlator on the bundled sample forest."""

from __future__ import annotations

from datetime import UTC, datetime
from functools import lru_cache

from adba.adapters.catalog_file import load_catalog
from adba.adapters.decode import decode_forest
from adba.adapters.hresults_file import load_knowledge_base
from adba.adapters.kms_emulators_file import packaged_emulator_list
from adba.adapters.snapshot import read_snapshot
from adba.cli.sources import demo_path
from adba.core.client import ClientReport, ProductStatus
from adba.core.diagnose import Correlator, DiagnoseOptions, Explainer, ProductDiagnosis
from adba.core.findings import Finding
from adba.core.hresults import describe_code

NOW = datetime(2027, 1, 1, 12, 0, tzinfo=UTC)
WINDOWS = "55c92734-d682-4d71-983e-d6ec3f16059f"


@lru_cache(maxsize=1)
def correlator() -> Correlator:
    """The sample forest, the packaged catalog, knowledge base and emulator list."""
    kb = load_knowledge_base()
    return Correlator(decode_forest(read_snapshot(demo_path())), load_catalog(None, use_env=False),
                      Explainer(lambda code: describe_code(kb, code)),
                      DiagnoseOptions(warn_days=30, now=NOW), packaged_emulator_list())


def diagnose(report: ClientReport) -> list[ProductDiagnosis]:
    """Every product diagnosis of one report."""
    return correlator().diagnose(report)


def findings(report: ClientReport) -> list[Finding]:
    """Every finding of one report, in product order."""
    return [f for d in diagnose(report) for f in d.diagnoses]


def one_product(product: ProductStatus, **report: object) -> ClientReport:
    """A report holding one product (defaults: a slmgr /dlv of machine PC1)."""
    fields: dict[str, object] = {"source": "/srv/reports/pc1-dlv.txt", "format": "slmgr-dlv",
                                 "computer": "PC1"}
    fields.update(report)
    return ClientReport(products=(product,), **fields)  # type: ignore[arg-type]
