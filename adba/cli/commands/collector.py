"""``adba collector``: print the client-side collector script, byte for byte.

``adba collector > Collect-AdbaStatus.ps1`` gives the admin the PowerShell script that writes one
``adba-collector`` JSON document per machine (docs/collector.md). The bytes go out unchanged
(ASCII, CRLF line ends): no rich formatting, no re-encoding, no added newline.
"""

from __future__ import annotations

from importlib import resources

import typer

from adba.cli.boundary import Invocation, command
from adba.core.results import WrittenFile

SCRIPT_NAME = "Collect-AdbaStatus.ps1"


def script_bytes() -> bytes:
    """The packaged collector script as stored (``adba/data/Collect-AdbaStatus.ps1``)."""
    return (resources.files("adba") / "data" / SCRIPT_NAME).read_bytes()


def register(app: typer.Typer) -> None:
    """Add ``adba collector``."""
    command(app, "collector", formats=False,
            output_help="Write the script to this file instead of stdout.")(collector)


def collector(run: Invocation) -> WrittenFile:
    """Print the PowerShell collector to run on clients (Collect-AdbaStatus.ps1).

    It writes one JSON document per machine (activation state and Security-SPP events,
    never a full product key) for 'adba diagnose'. See docs/collector.md.
    """
    data = script_bytes()
    run.output.write_bytes(data)
    return WrittenFile(f"{len(data):,} bytes", command="collector")
