"""Text and JSON of ``adba catalog``: catalog rows, a GUID's relations and their sources."""

from __future__ import annotations

import uuid
from typing import Any

from rich.console import Console
from rich.table import Table

from adba.core.catalog import Catalog, Entry, catalog_doc, entry_id
from adba.core.results import CatalogExplainResult, CatalogListResult

KIND_LABEL = {"csvlk": "CSVLK", "kms_id": "KMS ID", "client_sku": "client SKU",
              "application": "application"}


def list_text(console: Console, result: CatalogListResult) -> None:
    """The catalog (or the rows matching the search) as a table, then the count."""
    cat = result.catalog
    if not result.rows:
        console.print(f"no catalog entry matches {result.query!r} ({cat.origin})", markup=False)
        return
    title = f"adba product catalog {cat.catalog_version} ({cat.origin})"
    table = Table(title=title, title_justify="left")
    table.add_column("kind", no_wrap=True)
    table.add_column("GUID", no_wrap=True, min_width=36)
    table.add_column("name", overflow="fold")
    table.add_column("family / KMS ID", overflow="fold")
    for kind, row in result.rows:
        table.add_row(KIND_LABEL[kind], str(entry_id(row)), row.name,
                      _relation_column(cat, kind, row))
    console.print(table)
    n = len(result.rows)
    console.print(f"{n} entr{'y' if n == 1 else 'ies'}")


def list_json(result: CatalogListResult) -> dict[str, Any]:
    """``data`` of ``adba catalog``: the query and the catalog document (only matching rows)."""
    doc = catalog_doc(result.catalog)
    if result.query is not None:
        keep = {(k, entry_id(r)) for k, r in result.rows}
        for list_name, kind, key in (("applications", "application", "id"),
                                     ("kms_ids", "kms_id", "id"),
                                     ("client_skus", "client_sku", "id"),
                                     ("csvlks", "csvlk", "sku_id")):
            doc[list_name] = [r for r in doc[list_name] if (kind, uuid.UUID(r[key])) in keep]
        doc["os_families"] = []
    return {"query": result.query, "catalog": doc}


def explain_text(console: Console, result: CatalogExplainResult) -> None:
    """What the catalog knows of the GUID, one block per match."""
    cat = result.catalog
    if not result.matches:
        shown = (result.text if result.text.strip().lower() == result.guid
                 else f"{result.text} (= {result.guid})")
        console.print(f"{shown}: unknown to the catalog ({cat.origin})", markup=False)
        return
    for i, (kind, row) in enumerate(result.matches):
        if i:
            console.print()
        for line in _explain_lines(cat, kind, row):
            console.print(line, markup=False, soft_wrap=True)


def explain_json(result: CatalogExplainResult) -> dict[str, Any]:
    """``data`` of ``adba catalog explain``."""
    return {"guid": result.guid, "input": result.text, "known": bool(result.matches),
            "matches": [_match_json(result.catalog, kind, row) for kind, row in result.matches]}


def _name(cat: Catalog, guid: uuid.UUID | None) -> str:
    if guid is None:
        return "-"
    row = cat.kms_id(guid) or cat.application(guid)
    return row.name if row is not None else "unknown to the catalog"


def _relation_column(cat: Catalog, kind: str, row: Entry) -> str:
    from adba.core.catalog import ClientSku, Csvlk, KmsId

    if isinstance(row, KmsId):
        flags = [f for f, on in (("synthetic", row.synthetic), ("retail", row.retail),
                                 ("preview", row.preview)) if on]
        return row.family + (f" ({', '.join(flags)})" if flags else "")
    if isinstance(row, ClientSku):
        if row.kms_id is None:
            return "no KMS ID"
        text = f"{_name(cat, row.kms_id)} ({row.kms_id})"
        return text + (f" +{len(row.alt_kms_ids)} by build" if row.alt_kms_ids else "")
    if isinstance(row, Csvlk):
        basis = "Microsoft's list" if row.kms_ids_complete else "lower bound"
        return f"{len(row.kms_ids)} KMS IDs ({basis})"
    return ""


def _src(sources: tuple[str, ...]) -> str:
    return "[" + ", ".join(sources) + "]"


def _kms_line(cat: Catalog, guid: uuid.UUID) -> str:
    row = cat.kms_id(guid)
    if row is None:
        return f"{guid}  unknown to the catalog"
    extra = " (synthetic py-kms alias)" if row.synthetic else ""
    return f"{guid}  {row.name}{extra}  {_src(row.source)}"


def _explain_lines(cat: Catalog, kind: str, row: Entry) -> list[str]:
    from adba.core.catalog import Application, ClientSku, Csvlk, KmsId

    lines: list[str] = []
    if isinstance(row, Csvlk):
        flags = [f for f, on in (("Microsoft internal lab", row.lab), ("Azure only", row.azure_only),
                                 ("pre-release", row.preview)) if on]
        lines.append(f"{row.sku_id}: CSVLK (msSPP-CSVLKSkuId) {row.name}"
                     + (f" ({', '.join(flags)})" if flags else ""))
        lines.append(f"  sources: {', '.join(row.source)}")
        lines.append(f"  application: {_name(cat, row.app_id)}"
                     + (f" ({row.app_id})" if row.app_id else ""))
        lines.append(f"  key group: {row.group_id if row.group_id is not None else 'unknown'}; "
                     "key blocks: " + (", ".join(f"{s}-{e}" for s, e in row.key_blocks) or "unknown"))
        basis = ("Microsoft's own KmsCountedIdList (complete)" if row.kms_ids_complete
                 else "not Microsoft's own list: a lower bound, the object's own msSPP-KMSIds "
                      "may hold more")
        lines.append(f"  KMS IDs it counts ({len(row.kms_ids)}; {basis}):")
        lines += [f"    {_kms_line(cat, k)}" for k in row.kms_ids]
    elif isinstance(row, KmsId):
        lines.append(f"{row.id}: KMS ID (msSPP-KMSIds value) {row.name}")
        lines.append(f"  family: {row.family}; application: {_name(cat, row.app_id)} ({row.app_id})")
        flags = [f for f, on in (("synthetic py-kms alias, never in a genuine object", row.synthetic),
                                 ("retail", row.retail), ("preview", row.preview)) if on]
        if flags:
            lines.append(f"  flags: {', '.join(flags)}")
        if row.support_end:
            lines.append(f"  end of Microsoft support: {row.support_end.isoformat()}")
        lines.append(f"  sources: {', '.join(row.source)}")
        if row.notes:
            lines.append(f"  notes: {row.notes}")
        csvlks = cat.csvlks_enabling(row.id)
        lines.append(f"  CSVLKs that count it ({len(csvlks)}):")
        lines += [f"    {c.sku_id}  {c.name}  {_src(c.source)}" for c in csvlks]
        skus = cat.skus_for_kms_id(row.id)
        lines.append(f"  client SKUs that ask for it ({len(skus)}):")
        for s in skus:
            how = "" if s.kms_id == row.id else " (build-dependent alternative)"
            lines.append(f"    {s.id}  {s.name}{how}  {_src(s.source)}")
    elif isinstance(row, ClientSku):
        lines.append(f"{row.id}: client SKU (SoftwareLicensingProduct.ID) {row.name}")
        lines.append(f"  application: {_name(cat, row.app_id)} ({row.app_id})")
        lines.append(f"  sources: {', '.join(row.source)}")
        lines.append(f"  GVLK: {row.gvlk or 'none known'}")
        if row.kms_id is None:
            lines.append("  KMS ID: none known")
        else:
            lines.append(f"  KMS ID: {_kms_line(cat, row.kms_id)}")
        for alt in row.alt_kms_ids:
            lines.append(f"  also, depending on the build: {_kms_line(cat, alt)}")
        enabling = {c.sku_id: c for k in row.all_kms_ids for c in cat.csvlks_enabling(k)}
        lines.append(f"  CSVLKs that count its KMS ID ({len(enabling)}):")
        lines += [f"    {c.sku_id}  {c.name}" for c in sorted(enabling.values(), key=lambda c: c.name)]
    elif isinstance(row, Application):
        lines.append(f"{row.id}: application {row.name}")
        lines.append(f"  sources: {', '.join(row.source)}")
        kms = [k for k in cat.kms_ids if k.app_id == row.id]
        skus = [s for s in cat.client_skus if s.app_id == row.id]
        lines.append(f"  {len(kms)} KMS IDs, {len(skus)} client SKUs")
    reconciled = cat.source("adba-reconciliation")
    if reconciled is not None and reconciled.id in row.source:
        lines.append(f"  adba-reconciliation: {reconciled.description}")
    return lines


def _match_json(cat: Catalog, kind: str, row: Entry) -> dict[str, Any]:
    from adba.core.catalog import ClientSku, Csvlk, KmsId, entry_doc

    relations: dict[str, Any] = {}
    if isinstance(row, Csvlk):
        relations["kms_ids"] = [{"id": str(k), "name": _name(cat, k)} for k in row.kms_ids]
    elif isinstance(row, KmsId):
        relations["csvlks"] = [{"sku_id": str(c.sku_id), "name": c.name}
                               for c in cat.csvlks_enabling(row.id)]
        relations["client_skus"] = [{"id": str(s.id), "name": s.name}
                                    for s in cat.skus_for_kms_id(row.id)]
    elif isinstance(row, ClientSku):
        relations["kms_ids"] = [{"id": str(k), "name": _name(cat, k)} for k in row.all_kms_ids]
        enabling = {c.sku_id: c for k in row.all_kms_ids for c in cat.csvlks_enabling(k)}
        relations["csvlks"] = [{"sku_id": str(c.sku_id), "name": c.name}
                               for c in sorted(enabling.values(), key=lambda c: str(c.sku_id))]
    sources = [{"id": s, "description": src.description}
               for s in row.source if (src := cat.source(s)) is not None]
    return {"kind": kind, "row": entry_doc(row), "relations": relations, "sources": sources}
