"""Debian's headless Chromium, driven by Playwright, for the HTML report tests.

Chromium is a required test dependency like the Samba DC: scripts/test.sh installs it with apt
and the Python package from the test extra; a missing browser fails the test (never a skip).
Every request the page makes is recorded and every one but the report file itself is aborted,
so a report that tried to load anything would show it in ``requests``.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import REPO

CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update",
                  "--disable-sync"]


def artifacts_dir() -> Path:
    """Where the tests leave screenshots for a person to look at: ``test-artifacts/`` in the
    checkout (ignored by git), or ``$ADBA_TEST_ARTIFACTS``."""
    path = Path(os.environ.get("ADBA_TEST_ARTIFACTS") or REPO / "test-artifacts")
    path.mkdir(parents=True, exist_ok=True)
    return path


def chromium() -> str:
    """The Chromium executable; the test fails when there is none."""
    path = shutil.which("chromium") or "/usr/bin/chromium"
    if not Path(path).is_file():
        pytest.fail("Debian's chromium is required for the HTML report tests and is missing "
                    "(scripts/test.sh installs it: apt-get install chromium)", pytrace=False)
    return path


@dataclass
class PageLog:
    """What the page did: every request, those aborted, console errors, uncaught errors."""

    allowed: str
    requests: list[str] = field(default_factory=list)
    blocked: list[str] = field(default_factory=list)
    console_errors: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)


@contextmanager
def report_page(report: Path, *, bypass_csp: bool = False) -> Iterator[tuple[Any, PageLog]]:
    """The report opened from its file in a fresh headless Chromium (JavaScript on, so a
    script that got through would run)."""
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.fail("the Python package playwright is required (pip install -e '.[test]')",
                    pytrace=False)
    log = PageLog(allowed=report.resolve().as_uri())
    with tempfile.TemporaryDirectory(prefix="adba-chromium-") as profile, \
            sync_playwright() as pw:
        context = pw.chromium.launch_persistent_context(
            profile, executable_path=chromium(), headless=True, args=CHROMIUM_FLAGS,
            viewport={"width": 1280, "height": 900}, bypass_csp=bypass_csp,
            service_workers="block")
        try:
            def route(r: Any) -> None:
                url = r.request.url
                if url == log.allowed:
                    r.continue_()
                else:
                    log.blocked.append(url)
                    r.abort()

            context.route("**/*", route)
            context.on("request", lambda req: log.requests.append(req.url))
            page = context.new_page()
            page.on("console", lambda m: log.console_errors.append(m.text)
                    if m.type == "error" else None)
            page.on("pageerror", lambda e: log.page_errors.append(str(e)))
            page.goto(log.allowed, wait_until="load")
            yield page, log
        finally:
            context.close()
