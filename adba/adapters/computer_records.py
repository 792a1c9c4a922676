"""Decode computer-account attributes (from LDAP or a snapshot) into ``Computer`` records."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from adba.core.coverage import UF_ACCOUNTDISABLE, Computer

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
