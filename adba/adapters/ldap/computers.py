"""Enumerate computer accounts page by page, decoding each into a small ``Computer``."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta

from adba.adapters.ldap.directory import ReadOnlyDirectory
from adba.core.coverage import UF_ACCOUNTDISABLE, Computer

COMPUTER_FILTER = "(objectCategory=computer)"
COMPUTER_ATTRIBUTES = ("cn", "dNSHostName", "operatingSystem", "operatingSystemVersion",
                       "lastLogonTimestamp", "userAccountControl")
PAGE_SIZE = 1000
_FILETIME_EPOCH = datetime(1601, 1, 1, tzinfo=UTC)


def filetime_to_datetime(value: str | bytes | None) -> datetime | None:
    """AD's 100-ns intervals since 1601 (as text) to an aware datetime; None for 0 or garbage."""
    if value is None:
        return None
    text = value.decode("ascii", "replace") if isinstance(value, bytes) else value
    if not text.strip().lstrip("-").isdigit():
        return None
    ticks = int(text)
    if ticks <= 0 or ticks >= 0x7FFFFFFFFFFFFFFF:
        return None
    return _FILETIME_EPOCH + timedelta(microseconds=ticks // 10)


def computer_from_attributes(dn: str, attrs: dict[str, list[bytes]]) -> Computer:
    """Decode one computer entry's raw values."""

    def first(name: str) -> str | None:
        values = attrs.get(name)
        if not values:
            for key, vals in attrs.items():
                if key.lower() == name.lower():
                    values = vals
                    break
        return values[0].decode("utf-8", "replace") if values else None

    uac_text = first("userAccountControl")
    uac = int(uac_text) if uac_text and uac_text.lstrip("-").isdigit() else 0
    cn = first("cn") or dn.split(",", 1)[0].split("=", 1)[-1]
    return Computer(
        name=cn,
        dns_host_name=first("dNSHostName"),
        operating_system=first("operatingSystem"),
        os_version=first("operatingSystemVersion"),
        last_logon=filetime_to_datetime(first("lastLogonTimestamp")),
        enabled=not uac & UF_ACCOUNTDISABLE,
    )


def iter_computer_attributes(directory: ReadOnlyDirectory, base: str,
                             progress: Callable[[int], None] | None = None,
                             ) -> Iterator[tuple[str, dict[str, list[bytes]]]]:
    """Yield (DN, raw attributes) of every computer under ``base`` as pages arrive."""
    count = 0
    for entry in directory.stream(base, COMPUTER_FILTER, COMPUTER_ATTRIBUTES, PAGE_SIZE):
        count += 1
        if progress is not None and count % PAGE_SIZE == 0:
            progress(count)
        yield entry.dn, entry.attributes
    if progress is not None:
        progress(count)


def iter_computers(directory: ReadOnlyDirectory, base: str,
                   progress: Callable[[int], None] | None = None) -> Iterator[Computer]:
    """Yield every computer under ``base`` as pages arrive (never all held at once)."""
    for dn, attrs in iter_computer_attributes(directory, base, progress):
        yield computer_from_attributes(dn, attrs)
