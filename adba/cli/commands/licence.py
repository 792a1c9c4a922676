"""``adba licence FILE``: read and verify one ``.xrm-ms`` licence file."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from adba.cli.boundary import Invocation, command
from adba.core.results import LicenceResult

LicenceFile = Annotated[Path, typer.Argument(
    help="An .xrm-ms licence file (or a licence blob saved from an activation object).",
    show_default=False)]


def register(app: typer.Typer) -> None:
    """Add ``adba licence``."""
    command(app, "licence", fail_on=True)(licence)


def licence(run: Invocation, file: LicenceFile) -> LicenceResult:
    """Read an XrML licence file: what it is, its key configuration, and whether its signature
    verifies (integrity under the key it names; never a claim of who holds that key).

    Offline; nothing is fetched. Exit 2 when a licence was changed after signing or the file
    is a known forgery's.
    """
    import hashlib

    from adba.adapters.input_files import read_file
    from adba.adapters.licence_data_file import packaged_licence_data
    from adba.adapters.xrml import MAX_LICENCE_BYTES, read_licence_blob
    from adba.core.licences import signer_chain
    from adba.core.rules.licence_file import licence_file_findings

    data = read_file(file, MAX_LICENCE_BYTES, "licence")
    document = read_licence_blob(data)
    known = packaged_licence_data()
    sha256 = hashlib.sha256(data).hexdigest()
    forged = known.forged(sha256)
    chain = signer_chain(((str(file), document),), known.pins)
    return LicenceResult(
        path=str(file), size=len(data), sha256=sha256, document=document, chain=chain,
        forged=forged, source=known.source_text(forged.sources) if forged else None,
        findings=tuple(licence_file_findings(str(file), document, forged,
                                             known.source_text(forged.sources)
                                             if forged else "")))
