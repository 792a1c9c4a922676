"""A loopback stand-in for a DC without an LDAPS certificate, in front of the real test DC.

``NoLdapsFront(ip, dc_ip)`` relays ``ip:389`` byte for byte to ``dc_ip:389`` and keeps what it
relayed (``to_dc``, ``from_dc``: a capture of the wire, as tshark would see it); port 636 is
either closed (connection refused) or accepts and resets the connection, as a Windows DC
without a certificate (or a load balancer in front of one) answers a TLS handshake:

* ``reset_tls="on-accept"``: reset as soon as it is accepted.  Whether the client's
  ``connect()`` or its TLS handshake sees the RST is up to the kernels' timing (both happen
  here); adba must fall back either way.
* ``reset_tls="after-hello"``: wait for the client's first TLS record, then reset: the
  handshake, never ``connect()``, sees it.
"""

from __future__ import annotations

import contextlib
import socket
import struct
import threading
from types import TracebackType

from tests.support.listeners import Listeners


class NoLdapsFront:
    """Relay LDAP on ``ip``:389 to the DC; refuse or reset LDAPS on ``ip``:636."""

    def __init__(self, ip: str, dc_ip: str, *, reset_tls: str | None = None) -> None:
        if reset_tls not in (None, "on-accept", "after-hello"):
            raise ValueError(f"reset_tls: None, 'on-accept' or 'after-hello', not {reset_tls!r}")
        self.ip = ip
        self.dc_ip = dc_ip
        self.reset_tls = reset_tls
        self._listeners = Listeners()
        self._listeners.add(socket.create_server((ip, 389)), self._relay)
        if reset_tls:
            self._listeners.add(socket.create_server((ip, 636)), self._reset)
        self.relayed = 0
        self.reset = 0
        self.hello: bytes = b""  # with "after-hello": the first bytes the client sent
        self.to_dc = bytearray()  # every byte relayed, each way: a capture of the wire
        self.from_dc = bytearray()

    def __enter__(self) -> NoLdapsFront:
        self._listeners.start()
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self._listeners.stop()

    def _reset(self, conn: socket.socket) -> None:
        if self.reset_tls == "after-hello":
            with contextlib.suppress(OSError):
                self.hello = conn.recv(5)  # a TLS record header: 0x16 (handshake), version
        self.reset += 1
        conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        conn.close()

    def _relay(self, client: socket.socket) -> None:
        self.relayed += 1
        upstream = socket.create_connection((self.dc_ip, 389), timeout=10)

        def pump(src: socket.socket, dst: socket.socket, capture: bytearray) -> None:
            with contextlib.suppress(OSError):
                while True:
                    data = src.recv(65536)
                    if not data:
                        break
                    capture += data
                    dst.sendall(data)
            with contextlib.suppress(OSError):
                dst.shutdown(socket.SHUT_WR)

        back = threading.Thread(target=pump, args=(upstream, client, self.from_dc), daemon=True)
        back.start()
        pump(client, upstream, self.to_dc)
        back.join(30)
        client.close()
        upstream.close()


__all__ = ["NoLdapsFront"]
