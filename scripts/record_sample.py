"""Record the bundled sample forest (adba/data/sample-forest.json) from the real test DC.

Starts the same Samba AD DC the integration tests use (tests/integration/seeds.py: MAIN), runs
``adba snapshot`` against it as the plain user over validated LDAPS, and writes the result.
Needs root and Samba (scripts/test.sh installs it). Run: python scripts/record_sample.py
"""

from __future__ import annotations

import dataclasses
import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from tests.integration import seeds  # noqa: E402
from tests.testdc import start_dc  # noqa: E402

TARGET = REPO / "adba" / "data" / "sample-forest.json"


def main() -> int:
    """Start the DC, snapshot it, stop it."""
    # The object carrying the public forgery's licence files (read from ../shared) is left
    # out: those files may not be copied into the repository.
    spec = dataclasses.replace(seeds.MAIN, ip="127.0.0.15", objects=tuple(
        o for o in seeds.MAIN.objects if o.cn != seeds.COPIED_LICENCES_CN))
    with start_dc(spec) as dc:
        env = dict(os.environ, ADBA_PASSWORD=dc.user_password)
        proc = subprocess.run(
            [sys.executable, "-m", "adba", "snapshot", "--server", dc.ip, "--user", dc.user_upn,
             "--ca-file", str(dc.ca_file), "--computers", "-o", str(TARGET)],
            env=env, cwd=REPO, check=False)
    return proc.returncode


if __name__ == "__main__":
    raise SystemExit(main())
