"""Shared fixtures: the real Samba AD DCs (started once per session, on first use)."""

from __future__ import annotations

import logging
import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.integration import seeds
from tests.testdc import DCSpec, RunningDC, join_dc, samba_available, start_dc


@pytest.fixture(autouse=True)
def _adba_logger_restored() -> Iterator[None]:
    """A command run in-process (typer's CliRunner) sets up adba's logger for a terminal; put it
    back so later tests' caplog sees adba's records again."""
    logger = logging.getLogger("adba")
    saved = (logger.handlers[:], logger.level, logger.propagate)
    yield
    logger.handlers[:], logger.level, logger.propagate = saved[0], saved[1], saved[2]

REPO = Path(__file__).resolve().parent.parent


def shared_testdata(*parts: str) -> Path:
    """A file or folder under ``../shared/testdata/`` (beside the clone, as CI lays it out), e.g.
    ``shared_testdata("xrml", "phone.xrm-ms")`` for data that may not be copied into the
    repository. Absent: the test fails under CI=true (CI always has shared/) and is skipped,
    saying why, in a clone with nothing beside it."""
    path = REPO.parent.joinpath("shared", "testdata", *parts)
    if not path.exists():
        message = f"{path} is missing (shared/ beside the clone holds this test data)"
        if os.environ.get("CI") == "true":
            pytest.fail(f"{message}; CI must have it", pytrace=False)
        pytest.skip(message)
    return path


def _start(spec: DCSpec) -> Iterator[RunningDC]:
    ok, reason = samba_available()
    if not ok:
        pytest.fail(f"the real Samba AD DC is required and unavailable: {reason} "
                    "(run scripts/test.sh, which installs it)", pytrace=False)
    dc = start_dc(spec)
    try:
        yield dc
    finally:
        dc.stop()


@pytest.fixture(scope="session")
def main_dc() -> Iterator[RunningDC]:
    """Forestprep containers, seeded objects, plus a Domain Users create-child ACE."""
    yield from _start(seeds.MAIN)


@pytest.fixture(scope="session")
def old_schema_dc() -> Iterator[RunningDC]:
    """A forest provisioned with the 2008 R2 schema (no msSPP classes)."""
    yield from _start(seeds.OLD_SCHEMA)


@pytest.fixture(scope="session")
def no_au_dc() -> Iterator[RunningDC]:
    """Containers without the Authenticated Users read ACE."""
    yield from _start(seeds.NO_AU_READ)


@pytest.fixture(scope="session")
def missing_dc() -> Iterator[RunningDC]:
    """A 2012 R2 forest where forestprep's containers were never created."""
    yield from _start(seeds.MISSING)


@dataclass
class DCPair:
    """The two-DC lab: ``first`` seeded, ``second`` joined to it (one CA validates both)."""

    first: RunningDC
    second: RunningDC

    def resync(self) -> None:
        """Inbound replication on again on the second DC and the Configuration partition
        pulled from the first: both serve the same copy again."""
        self.second.start_samba()
        self.second.set_inbound_replication(True)
        self.second.replicate_from(self.first)


@pytest.fixture(scope="session")
def dc_pair() -> Iterator[DCPair]:
    """A forest of its own with two DCs (127.0.0.41 and 127.0.0.42), started only for the
    tests that ask for it (per-DC consistency)."""
    for first in _start(seeds.REPL):
        second = join_dc(first, seeds.REPL_SECOND_IP, seeds.REPL_SECOND_HOST)
        try:
            yield DCPair(first, second)
        finally:
            second.stop()


@dataclass
class Run:
    """A finished ``adba`` process."""

    code: int
    stdout: str
    stderr: str


def run_adba(*args: str, env: dict[str, str] | None = None, password: str | None = None,
             stdin: str | None = None, timeout: float = 120, colour: bool = False) -> Run:
    """Run ``python -m adba`` as a user would, in a real process; no colours unless asked."""
    full_env = {k: v for k, v in os.environ.items()
                if not k.startswith("ADBA_") and k not in ("NO_COLOR", "FORCE_COLOR")}
    if not colour:
        full_env["NO_COLOR"] = "1"
    full_env["COLUMNS"] = "200"
    if password is not None:
        full_env["ADBA_PASSWORD"] = password
    full_env.update(env or {})
    proc = subprocess.run([sys.executable, "-m", "adba", *args], capture_output=True, text=True,
                          env=full_env, cwd=REPO, input=stdin, timeout=timeout, check=False)
    return Run(proc.returncode, proc.stdout, proc.stderr)


def live_args(dc: RunningDC, *extra: str) -> list[str]:
    """Arguments for a validated LDAPS scan as the plain user."""
    return ["--server", dc.ip, "--user", dc.user_upn, "--ca-file", str(dc.ca_file), *extra]
