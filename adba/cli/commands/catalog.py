"""``adba catalog``: what a CSVLK, KMS ID, client SKU or application GUID is, from the catalog.

    adba catalog [SEARCH]            list everything, or the rows matching a name or GUID
    adba catalog explain GUID        one GUID, its relations and the sources of each fact
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
from typer.core import TyperGroup

from adba.about import DOCS_URL
from adba.cli import options as opt
from adba.cli.boundary import Invocation, command
from adba.core.results import CatalogExplainResult, CatalogListResult

HELP = """Look up Windows/Office volume-activation GUIDs in adba's product catalog.

'adba catalog [SEARCH]' lists the catalog, or the rows whose name or GUID matches SEARCH;
'adba catalog explain GUID' tells what a GUID is and how it relates to the others.
--product-db FILE (ADBA_PRODUCT_DB) adds or corrects rows (see
""" + DOCS_URL + "catalog.md)."


class _ListByDefault(TyperGroup):
    """A group whose first argument, when it is not a sub-command, is the search text of 'list'."""

    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:
        if not args or (args[0] not in self.commands and args[0] not in ctx.help_option_names):
            args = ["list", *args]
        return super().parse_args(ctx, args)


Search = Annotated[str | None, typer.Argument(
    help="Part of a name, or a GUID in any common form ({...}, upper case, no dashes).")]
Guid = Annotated[str, typer.Argument(help="The GUID, in any common form.")]


def register(app: typer.Typer) -> None:
    """Add the ``adba catalog`` group."""
    group = typer.Typer(cls=_ListByDefault, help=HELP, no_args_is_help=False,
                        add_completion=False, pretty_exceptions_enable=False,
                        rich_markup_mode=None, context_settings={"help_option_names":
                                                                 ["-h", "--help"]})
    command(group, "list", full_name="catalog")(list_rows)
    command(group, "explain", full_name="catalog explain")(explain_guid)
    app.add_typer(group, name="catalog")


def _load(product_db: Path | None) -> Any:
    from adba.adapters.catalog_file import load_catalog

    return load_catalog(product_db, use_env=False)  # typer already read ADBA_PRODUCT_DB


def list_rows(run: Invocation, search: Search = None, *,
              product_db: opt.ProductDb = None) -> CatalogListResult:
    """List the catalog, or the rows matching SEARCH (exit 1 when nothing matches)."""
    cat = _load(product_db)
    if search is None:
        rows = [*(("csvlk", r) for r in sorted(cat.csvlks, key=lambda r: r.name.lower())),
                *(("kms_id", r) for r in sorted(cat.kms_ids, key=lambda r: r.name.lower())),
                *(("client_sku", r) for r in sorted(cat.client_skus,
                                                    key=lambda r: r.name.lower())),
                *(("application", r) for r in sorted(cat.applications,
                                                     key=lambda r: r.name.lower()))]
    else:
        rows = list(cat.search(search))
    return CatalogListResult(cat, search, tuple(rows),
                             outcome="complete" if rows or search is None else "incomplete")


def explain_guid(run: Invocation, guid: Guid, *,
                 product_db: opt.ProductDb = None) -> CatalogExplainResult:
    """Say what a GUID is (CSVLK, KMS ID, client SKU, application), its relations and sources.

    Exit 0 when the catalog knows it, 1 when it does not, 3 when it is not a GUID.
    """
    from adba.core.catalog import parse_guid
    from adba.errors import UsageError

    value = parse_guid(guid)
    if value is None:
        raise UsageError(f"not a GUID: {guid!r}",
                         "give 32 hex digits, with or without dashes and braces")
    cat = _load(product_db)
    matches = tuple(cat.explain(value))
    return CatalogExplainResult(cat, guid, str(value), matches,
                                outcome="complete" if matches else "incomplete")
