"""Bind credentials that never show their secret."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum


class AuthMethod(StrEnum):
    """Bind methods: ``auto`` picks Kerberos when a ticket is cached, else simple (then NTLM).

    ``ntlm`` binds with SASL GSS-SPNEGO, or with Sicily when the DC offers no GSS-SPNEGO;
    ``ntlm-sicily`` always uses the Sicily bind of Windows DCs."""

    AUTO = "auto"
    SIMPLE = "simple"
    KERBEROS = "kerberos"
    NTLM = "ntlm"
    NTLM_SICILY = "ntlm-sicily"

    @property
    def is_ntlm(self) -> bool:
        """Whether this is one of the NTLM methods."""
        return self in (AuthMethod.NTLM, AuthMethod.NTLM_SICILY)


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
