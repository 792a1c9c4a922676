"""``adba collector``: print the client-side collector script, byte for byte.

``adba collector > Collect-AdbaStatus.ps1`` gives the admin the PowerShell script that writes one
``adba-collector`` JSON document per machine (docs/collector.md). The bytes go to stdout
unchanged (ASCII, CRLF line ends): no rich formatting, no re-encoding, no added newline.
"""

from __future__ import annotations

import sys
from importlib import resources
from pathlib import Path
from typing import Annotated

import typer

SCRIPT_NAME = "Collect-AdbaStatus.ps1"


def script_bytes() -> bytes:
    """The packaged collector script as stored (``adba/data/Collect-AdbaStatus.ps1``)."""
    return (resources.files("adba") / "data" / SCRIPT_NAME).read_bytes()


def register(app: typer.Typer) -> None:
    """Add the command to the app."""

    @app.command("collector")
    def collector(
        output: Annotated[Path | None, typer.Option(
            "--output", "-o", help="Write the script to this file instead of stdout.")] = None,
    ) -> None:
        """Print the PowerShell collector to run on clients (Collect-AdbaStatus.ps1).

        It writes one JSON document per machine (activation state and Security-SPP events,
        never a full product key) for 'adba diagnose'. See docs/collector.md.
        """
        data = script_bytes()
        if output is not None:
            output.write_bytes(data)
            typer.echo(f"adba: wrote {output} ({len(data):,} bytes)", err=True)
            return
        sys.stdout.flush()
        sys.stdout.buffer.write(data)
        sys.stdout.buffer.flush()
