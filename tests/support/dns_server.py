"""A tiny authoritative DNS server on loopback for DC-discovery tests (dnspython messages).

It answers SRV, A and AAAA queries from a fixed table over UDP and stops with the test.
"""

from __future__ import annotations

import socket
import threading
from types import TracebackType

import dns.message
import dns.rcode
import dns.rdataclass
import dns.rdatatype
import dns.rrset


class DnsServer:
    """Serve ``records``: name -> list of (type, text) pairs, e.g. ("SRV", "0 100 389 dc1.x.")."""

    def __init__(self, records: dict[str, list[tuple[str, str]]], host: str = "127.0.0.1") -> None:
        self.records = {k.lower().rstrip(".") + ".": v for k, v in records.items()}
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind((host, 0))
        self.sock.settimeout(0.2)
        self.address = f"{host}:{self.sock.getsockname()[1]}"
        self.queries: list[str] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)

    def __enter__(self) -> DnsServer:
        self._thread.start()
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self._stop.set()
        self._thread.join(2)
        self.sock.close()

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                data, peer = self.sock.recvfrom(4096)
            except TimeoutError:
                continue
            except OSError:
                return
            query = dns.message.from_wire(data)
            response = dns.message.make_response(query)
            question = query.question[0]
            name = question.name.to_text().lower()
            rdtype = dns.rdatatype.to_text(question.rdtype)
            self.queries.append(f"{name} {rdtype}")
            answers = [text for kind, text in self.records.get(name, []) if kind == rdtype]
            if name not in self.records:
                response.set_rcode(dns.rcode.NXDOMAIN)
            elif answers:
                response.answer.append(dns.rrset.from_text_list(
                    question.name, 60, dns.rdataclass.IN, question.rdtype, answers))
            self.sock.sendto(response.to_wire(), peer)
