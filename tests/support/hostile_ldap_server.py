"""A scriptable misbehaving LDAP server on loopback, for the deadline and size-cap tests.

It binds exactly like :class:`~tests.support.windows_bind_server.WindowsBindServer` (NTLM
sealed on plain LDAP, simple binds over LDAPS with the test CA) and serves a minimal forest:
a rootDSE naming ``DC=contoso,DC=test``, the two SPP containers and activation objects under
them; everything else is ``noSuchObject``. ``HostileConfig.mode`` says how it misbehaves:

before the bind (on the first request, the rootDSE read):
  ``silent`` answers nothing; ``garbage`` answers bytes that are not LDAP; ``huge-length``
  announces a 2 GB message and drips it; ``drip`` sends a correct answer one byte every
  ``drip_interval`` s; ``half-close`` sends half of the answer and closes.
after the bind (searches of the forest):
  ``repeat-cookie`` pages the activation objects with the same page and cookie for ever,
  ``same-cookie`` with the same cookie and new entries each page (as Samba's cookie does) up
  to ``pages`` pages,
  ``endless-cookie`` with a new cookie each page (``computers-repeat-cookie`` and
  ``computers-endless-cookie``: the same for the computer accounts); ``huge-attribute`` sends an object
  whose ``displayName`` is ``huge_size`` bytes; ``blob-size`` makes each licence blob
  ``blob_size`` bytes (legal up to 5 MB); ``bad-guids`` sends 15- and 17-byte GUIDs;
  ``referral`` answers the activation-objects search with a referral (and a continuation
  reference) to ``referral_url``; ``tls-drip`` (LDAPS) answers the TLS ClientHello with a
  record header announcing 16 KB and then drips it; ``escapes`` sends an object whose CN (so
  its DN), display name and partial product key carry terminal escape sequences (ESC, BEL, C1 CSI, a bidi
  override); ``ok`` behaves.

Searches are answered with hand-written BER (``ber``), so sizes and lengths are exact.
"""

from __future__ import annotations

import contextlib
import socket
import ssl
import time
from dataclasses import dataclass
from typing import Any

from ldap3.protocol.rfc4511 import LDAPMessage
from ldap3.utils.asn1 import decoder

from adba.adapters.ldap.paged_stream import _header, _op
from tests.support.windows_bind_server import BindServerConfig, WindowsBindServer, _Session

DEFAULT_NC = "DC=contoso,DC=test"
CONFIG_NC = f"CN=Configuration,{DEFAULT_NC}"
SPP_DN = f"CN=Microsoft SPP,CN=Services,{CONFIG_NC}"
AO_DN = f"CN=Activation Objects,{SPP_DN}"
SKU = bytes(range(1, 17))
PRE_BIND_MODES = ("silent", "garbage", "huge-length", "drip", "half-close")
LICENCES = ("msSPP-OnlineLicense", "msSPP-PhoneLicense", "msSPP-ConfigLicense",
            "msSPP-IssuanceLicense")


@dataclass
class HostileConfig(BindServerConfig):
    """A :class:`BindServerConfig` plus the misbehaviour and its sizes."""

    mode: str = "ok"
    drip_interval: float = 0.5
    huge_size: int = 100_000_000
    blob_size: int = 4096
    referral_url: str = ""
    pages: int = 3
    require_signing: bool = True


# --- BER, written by hand ----------------------------------------------------------------

def tlv(tag: int, body: bytes) -> bytes:
    """One BER TLV with a definite length."""
    size = len(body)
    if size < 0x80:
        return bytes([tag, size]) + body
    raw = size.to_bytes((size.bit_length() + 7) // 8, "big")
    return bytes([tag, 0x80 | len(raw)]) + raw + body


def integer(value: int, tag: int = 0x02) -> bytes:
    """A BER INTEGER (or ENUMERATED with ``tag=0x0A``)."""
    return tlv(tag, value.to_bytes(max(1, (value.bit_length() + 8) // 8), "big", signed=True))


def message(msgid: int, op: bytes, controls: bytes = b"") -> bytes:
    """An LDAPMessage around a protocolOp."""
    return tlv(0x30, integer(msgid) + op + controls)


def entry(dn: str, attributes: dict[str, list[bytes]]) -> bytes:
    """A SearchResultEntry protocolOp."""
    parts = [tlv(0x30, tlv(0x04, name.encode()) + tlv(0x31, b"".join(tlv(0x04, v) for v in vals)))
             for name, vals in attributes.items()]
    return tlv(0x64, tlv(0x04, dn.encode()) + tlv(0x30, b"".join(parts)))


def done(code: int = 0, diagnostic: str = "", referrals: tuple[str, ...] = ()) -> bytes:
    """A SearchResultDone protocolOp."""
    body = integer(code, 0x0A) + tlv(0x04, b"") + tlv(0x04, diagnostic.encode())
    if referrals:
        body += tlv(0xA3, b"".join(tlv(0x04, uri.encode()) for uri in referrals))
    return tlv(0x65, body)


def paged_control(cookie: bytes) -> bytes:
    """The controls of a SearchResultDone carrying a paged-results cookie."""
    value = tlv(0x30, integer(0) + tlv(0x04, cookie))
    control = tlv(0x30, tlv(0x04, b"1.2.840.113556.1.4.319") + tlv(0x04, value))
    return tlv(0xA0, control)


def _obj(index: int, **extra: list[bytes]) -> tuple[str, dict[str, list[bytes]]]:
    dn = f"CN={index:02d}{'a' * 6},{AO_DN}"
    attrs = {"objectClass": [b"top", b"msSPP-ActivationObject"], "cn": [f"{index:02d}".encode()],
             "objectGUID": [bytes([index]) * 16], "msSPP-CSVLKSkuId": [SKU],
             "msSPP-CSVLKPartialProductKey": [b"ABCDE"]}
    attrs.update(extra)
    return dn, attrs


@dataclass(frozen=True)
class SearchRequest:
    """What the server needs of a SearchRequest: base, scope, raw filter, attributes."""

    base: str
    scope: int
    filter: bytes
    attributes: tuple[str, ...]


def _search_request(raw: bytes, start: int, end: int) -> SearchRequest:
    _t, s, e = _header(raw, start, end)
    base = raw[s:e].decode()
    _t, s, e2 = _header(raw, e, end)
    scope = raw[s]
    pos = e2
    for _field in range(4):  # derefAliases, sizeLimit, timeLimit, typesOnly
        _t, _s, pos = _header(raw, pos, end)
    _t, fs, fe = _header(raw, pos, end)
    _t, s, ae = _header(raw, fe, end)
    names = []
    while s < ae:
        _t, vs, ve = _header(raw, s, ae)
        names.append(raw[vs:ve].decode())
        s = ve
    return SearchRequest(base, scope, bytes(raw[fs:fe]), tuple(names))


class HostileSession(_Session):
    """One connection, answered as ``HostileConfig.mode`` says."""

    config: HostileConfig

    def __init__(self, *args: Any) -> None:
        super().__init__(*args)
        self.pages = 0

    def serve(self) -> None:
        mode = self.config.mode
        if mode not in PRE_BIND_MODES:
            super().serve()
            return
        try:
            with contextlib.suppress(OSError):
                self._misbehave_before_bind(mode)
        finally:
            with contextlib.suppress(OSError):
                self.sock.close()

    def _serve(self) -> None:
        """Searches are parsed here (pyasn1 cannot decode some filters ldap3 encodes); binds
        and extended operations go to the Windows-like session."""
        with contextlib.suppress(OSError, ssl.SSLError):
            while True:
                raw = self._next_message()
                if raw is None:
                    return
                msgid, tag, start, end = _op(raw)
                if tag == 0x42:  # unbindRequest
                    return
                if tag == 0x63:
                    self._search(msgid, _search_request(raw, start, end))
                    continue
                decoded, _rest = decoder.decode(raw, asn1Spec=LDAPMessage())
                self.request = decoded
                op = decoded["protocolOp"]
                if op.getName() == "bindRequest":
                    self._bind(msgid, op.getComponent())
                elif op.getName() == "extendedReq":
                    self._extended(msgid, op.getComponent())
                else:
                    return

    def _misbehave_before_bind(self, mode: str) -> None:
        if self._next_message() is None:
            return
        self.config.events.append(f"request, answered {mode}")
        if mode == "silent":
            while self._recv():
                pass
        elif mode == "garbage":
            self.sock.sendall(b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n")
            while self._recv():
                pass
        elif mode == "huge-length":
            self._drip(b"\x30\x84\x80\x00\x00\x00" + b"\x02\x01\x01" * 100)
        elif mode == "drip":
            self._drip(message(1, entry("", {"dnsHostName": [b"dc1.contoso.test"]}))
                       + message(1, done()))
        elif mode == "half-close":
            answer = message(1, entry("", {"dnsHostName": [b"dc1.contoso.test"]}))
            self.sock.sendall(answer[:len(answer) // 2])

    def _drip(self, data: bytes) -> None:
        for index in range(len(data)):
            self.sock.sendall(data[index:index + 1])
            time.sleep(self.config.drip_interval)

    # --- the forest ----------------------------------------------------------------------
    def _search(self, msgid: int, request: Any) -> None:
        base = request.base.lower()
        scope = request.scope
        self.config.events.append(f"search {request.base!r} scope {scope}")
        if base == "":
            self._root(msgid, {a.lower() for a in request.attributes})
        elif base == SPP_DN.lower() and scope == 0:
            self._answer(msgid, [(SPP_DN, {"objectClass": [b"top", b"container"]})])
        elif base == AO_DN.lower() and scope == 0:
            self._answer(msgid, [(AO_DN, {"objectClass": [b"top", b"container"]})])
        elif base == AO_DN.lower() and scope == 1:
            self._children(msgid)
        elif base.endswith("," + AO_DN.lower()) and scope == 0:
            self._blobs(msgid, request.base)
        elif base == DEFAULT_NC.lower() and scope == 2 and b"computer" in request.filter:
            self._computers(msgid)
        else:
            self.send(message(msgid, done(32, "no such object")))

    def _root(self, msgid: int, wanted: set[str]) -> None:
        names = {"configurationNamingContext": [CONFIG_NC], "defaultNamingContext": [DEFAULT_NC],
                 "rootDomainNamingContext": [DEFAULT_NC], "dnsHostName": ["dc1.contoso.test"],
                 "schemaNamingContext": [f"CN=Schema,{CONFIG_NC}"],
                 "supportedSASLMechanisms": list(self.config.sasl_mechanisms)}
        values = {k: [v.encode() for v in vals] for k, vals in names.items()
                  if not wanted or k.lower() in wanted}
        self._answer(msgid, [("", values)])

    def _answer(self, msgid: int, entries: list[tuple[str, dict[str, list[bytes]]]],
                controls: bytes = b"") -> None:
        for dn, attrs in entries:
            self.send(message(msgid, entry(dn, attrs)))
        self.send(message(msgid, done(), controls))

    def _page_cookie(self) -> bytes:
        self.pages += 1
        self.config.events.append(f"page {self.pages}")
        if "repeat" in self.config.mode or self.config.mode == "same-cookie":
            return b"same-cookie"
        return f"cookie-{self.pages}".encode()

    def _children(self, msgid: int) -> None:
        mode = self.config.mode
        if mode == "same-cookie":
            last = self.pages + 1 >= self.config.pages
            self._answer(msgid, [_obj(self.pages + 1)],
                         paged_control(b"" if last else self._page_cookie()))
        elif mode in ("repeat-cookie", "endless-cookie"):
            index = 1 if "repeat" in mode else self.pages % 90  # repeat: the same page for ever
            self._answer(msgid, [_obj(index)], paged_control(self._page_cookie()))
        elif mode == "huge-attribute":
            self._answer(msgid, [_obj(1, displayName=[b"x" * self.config.huge_size])])
        elif mode == "bad-guids":
            self._answer(msgid, [_obj(1, objectGUID=[b"\x01" * 15]),
                                 _obj(2, **{"msSPP-CSVLKSkuId": [SKU + b"\x00"]}),
                                 _obj(3, **{"msSPP-KMSIds": [b"\x02" * 15]})])
        elif mode == "escapes":
            evil = "\x1b]0;owned\x07\x1b[2J\u009b31m\u202e"
            dn, attrs = _obj(1, displayName=[f"Contoso {evil} CSVLK".encode()],
                             **{"msSPP-CSVLKPartialProductKey": [f"AB{evil}".encode()]})
            evil_dn = dn.replace("CN=01", f"CN=01{evil}", 1)
            attrs["cn"] = [f"01{evil}".encode()]
            self._answer(msgid, [(evil_dn, attrs), _obj(2)])
        elif mode == "referral":
            url = self.config.referral_url
            self.send(message(msgid, tlv(0x73, tlv(0x04, url.encode()))))
            self.send(message(msgid, done(10, "referral", (url,))))
        else:
            self._answer(msgid, [_obj(1), _obj(2)])

    def _blobs(self, msgid: int, dn: str) -> None:
        size = self.config.blob_size
        blobs = {name: [bytes([65 + i]) * size] for i, name in enumerate(LICENCES)}
        self._answer(msgid, [(dn, blobs)])

    def _computers(self, msgid: int) -> None:
        computer = (f"CN=PC1,{DEFAULT_NC}", {"cn": [b"PC1"], "operatingSystem": [b"Windows 11"]})
        if self.config.mode in ("computers-repeat-cookie", "computers-endless-cookie"):
            self._answer(msgid, [computer], paged_control(self._page_cookie()))
        else:
            self._answer(msgid, [computer])


class HostileLdapServer(WindowsBindServer):
    """A :class:`WindowsBindServer` whose sessions misbehave as ``config.mode`` says."""

    session_class = HostileSession

    def _serve(self, conn: socket.socket, tls: bool) -> None:
        if tls and self.config.mode == "tls-drip":
            with contextlib.suppress(OSError):
                conn.recv(65536)  # the ClientHello
                record = b"\x16\x03\x03\x40\x00" + b"\x02" * 0x4000  # a 16 KB handshake record
                for index in range(len(record)):
                    conn.sendall(record[index:index + 1])
                    time.sleep(self.config.drip_interval)
            conn.close()
            return
        super()._serve(conn, tls)

    def __init__(self, config: HostileConfig, host: str = "127.0.0.1") -> None:
        super().__init__(config, host)
        self.config: HostileConfig = config


__all__ = ["AO_DN", "PRE_BIND_MODES", "HostileConfig", "HostileLdapServer"]
