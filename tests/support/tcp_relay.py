"""A loopback stand-in for a DC without an LDAPS certificate, in front of the real test DC.

``NoLdapsFront(ip, dc_ip)`` relays ``ip:389`` byte for byte to ``dc_ip:389``; port 636 is
either closed (connection refused) or, with ``reset_tls=True``, accepts and resets the
connection at once, as a Windows DC without a certificate answers a TLS handshake.
"""

from __future__ import annotations

import contextlib
import socket
import struct
import threading
from types import TracebackType


class NoLdapsFront:
    """Relay LDAP on ``ip``:389 to the DC; refuse or reset LDAPS on ``ip``:636."""

    def __init__(self, ip: str, dc_ip: str, *, reset_tls: bool = False) -> None:
        self.ip = ip
        self.dc_ip = dc_ip
        self._ldap = socket.create_server((ip, 389))
        self._ldaps = socket.create_server((ip, 636)) if reset_tls else None
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        self.relayed = 0
        self.reset = 0

    def __enter__(self) -> NoLdapsFront:
        for listener, handler in ((self._ldap, self._relay), (self._ldaps, self._reset)):
            if listener is None:
                continue
            listener.settimeout(0.2)
            thread = threading.Thread(target=self._accept, args=(listener, handler), daemon=True)
            thread.start()
            self._threads.append(thread)
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join(2)
        self._ldap.close()
        if self._ldaps:
            self._ldaps.close()

    def _accept(self, listener: socket.socket, handler: object) -> None:
        while not self._stop.is_set():
            try:
                conn, _addr = listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            threading.Thread(target=handler, args=(conn,), daemon=True).start()  # type: ignore[arg-type]

    def _reset(self, conn: socket.socket) -> None:
        self.reset += 1
        conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        conn.close()

    def _relay(self, client: socket.socket) -> None:
        self.relayed += 1
        upstream = socket.create_connection((self.dc_ip, 389), timeout=10)

        def pump(src: socket.socket, dst: socket.socket) -> None:
            with contextlib.suppress(OSError):
                while True:
                    data = src.recv(65536)
                    if not data:
                        break
                    dst.sendall(data)
            with contextlib.suppress(OSError):
                dst.shutdown(socket.SHUT_WR)

        back = threading.Thread(target=pump, args=(upstream, client), daemon=True)
        back.start()
        pump(client, upstream)
        back.join(30)
        client.close()
        upstream.close()


__all__ = ["NoLdapsFront"]
