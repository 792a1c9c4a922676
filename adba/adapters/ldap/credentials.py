"""Bind credentials that never show their secret."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum


class AuthMethod(StrEnum):
    """Bind methods: ``auto`` picks Kerberos when a ticket is cached, else simple (then NTLM)."""

    AUTO = "auto"
    SIMPLE = "simple"
    KERBEROS = "kerberos"
    NTLM = "ntlm"


@dataclass(frozen=True)
class Credentials:
    """A user name and password; ``repr`` and ``str`` never include the password."""

    user: str
    password: str = field(repr=False)

    def __str__(self) -> str:
        return f"Credentials(user={self.user!r}, password=<redacted>)"

    __repr__ = __str__

    @property
    def form(self) -> str:
        """``upn``, ``down-level`` (DOMAIN\\user) or ``dn``."""
        if "\\" in self.user:
            return "down-level"
        if "=" in self.user:
            return "dn"
        if "@" in self.user:
            return "upn"
        return "plain"
