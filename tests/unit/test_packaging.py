"""Packaging facts that must not drift: project URLs, the tested lower bounds, the licence."""

from __future__ import annotations

import re
import tomllib

from adba import about
from tests.conftest import REPO

PYPROJECT = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))


def test_project_urls_are_the_ones_in_adba_about() -> None:
    urls = PYPROJECT["project"]["urls"]
    assert urls["Homepage"] == about.REPO_URL == "https://github.com/adba-project/adba"
    assert urls["Documentation"] == about.DOCS_URL
    assert urls["Issues"] == about.ISSUES_URL
    assert about.docs_url("rules.md", "adba-forge-001") == (
        "https://github.com/adba-project/adba/blob/main/docs/rules.md#adba-forge-001")


def _lower_bounds() -> dict[str, str]:
    bounds: dict[str, str] = {}
    for spec in PYPROJECT["project"]["dependencies"]:
        match = re.fullmatch(r"([A-Za-z0-9_.-]+)>=([0-9.]+)(,<[0-9.]+)?", spec)
        assert match, f"{spec!r}: every dependency needs a lower bound (name>=X[,<Y])"
        bounds[match.group(1).lower()] = match.group(2)
    return bounds


def _oldest_pins() -> dict[str, str]:
    pins: dict[str, str] = {}
    for line in (REPO / "ci" / "oldest-deps.txt").read_text(encoding="utf-8").splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            name, version = line.split("==")
            pins[name.lower()] = version
    return pins


def _release(version: str) -> tuple[int, ...]:
    parts = [int(p) for p in version.split(".")]
    return tuple(parts + [0] * (3 - len(parts)))


def test_oldest_deps_pin_each_dependency_at_its_lower_bound() -> None:
    """.ci/run runs the unit tests with ci/oldest-deps.txt: that tests the bounds only while
    each pin is the bound itself (2.4 and 2.4.0 are the same release)."""
    bounds, pins = _lower_bounds(), _oldest_pins()
    assert set(pins) == set(bounds)
    assert {n: _release(v) for n, v in pins.items()} == {n: _release(v) for n, v in bounds.items()}


def test_the_licence_is_the_metadata_s() -> None:
    assert PYPROJECT["project"]["license"] == "MIT"
    text = (REPO / "LICENSE").read_text(encoding="utf-8")
    assert text.startswith("MIT License") and "Copyright (c) 2026 the adba authors" in text


def test_the_html_templates_are_package_data() -> None:
    """The wheel carries adba/templates (the HTML report cannot render without them)."""
    from fnmatch import fnmatch

    patterns = PYPROJECT["tool"]["setuptools"]["package-data"]["adba"]
    templates = sorted((REPO / "adba" / "templates").glob("*"))
    assert templates
    for path in templates:
        relative = path.relative_to(REPO / "adba").as_posix()
        assert any(fnmatch(relative, p) for p in patterns), f"{relative} is not package data"
