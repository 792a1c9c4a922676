"""``adba rules``: every rule's full text, from the package (``adba rules show ADBA-CAT-003``)."""

from __future__ import annotations

from typing import Annotated

import typer

from adba.cli.boundary import Invocation, command
from adba.core.results import RulesResult

RuleId = Annotated[str, typer.Argument(help="A rule id such as ADBA-CAT-003 (any letter case).",
                                       show_default=False)]


def register(app: typer.Typer) -> None:
    """Add the ``adba rules`` group."""
    group = typer.Typer(help="The rules behind adba's findings: list them, or show one in full.",
                        no_args_is_help=True, add_completion=False,
                        pretty_exceptions_enable=False, rich_markup_mode=None,
                        context_settings={"help_option_names": ["-h", "--help"]})
    command(group, "list", full_name="rules list")(list_rules)
    command(group, "show", full_name="rules show")(show_rule)
    app.add_typer(group, name="rules")


def list_rules(run: Invocation) -> RulesResult:
    """List every rule: id, default severity and title."""
    from adba.core.rules import all_rules

    return RulesResult(all_rules()[1], command="rules list")


def show_rule(run: Invocation, rule_id: RuleId) -> RulesResult:
    """Print a rule's full text: what it checks, why it matters, how to fix it."""
    from adba.core.rules import rule_texts
    from adba.errors import UsageError

    texts = rule_texts()
    wanted = rule_id.strip().upper()
    if wanted not in texts:
        close = [r for r in texts if r.startswith(wanted.rsplit("-", 1)[0])][:5]
        raise UsageError(f"no rule {rule_id!r}",
                         ("did you mean " + ", ".join(close) + "? " if close else "")
                         + "'adba rules list' lists them")
    return RulesResult((texts[wanted],), query=wanted, command="rules show")
