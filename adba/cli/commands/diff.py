"""``adba diff OLD NEW``: what changed between two scans (JSON envelopes) or snapshots."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from adba.cli import options as opt
from adba.cli.boundary import Invocation, command
from adba.core.results import DiffResult

Old = Annotated[Path, typer.Argument(
    metavar="OLD", help="The earlier run: 'adba scan --format json' output or a snapshot.")]
New = Annotated[Path, typer.Argument(metavar="NEW", help="The later run, of the same kind.")]

HELP_EPILOG = ("Exit codes: 0 no change; 1 a change (or a new finding below high); 2 a new high "
               "or critical finding (at or above --fail-on); 3 the files could not be compared.")


def register(app: typer.Typer) -> None:
    """Add ``adba diff``."""
    command(app, "diff", fail_on=True, epilog=HELP_EPILOG)(diff)


def _side(path: Path, product_db: Path | None) -> tuple[Any, dict[str, str]]:
    from contextlib import nullcontext

    from adba.adapters.diff_input import diff_input, kind_of, read_envelope

    if kind_of(path) == "snapshot":
        from adba.cli.analysis import analyse_forest
        from adba.cli.render_json import data_json, finding_json
        from adba.cli.sources import LiveOptions

        offline = LiveOptions(None, None, None, None, None, "auto", True, False, None, False, 10.0)
        scanned = analyse_forest(snapshot=path, ldif=None, demo=False, live=offline,
                                 product_db=product_db, coverage=False, stale_days=90,
                                 max_listed=None, search_base=None,
                                 progress=(nullcontext(), lambda _msg: None))
        return diff_input(path, "snapshot", "scan", data_json(scanned),
                          [finding_json(f) for f in scanned.findings],
                          scanned.data.source.tool_version)
    doc = read_envelope(path)
    tool = doc.get("tool")
    version = tool.get("version") if isinstance(tool, dict) else None
    return diff_input(path, doc["command"], doc["command"], doc["data"], doc.get("findings"),
                      version if isinstance(version, str) else None)


def diff(run: Invocation, old: Old, new: New,
         product_db: opt.ProductDb = None) -> DiffResult:
    """Compare two runs of the same forest: objects added, removed or changed (which
    attributes), container permission entries, findings that appeared or went away, coverage.

    OLD and NEW are each 'adba scan --format json' (or 'adba coverage --format json') output,
    or an 'adba snapshot' file (judged with this version's rules). Never connects to a DC.
    """
    from adba.core.diff import compare, incomparable
    from adba.errors import UsageError

    old_side, old_names = _side(old, product_db)
    new_side, new_names = _side(new, product_db)
    why = incomparable(old_side.side, new_side.side)
    if why is not None:
        raise UsageError(*why)
    result = compare(old_side, new_side)
    names = {**old_names, **new_names}
    return DiffResult(old=old_side.side, new=new_side.side, diff=result,
                      names=tuple(sorted(names.items())), findings=result.appeared,
                      notes=result.notes, outcome="changed" if result.changed else "complete")
