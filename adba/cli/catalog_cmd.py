"""``adba catalog``: what a CSVLK, KMS ID, client SKU or application GUID is, from the product catalog.

    adba catalog [SEARCH]            list everything, or the rows matching a name or GUID
    adba catalog explain GUID        one GUID, its relations and the sources of each fact

The lead mounts ``catalog_app`` with ``app.add_typer(catalog_app, name="catalog")``. This module
must not import ``adba.cli.app`` at import time (that module imports this one while it loads).
"""

from __future__ import annotations

import os
import sys
import uuid
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from typer.core import TyperGroup

if TYPE_CHECKING:
    from rich.console import Console

    from adba.core.catalog import Catalog, Entry

HELP = """Look up Windows/Office volume-activation GUIDs in adba's product catalog.

'adba catalog [SEARCH]' lists the catalog, or the rows whose name or GUID matches SEARCH;
'adba catalog explain GUID' tells what a GUID is and how it relates to the others.
--product-db FILE (ADBA_PRODUCT_DB) adds or corrects rows (see docs/catalog.md).
"""


class CatalogFormat(StrEnum):
    """Output formats (the same values as ``adba scan --format``)."""

    TEXT = "text"
    JSON = "json"


class _ListByDefault(TyperGroup):
    """A group whose first argument, when it is not a sub-command, is the search text of 'list'."""

    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:
        if not args or (args[0] not in self.commands and args[0] not in ctx.help_option_names):
            args = ["list", *args]
        return super().parse_args(ctx, args)


catalog_app = typer.Typer(cls=_ListByDefault, help=HELP, no_args_is_help=False,
                          add_completion=False, pretty_exceptions_enable=False,
                          rich_markup_mode=None)

ProductDb = Annotated[Path | None, typer.Option(
    "--product-db", envvar="ADBA_PRODUCT_DB",
    help="A JSON catalog file that adds or corrects rows (see docs/catalog.md).")]
Format = Annotated[CatalogFormat, typer.Option("--format", "-f", envvar="ADBA_FORMAT",
                                               help="Output format.")]

KIND_LABEL = {"csvlk": "CSVLK", "kms_id": "KMS ID", "client_sku": "client SKU",
              "application": "application"}


def _console() -> Console:
    from rich.console import Console

    width = None if sys.stdout.isatty() or os.environ.get("COLUMNS") else 140
    return Console(width=width, color_system=None if os.environ.get("NO_COLOR") else "auto",
                   highlight=False)


def _fail(exc: Exception, fmt: CatalogFormat, command: str) -> None:
    from adba.cli.app import OutputFormat
    from adba.cli.app import _fail as fail

    fail(exc, OutputFormat(fmt.value), command, False)


def _emit_json(command: str, code: int, data: Any) -> None:
    from adba.cli.exit_codes import STATUS, ExitCode
    from adba.cli.render_json import dumps, envelope

    sys.stdout.write(dumps(envelope(command, STATUS[ExitCode(code)], code, data, [], [])))
    sys.stdout.flush()


def _load(product_db: Path | None) -> Catalog:
    from adba.adapters.catalog_file import load_catalog

    # typer already resolved ADBA_PRODUCT_DB into product_db
    return load_catalog(product_db, use_env=False)


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


@catalog_app.command("list")
def list_cmd(
    search: Annotated[str | None, typer.Argument(
        help="Part of a name, or a GUID in any common form ({...}, upper case, no dashes).")] = None,
    product_db: ProductDb = None,
    fmt: Format = CatalogFormat.TEXT,
) -> None:
    """List the catalog, or the rows matching SEARCH (exit 1 when nothing matches)."""
    from adba.core.catalog import catalog_doc, entry_id

    try:
        cat = _load(product_db)
        rows = _all_rows(cat) if search is None else cat.search(search)
    except Exception as exc:  # the one error boundary of this command
        _fail(exc, fmt, "catalog")
        return
    code = 0 if rows or search is None else 1
    if fmt is CatalogFormat.JSON:
        doc = catalog_doc(cat)
        if search is not None:
            keep = {(k, entry_id(r)) for k, r in rows}
            for list_name, kind, key in (("applications", "application", "id"),
                                         ("kms_ids", "kms_id", "id"),
                                         ("client_skus", "client_sku", "id"),
                                         ("csvlks", "csvlk", "sku_id")):
                doc[list_name] = [r for r in doc[list_name] if (kind, uuid.UUID(r[key])) in keep]
            doc["os_families"] = []
        _emit_json("catalog", code, {"query": search, "catalog": doc})
        raise typer.Exit(code)
    if not rows:
        typer.echo(f"adba: no catalog entry matches {search!r}", err=True)
        raise typer.Exit(code)
    from rich.table import Table

    title = f"adba product catalog {cat.catalog_version} ({cat.origin})"
    table = Table(title=title, title_justify="left")
    table.add_column("kind", no_wrap=True)
    table.add_column("GUID", no_wrap=True)
    table.add_column("name")
    table.add_column("family / KMS ID")
    for kind, row in rows:
        table.add_row(KIND_LABEL[kind], str(entry_id(row)), row.name,
                      _relation_column(cat, kind, row))
    console = _console()
    console.print(table)
    console.print(f"{len(rows)} entr{'y' if len(rows) == 1 else 'ies'}")
    raise typer.Exit(code)


def _all_rows(cat: Catalog) -> list[tuple[str, Entry]]:
    rows: list[tuple[str, Entry]] = []
    rows += [("csvlk", r) for r in sorted(cat.csvlks, key=lambda r: r.name.lower())]
    rows += [("kms_id", r) for r in sorted(cat.kms_ids, key=lambda r: r.name.lower())]
    rows += [("client_sku", r) for r in sorted(cat.client_skus, key=lambda r: r.name.lower())]
    rows += [("application", r) for r in sorted(cat.applications, key=lambda r: r.name.lower())]
    return rows


@catalog_app.command("explain")
def explain_cmd(
    guid: Annotated[str, typer.Argument(help="The GUID, in any common form.")],
    product_db: ProductDb = None,
    fmt: Format = CatalogFormat.TEXT,
) -> None:
    """Say what a GUID is (CSVLK, KMS ID, client SKU, application), its relations and sources.

    Exit 0 when the catalog knows it, 1 when it does not, 3 when it is not a GUID.
    """
    from adba.core.catalog import parse_guid
    from adba.errors import UsageError

    try:
        value = parse_guid(guid)
        if value is None:
            raise UsageError(f"not a GUID: {guid!r}",
                             "give 32 hex digits, with or without dashes and braces")
        cat = _load(product_db)
        matches = cat.explain(value)
    except Exception as exc:
        _fail(exc, fmt, "catalog explain")
        return
    code = 0 if matches else 1
    if fmt is CatalogFormat.JSON:
        _emit_json("catalog explain", code, {
            "guid": str(value), "input": guid, "known": bool(matches),
            "matches": [_match_json(cat, kind, row) for kind, row in matches]})
        raise typer.Exit(code)
    console = _console()
    if not matches:
        shown = guid if guid.strip().lower() == str(value) else f"{guid} (= {value})"
        console.print(f"{shown}: unknown to the catalog ({cat.origin})", markup=False)
        raise typer.Exit(code)
    for i, (kind, row) in enumerate(matches):
        if i:
            console.print()
        for line in _explain_lines(cat, kind, row):
            console.print(line, markup=False, soft_wrap=True)
    raise typer.Exit(code)


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
