"""Where to connect: host, port and transport."""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from enum import StrEnum

from adba.errors import UsageError


class Transport(StrEnum):
    """How the LDAP session is protected."""

    LDAPS = "ldaps"
    STARTTLS = "starttls"
    PLAIN = "plain"

    @property
    def default_port(self) -> int:
        """636 for LDAPS, 389 otherwise."""
        return 636 if self is Transport.LDAPS else 389

    @property
    def uses_tls(self) -> bool:
        """True for LDAPS and StartTLS."""
        return self is not Transport.PLAIN

    @property
    def label(self) -> str:
        """Human label used in report headers."""
        return {"ldaps": "LDAPS", "starttls": "StartTLS", "plain": "plain LDAP"}[self.value]


@dataclass(frozen=True)
class Endpoint:
    """One domain controller to try.

    ``host`` is the name the certificate must carry; ``address`` is what to connect to when it
    differs (a DNS-discovered DC resolved through ``--dns-server``).
    """

    host: str
    port: int
    address: str | None = None

    @property
    def display(self) -> str:
        """``host:port`` (IPv6 hosts in brackets)."""
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{host}:{self.port}"


def parse_server(text: str, transport: Transport) -> Endpoint:
    """Parse ``HOST``, ``HOST:PORT``, ``[v6]`` or ``[v6]:PORT`` into an endpoint."""
    value = text.strip()
    if not value:
        raise UsageError("--server is empty", "give a DC name such as dc1.contoso.com")
    port: int | None = None
    if value.startswith("["):
        close = value.find("]")
        if close < 0:
            raise UsageError(f"--server {text!r}: missing ']' after an IPv6 address")
        host = value[1:close]
        rest = value[close + 1 :]
        if rest:
            if not rest.startswith(":"):
                raise UsageError(f"--server {text!r}: expected ':PORT' after ']'")
            port = _port(rest[1:], text)
    elif value.count(":") == 1:
        host, port_text = value.split(":")
        port = _port(port_text, text)
    else:
        host = value
    if not host:
        raise UsageError(f"--server {text!r}: no host name")
    return Endpoint(host=host, port=port or transport.default_port)


def _port(text: str, whole: str) -> int:
    if not text.isdigit() or not 0 < int(text) < 65536:
        raise UsageError(f"--server {whole!r}: port must be a number from 1 to 65535")
    return int(text)


def is_ip_address(text: str) -> bool:
    """True when ``text`` is an IPv4 or IPv6 address (not a host name)."""
    try:
        ipaddress.ip_address(text)
    except ValueError:
        return False
    return True
