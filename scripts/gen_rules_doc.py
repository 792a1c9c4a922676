"""Write docs/rules.md from the rule texts kept beside the rules (a test checks it is current)."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from adba.core.rules import all_rules

HEADER = """# Rules

Every finding `adba scan` reports comes from one of these rules. The rule id is stable: scripts
and monitoring may key on it. The severity shown is the rule's default; a few rules raise it
for a worse case (ADBA-ACL-002 is critical when the principal is a broad group such as Domain
Users or Authenticated Users). Remediation commands are printed with the affected DN filled in.

This file is generated from the rule texts in `adba/core/rules/` by
`python scripts/gen_rules_doc.py`; a test fails when it is out of date.

| Rule | Severity | Title |
| --- | --- | --- |
"""


def render() -> str:
    """The whole document."""
    texts = all_rules()[1]
    lines = [HEADER]
    for t in texts:
        lines.append(f"| [{t.rule_id}](#{t.rule_id.lower()}) | {t.severity.value} | {t.title} |\n")
    for t in texts:
        lines.append(f"\n## {t.rule_id}\n\n**{t.title}** — severity {t.severity.value}\n\n")
        lines.append(f"{t.explanation}\n\n**Remediation:** {t.remediation}\n")
    return "".join(lines)


if __name__ == "__main__":
    target = Path(__file__).resolve().parent.parent / "docs" / "rules.md"
    target.write_text(render(), encoding="utf-8")
    print(f"wrote {target}")
