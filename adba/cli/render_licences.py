"""Licences in the reports: per object in ``adba scan`` and for one file in ``adba licence``
(JSON fields in docs/json.md; the wording "integrity verified under key X" everywhere)."""

from __future__ import annotations

from typing import Any

from rich.console import Console
from rich.markup import escape as _markup_escape
from rich.table import Table
from rich.text import Text

from adba.core.licence_checks import ObjectLicences, object_licences
from adba.core.licences import ChainLink, Licence, LicenceDocument, SignatureCheck, Verdict
from adba.core.models import LICENCE_ATTRIBUTES, ActivationObject, Blob
from adba.core.results import LicenceResult
from adba.core.sanitize import clean


def escape(text: str) -> str:
    """Text from a licence (or a file name), inert on a terminal and in rich markup."""
    return _markup_escape(clean(text))


def _pins() -> tuple[Any, ...]:
    from adba.adapters.licence_data_file import packaged_licence_data

    return packaged_licence_data().pins


def view(obj: ActivationObject) -> ObjectLicences:
    """What the object's licences say, with the packaged key pins."""
    return object_licences(obj, _pins())


# --- JSON ---------------------------------------------------------------------------------

def signature_json(check: SignatureCheck) -> dict[str, Any]:
    """A signature check."""
    return {"verdict": check.verdict.value, "step": check.step.value if check.step else None,
            "signer": check.signer.fingerprint if check.signer else None,
            "key_bits": check.signer.bits if check.signer else None,
            "detail": check.detail}


def licence_json(lic: Licence, link: ChainLink | None) -> dict[str, Any]:
    """One licence."""
    config = lic.key_config
    return {
        "licence_id": lic.licence_id, "title": lic.title, "type": lic.licence_type,
        "category": lic.category, "sku_id": lic.sku_id, "application_id": lic.application_id,
        "product_name": lic.product_name, "description": lic.description,
        "channel": lic.channel, "links": dict(lic.links),
        "kms_counted_ids": list(lic.kms_counted_ids), "issued": lic.issued,
        "signature": signature_json(lic.signature),
        "certified_by": None if link is None or link.certified_by is None else {
            "attribute": link.certified_by[0], "licence_id": link.certified_by[1]},
        "pinned": None if link is None or link.pinned is None else {
            "owner": link.pinned.owner, "source": link.pinned.source},
        "certifies": list(lic.certified_keys), "trusted_roots": list(lic.trusted_roots),
        "key_config": None if config is None else {
            "configurations": len(config.configurations), "key_ranges": len(config.ranges),
            "public_keys": len(config.public_key_groups), "compressed": config.compressed,
            "key_types": sorted({c.key_type for c in config.configurations}),
            "error": config.error},
    }


def document_json(doc: LicenceDocument | None, attribute: str,
                  licences: ObjectLicences | None) -> dict[str, Any]:
    """A blob's content: readable or why not, and its licences."""
    if doc is None:
        return {"read": False, "error": None, "encoding": None, "group": None, "licences": []}
    return {"read": True, "error": doc.error, "encoding": doc.encoding or None,
            "group": doc.group,
            "licences": [licence_json(lic, licences.link(attribute, lic.licence_id)
                                      if licences else None) for lic in doc.licences]}


def blob_json(attribute: str, blob: Blob, licences: ObjectLicences) -> dict[str, Any]:
    """One licence attribute of an object in ``adba scan``."""
    return {"size": blob.size, "sha256": blob.sha256,
            **document_json(blob.content, attribute, licences)}


def summary_json(obj: ActivationObject, licences: ObjectLicences) -> dict[str, Any]:
    """What the licences say about the object: its CSVLK's configuration entry."""
    config = licences.config
    csvlk = config.csvlk if config else None
    return {
        "digest_only": list(licences.digest_only),
        "csvlk_config": None if config is None else {
            "found": csvlk is not None,
            "entries": [{"act_config_id": e.act_config_id, "ref_group_id": e.ref_group_id,
                         "edition_id": e.edition_id, "key_type": e.key_type,
                         "description": e.description} for e in config.entries],
            "group_matches": config.group_matches,
            "serial_in_range": config.serial_in_range},
        "signers": sorted({link.signer for link in licences.chain}),
    }


def object_licence_json(obj: ActivationObject) -> tuple[dict[str, Any], dict[str, Any]]:
    """(``licences``, ``licence_summary``) of an object."""
    licences = view(obj)
    return ({name: blob_json(name, blob, licences) for name, blob in obj.licences},
            summary_json(obj, licences))


def licence_file_json(result: LicenceResult) -> dict[str, Any]:
    """``adba licence FILE``."""
    links = {(link.licence_id): link for link in result.chain}
    doc = result.document
    forged = result.forged
    return {"path": result.path, "size": result.size, "sha256": result.sha256,
            "known_forgery": None if forged is None else {
                "what": forged.what, "attribute": forged.attribute, "source": result.source},
            "read": True, "error": doc.error, "encoding": doc.encoding or None,
            "group": doc.group,
            "licences": [licence_json(lic, links.get(lic.licence_id or "?"))
                         for lic in doc.licences]}


# --- text ---------------------------------------------------------------------------------

def signature_text(check: SignatureCheck) -> str:
    """One line: integrity verified under key X / FAILED at step / could not verify."""
    key = check.signer.fingerprint if check.signer else None
    if check.verdict is Verdict.VERIFIED:
        return f"[green]integrity verified[/green] under key {key}"
    if check.verdict is Verdict.UNVERIFIABLE:
        return f"[yellow]could not verify[/yellow]: {escape(check.detail)}"
    step = check.step.value if check.step else "?"
    return f"[red]FAILED at the {step} step[/red]: {escape(check.detail)}"


def _licence_lines(lic: Licence, link: ChainLink | None) -> list[str]:
    head = f"{escape(lic.kind)} {escape(lic.licence_id or '(no id)')}"
    if lic.sku_id:
        product = ", ".join(p for p in (lic.product_name, lic.channel) if p)
        head += f" · SKU {lic.sku_id}" + (f" ({escape(product)})" if product else "")
    lines = [head, "  " + signature_text(lic.signature)]
    if link is not None and link.pinned is not None:
        lines.append(f"  key belongs to {escape(link.pinned.owner)} (pin: "
                     f"{escape(link.pinned.source)})")
    if link is not None and link.certified_by is not None:
        lines.append(f"  signer certified by {escape(link.certified_by[0])} licence "
                     f"{escape(link.certified_by[1])}")
    for key in lic.certified_keys:
        lines.append(f"  certifies key {key} (right to issue)")
    config = lic.key_config
    if config is not None:
        if config.error:
            lines.append(f"  [red]key configuration unreadable[/red]: {escape(config.error)}")
        else:
            lines.append(f"  key configuration: {len(config.configurations)} configurations, "
                         f"{len(config.ranges)} key ranges"
                         + (" (compressed)" if config.compressed else ""))
    return lines


def licence_rows(obj: ActivationObject) -> list[tuple[str, str]]:
    """Rows for an object's block in the scan report."""
    licences = view(obj)
    rows: list[tuple[str, str]] = []
    order = {a.lower(): i for i, a in enumerate(LICENCE_ATTRIBUTES)}
    for name, blob in sorted(obj.licences, key=lambda nb: order.get(nb[0].lower(), 99)):
        label = f"   {name.removeprefix('msSPP-')}"
        if blob.content is None:
            rows.append((label, f"{blob.size:,} bytes, sha256 {blob.sha256[:16]}… "
                                "(content not in this source)"))
            continue
        doc = blob.content
        if doc.error is not None:
            rows.append((label, f"[red]not a readable licence[/red]: {escape(doc.error)}"))
            continue
        lines: list[str] = []
        for lic in doc.licences:
            lines.extend(_licence_lines(lic, licences.link(name, lic.licence_id)))
        rows.append((label, "\n".join(lines)))
    config = licences.config
    if config is not None:
        csvlk = config.csvlk
        if csvlk is None:
            rows.append(("   CSVLK config", "[red]no Volume:CSVLK entry for this SKU[/red]"))
        else:
            fit = {True: "matches the PID", False: "[red]differs from the PID[/red]",
                   None: "not compared"}
            rows.append(("   CSVLK config", f"{escape(csvlk.description or csvlk.edition_id)} · "
                                           f"group {csvlk.ref_group_id} "
                                           f"{fit[config.group_matches]}"))
    return rows


def render_licence_file(console: Console, result: LicenceResult) -> None:
    """``adba licence FILE`` as text."""
    from adba.cli.render_text import render_findings

    doc = result.document
    console.print(Text(f"Licence file {clean(result.path)}", style="bold"), soft_wrap=True)
    table = Table.grid(padding=(0, 1))
    table.add_column(no_wrap=True, style="bold")
    table.add_column(overflow="fold")
    table.add_row("Size", f"{result.size:,} bytes")
    table.add_row("SHA-256", result.sha256)
    if result.forged is not None:
        table.add_row("Known", f"[red]{escape(result.forged.what)}[/red]")
    if doc.error is not None:
        table.add_row("Content", f"[red]not a readable licence[/red]: {escape(doc.error)}")
    else:
        table.add_row("Content", ("licence group of " if doc.group else "single licence, ")
                      + f"{len(doc.licences)} licence(s), {doc.encoding}")
    console.print(table)
    links = {link.licence_id: link for link in result.chain}
    for i, lic in enumerate(doc.licences, 1):
        console.print()
        lines = _licence_lines(lic, links.get(lic.licence_id or "?"))
        console.print(f"{i}. " + lines[0], soft_wrap=True)
        for line in lines[1:]:
            console.print("  " + line, soft_wrap=True)
        if lic.title:
            console.print(f"    title: {escape(lic.title)}", soft_wrap=True)
        for key, value in lic.links:
            console.print(f"    {escape(key)}: {escape(value)}", soft_wrap=True)
        if lic.trusted_roots:
            console.print("    trusted root keys: " + ", ".join(lic.trusted_roots),
                          soft_wrap=True)
    console.print()
    render_findings(console, list(result.findings))
