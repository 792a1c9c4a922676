"""Enumerate computer accounts page by page, decoding each into a small ``Computer``."""

from __future__ import annotations

from collections.abc import Callable, Iterator

from adba.adapters.computer_records import computer_from_attributes
from adba.adapters.ldap.directory import ReadOnlyDirectory, SearchEntry
from adba.core.coverage import Computer

COMPUTER_FILTER = "(objectCategory=computer)"
COMPUTER_ATTRIBUTES = ("cn", "dNSHostName", "operatingSystem", "operatingSystemVersion",
                       "lastLogonTimestamp", "userAccountControl")
PAGE_SIZE = 1000


def iter_computer_attributes(directory: ReadOnlyDirectory, base: str,
                             progress: Callable[[int], None] | None = None,
                             ) -> Iterator[tuple[str, dict[str, list[bytes]]]]:
    """Yield (DN, raw attributes) of every computer under ``base`` as pages arrive.

    The search is sent at once; the caller may do other work before it iterates.
    """
    entries = directory.stream(base, COMPUTER_FILTER, COMPUTER_ATTRIBUTES, PAGE_SIZE)
    return _count(entries, progress)


def _count(entries: Iterator[SearchEntry], progress: Callable[[int], None] | None,
           ) -> Iterator[tuple[str, dict[str, list[bytes]]]]:
    count = 0
    for entry in entries:
        count += 1
        if progress is not None and count % PAGE_SIZE == 0:
            progress(count)
        yield entry.dn, entry.attributes
    if progress is not None:
        progress(count)


def iter_computers(directory: ReadOnlyDirectory, base: str,
                   progress: Callable[[int], None] | None = None) -> Iterator[Computer]:
    """Every computer under ``base`` as pages arrive (never all held at once); the search is
    sent at once."""
    raw = iter_computer_attributes(directory, base, progress)
    return (computer_from_attributes(dn, attrs) for dn, attrs in raw)
