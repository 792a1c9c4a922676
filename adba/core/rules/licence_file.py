"""Findings for one licence file (``adba licence FILE``): the licence rules that need no
activation object (signature, readability, known forged files)."""

from __future__ import annotations

from adba.core.findings import Finding, make_finding
from adba.core.licence_data import ForgedFile
from adba.core.licences import LicenceDocument, Step, Verdict
from adba.core.rules.licences import CHANGED, KNOWN_FORGERY, UNREADABLE, UNVERIFIABLE

_FILE_HINT = "Do not store this licence on an activation object; obtain the genuine file."


def licence_file_findings(path: str, doc: LicenceDocument, forged: ForgedFile | None,
                          source: str) -> list[Finding]:
    """What is wrong with one licence file, worst first."""
    found: list[Finding] = []
    if forged is not None:
        found.append(make_finding(KNOWN_FORGERY, path, [f"equals {forged.what}",
                                                       f"source: {source}"],
                                  remediation=_FILE_HINT))
    if doc.error is not None:
        found.append(make_finding(UNREADABLE, path, [doc.error], remediation=_FILE_HINT))
    for lic in doc.licences:
        check = lic.signature
        where = f"licence {lic.licence_id or '(no licenseId)'} ({lic.kind})"
        if check.verdict is Verdict.FAILED and check.step is Step.STRUCTURE:
            found.append(make_finding(UNREADABLE, path, [where, check.detail],
                                      title="A licence is not signed in SPP's form",
                                      remediation=_FILE_HINT))
        elif check.verdict is Verdict.FAILED:
            step = check.step.value if check.step else "?"
            found.append(make_finding(CHANGED, path, [where, f"failed at the {step} step: "
                                                             f"{check.detail}"],
                                      remediation=_FILE_HINT))
        elif check.verdict is Verdict.UNVERIFIABLE:
            found.append(make_finding(UNVERIFIABLE, path, [where, check.detail]))
    return sorted(found, key=Finding.sort_key)
