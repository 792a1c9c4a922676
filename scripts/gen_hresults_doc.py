"""Write docs/error-codes.md from adba/data/hresults.json (a test checks it is current)."""

from __future__ import annotations

import re
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from adba.adapters.hresults_file import load_knowledge_base
from adba.core.hresults import (
    HResultEntry,
    HResultSource,
    KnowledgeBase,
    classify,
    format_hresult,
)

HEADER = """# Activation error codes

`adba explain CODE [CODE...]` says what an activation error code (HRESULT) means, what usually
causes it, how to fix it, whether it is specific to Active Directory-based activation (ADBA), and
where each fact comes from. It reads codes the way slmgr, WMI and the event log write them:

```sh
adba explain 0xC004F074          # hex, with or without 0x, any case
adba explain 3221549172          # unsigned decimal, as WMI prints it
adba explain -1073418124         # signed 32-bit decimal
adba explain hr=0xC004F074 C004F081 --format json
```

It exits 0 when every code is known, 1 when one is not (it still names the code's facility, e.g.
"unknown to adba's knowledge base; facility: Win32 error 1275"), and 3 when an argument is not an
error code. `--format json` prints the usual envelope ([json.md](json.md)) with `data.codes`: per
argument the input, the code, `known`, `alias_of`, the entry, its sources and the facility.

The knowledge base is `adba/data/hresults.json` (format `adba-hresults`, version 2): a list of
`sources` and of `codes`. A source has an `id`, a `description` and its provenance: `repo`, `path`
and `commit` (a file of a GitHub repository at a full commit id), or a `url`, or both. A code has
`code` (`0x` and eight upper-case hex digits), `symbol` (the SDK name, or null where no Microsoft
source names it), `meaning`, `usual_cause`, `fix`, `adba` (`specific`, `related` = typical in ADBA
flows, `no`), `kinds`, optional `aliases` (other spellings of the same code) and `source` (ids).
Facility and severity are not stored: they follow from the code's bits (`slerror.h`'s layout for
the Software Licensing facilities 0x4, 0x14 and 0x3F, `HRESULT_FROM_WIN32` for facility 7) and are
shown per entry. Only codes whose meaning a source gives are listed; a code that cannot be sourced
is left out rather than guessed.

Every code of `slerror.h` (414, Windows SDK copy) is in the knowledge base under its symbol; the
names and values are vendored with their provenance in `adba/data/sources/slerror-codes.json`, and a
test checks the two agree. Fixes that depend on the machine's role say so: a GVLK is only ever
advised for a KMS client, a KMS host keeps its CSVLK, and evaluation editions and ESU add-ons get
back exactly the key they had.

**Caveats.** Microsoft's error-code pages cover MAK and KMS only; the ADBA entries come from
`slerror.h`, slmgr.vbs and adba's research notes. slmgr's built-in text for 0xC004F066 ("product
SKU is not found") is `slerror.h`'s text for 0xC004F069; both entries say so. 0x8007007B is
`ERROR_INVALID_NAME`, listed by Microsoft as "DNS name does not exist", and in Microsoft's ADBA case
study it was a red herring on servers with a RETAIL key.

This file is generated from the JSON by `python scripts/gen_hresults_doc.py`; a test fails when it
is out of date.

"""

ADBA_TITLE = {
    "specific": "Specific to ADBA",
    "related": "Typical in ADBA flows",
    "no": "KMS, MAK and general",
}


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


_PREAMBLE = re.compile(r"^(?:slerror\.h: '?)?(?:The Software Licensing Service "
                       r"(?:reported|determined) (?:that )?)?(?:the (?:product|computer) could "
                       r"not be activated\. (?=\S))?", re.IGNORECASE)


def _short(text: str, limit: int = 100) -> str:
    """The gist of a meaning for the summary: slerror.h's preamble dropped, first sentence."""
    gist = _PREAMBLE.sub("", text, count=1)
    gist = gist[:1].upper() + gist[1:]
    first = gist.split(". ")[0].rstrip(".")
    return first if len(first) <= limit else first[: limit - 1].rstrip() + "…"


def _entry(entry: HResultEntry) -> str:
    title = f"### {entry.hex}" + (f" {entry.symbol}" if entry.symbol else "")
    lines = [title, ""]
    if entry.aliases:
        lines += ["Also written " + ", ".join(f"`{format_hresult(a)}`" for a in entry.aliases)
                  + ".", ""]
    lines += [
        f"- **Meaning:** {entry.meaning}",
        f"- **Usual cause:** {entry.usual_cause}",
        f"- **Fix:** {entry.fix}",
        f"- **ADBA:** {entry.adba}; **kinds:** {', '.join(entry.kinds)}; "
        f"**facility:** {classify(entry.code).text}; **severity:** {entry.severity}",
        f"- **Sources:** {', '.join(f'[{s}](#source-{s})' for s in entry.source)}",
        "",
    ]
    return "\n".join(lines)


def render(kb: KnowledgeBase | None = None) -> str:
    """The whole document."""
    kb = kb or load_knowledge_base()
    parts = [HEADER, f"## Summary\n\n{len(kb.entries)} codes.\n\n"]
    for relevance in ("specific", "related", "no"):
        rows = [e for e in kb.entries if e.adba == relevance]
        if not rows:
            continue
        parts.append(f"### {ADBA_TITLE[relevance]}\n\n| Code | Symbol | Meaning |\n| --- | --- | --- |\n")
        for e in rows:
            anchor = e.hex.lower() + (f"-{e.symbol.lower()}" if e.symbol else "")
            parts.append(f"| [{e.hex}](#{anchor}) | {e.symbol or '–'} | {_cell(_short(e.meaning))} |\n")
        parts.append("\n")
    for relevance in ("specific", "related", "no"):
        rows = [e for e in kb.entries if e.adba == relevance]
        if rows:
            parts.append(f"## {ADBA_TITLE[relevance]}\n\n")
            parts += [_entry(e) + "\n" for e in rows]
    parts.append("## Sources\n\n")
    for s in kb.sources:
        where = ""
        if isinstance(s, HResultSource):
            if s.repo and s.path and s.commit:
                where += f" `{s.repo}` `{s.path}` at `{s.commit}`."
            if s.url:
                where += f" <{s.url}>"
        parts.append(f'<a id="source-{s.id}"></a>**{s.id}**: {s.description}{where}\n\n')
    return "".join(parts).rstrip("\n") + "\n"


if __name__ == "__main__":
    target = Path(__file__).resolve().parent.parent / "docs" / "error-codes.md"
    target.write_text(render(), encoding="utf-8")
    print(f"wrote {target}")
