"""The HTML report: one self-contained file (inline CSS and SVG, no script, no network), from
the same typed result as the text and JSON output (through :mod:`adba.cli.report_view`).

Templates are Jinja2 with autoescaping on, under ``adba/templates``. Every value printed goes
through :func:`adba.core.sanitize.clean` first (control and bidi characters shown escaped), then
through HTML escaping: a DN or display name holding ``<script>`` is shown as text. A
Content-Security-Policy meta forbids every load but inline styles and ``data:`` images, so even
a page edited by hand cannot call out.
"""

from __future__ import annotations

from datetime import UTC, datetime
from functools import cache
from typing import Any

from adba.cli.report_view import ReportView, build_view, category
from adba.core.sanitize import clean

CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; form-action 'none'; base-uri 'none'"


def _finalize(value: Any) -> Any:
    """Every printed value: text cleaned of control characters (escaping follows)."""
    if value is None:
        return ""
    if isinstance(value, str):
        return clean(value)
    return value


@cache
def environment() -> Any:
    """The Jinja2 environment: templates from the package, autoescape on, strict undefined."""
    import jinja2

    env = jinja2.Environment(
        loader=jinja2.PackageLoader("adba", "templates"),
        autoescape=True, finalize=_finalize, undefined=jinja2.StrictUndefined,
        trim_blocks=True, lstrip_blocks=True)
    env.filters["category"] = category
    env.globals["anchor"] = anchor
    return env


def anchor(text: str) -> str:
    """An id attribute value made of the text's letters and digits only."""
    return "".join(c if c.isalnum() else "-" for c in text.lower()).strip("-") or "x"


def coverage_chart(coverage: dict[str, Any] | None) -> dict[str, Any] | None:
    """Bars of the coverage chart: per family, the widths (in % of the largest family) of
    covered active, uncovered active, stale and disabled computers."""
    if not coverage or not coverage.get("families"):
        return None
    families = coverage["families"]
    biggest = max((f.get("active", 0) + f.get("stale", 0) + f.get("disabled", 0)
                   for f in families), default=0) or 1
    bars = []
    for f in families:
        active = int(f.get("active", 0))
        covered = active if f.get("covered") else 0
        parts = [("covered", covered), ("uncovered", active - covered
                                        if f.get("adba_capable") and f.get("kms_id") else 0),
                 ("other", active - covered if not (f.get("adba_capable") and f.get("kms_id"))
                  else 0),
                 ("stale", int(f.get("stale", 0))), ("disabled", int(f.get("disabled", 0)))]
        x = 0.0
        segments = []
        for kind, n in parts:
            if n <= 0:
                continue
            width = 100.0 * n / biggest
            segments.append({"kind": kind, "n": n, "x": round(x, 3), "width": round(width, 3)})
            x += width
        bars.append({"family": f.get("family"), "segments": segments,
                     "total": active + int(f.get("stale", 0)) + int(f.get("disabled", 0))})
    return {"bars": bars, "height": 26 * len(bars) + 30}


def html_document(result: Any, exit_code: int, now: datetime | None = None) -> str:
    """The whole HTML report of a command's result."""
    generated = (now or datetime.now(UTC)).strftime("%Y-%m-%d %H:%M:%S %Z")
    view = build_view(result, exit_code, generated)
    return render_view(view, result)


def render_view(view: ReportView, result: Any = None) -> str:
    """Render a report view with the template of its command (or the generic one)."""
    env = environment()
    data = view.data
    extra: dict[str, Any] = {}
    if view.command == "consistency":
        # The report template's "containers" is a scan's; the comparisons are shown as data.
        data = {("container_comparisons" if k == "containers" else k): v
                for k, v in data.items()}
    if view.command == "diff":
        template = "diff.html.j2"
    else:
        template = "report.html.j2"
        extra["chart"] = coverage_chart(data.get("coverage"))
        extra["objects"] = data.get("objects") if view.command in ("scan", "coverage") else None
    return str(env.get_template(template).render(view=view, data=data, csp=CSP, **extra))
