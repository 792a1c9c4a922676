"""Checks made before anything is asked of the user: is the DC's name known to DNS at all?

A password prompt for a host that does not exist, followed by advice to raise ``--timeout``,
sends the admin the wrong way; the name is resolved first.
"""

from __future__ import annotations

import ipaddress
import socket

from adba.adapters.ldap.target import Transport, parse_server
from adba.errors import ConnectionFailed


def check_server_resolves(server: str, transport: Transport) -> None:
    """Raise :class:`ConnectionFailed` when ``--server``'s host name does not resolve."""
    host = parse_server(server, transport).host
    try:
        ipaddress.ip_address(host)
        return
    except ValueError:
        pass
    try:
        socket.getaddrinfo(host, None, type=socket.SOCK_STREAM)
    except socket.gaierror as exc:
        if exc.errno in (socket.EAI_AGAIN,):
            return  # DNS is slow or down: let the connection report it with its timeout
        raise ConnectionFailed(f"--server {host}: no such host (the name does not resolve)",
                               "check the spelling, give the DC's full DNS name or its IP "
                               "address, or use --domain to find DCs through DNS") from exc
    except UnicodeError as exc:
        raise ConnectionFailed(f"--server {host!r}: not a valid host name",
                               "give the DC's DNS name or IP address") from exc
