"""A pipelined paged search for large result sets (computer accounts).

ldap3 decodes each page completely before the next page is requested, so the DC idles while
the client decodes and the client idles while the DC searches. This reader frames the raw
LDAP messages on the bound connection's own socket, sends the request for page N+1 as soon as
page N's final message (with the paging cookie) arrives, and only then decodes page N's
entries, so client and server work overlap. Entries are decoded with a small BER reader that
keeps only the DN and the raw attribute values.

It is used only where the session has no SASL security layer (TLS or nothing), which is the
case for every bind this version offers; ``ReadOnlyDirectory.search`` remains the general path.
Only searches are sent.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

from ldap3 import SUBTREE
from ldap3.core.exceptions import LDAPException
from ldap3.operation.search import search_operation
from ldap3.protocol.convert import build_controls_list
from ldap3.protocol.rfc2696 import paged_search_control
from ldap3.protocol.rfc4511 import LDAPMessage, MessageID, ProtocolOp
from ldap3.utils.asn1 import encode

from adba.errors import DirectoryReadError

_ENTRY, _DONE, _REFERENCE = 0x64, 0x65, 0x73
PAGED_OID = b"1.2.840.113556.1.4.319"


class BerError(ValueError):
    """A message that does not parse as the LDAP BER we expect."""


def _header(buf: bytes | bytearray | memoryview, pos: int, end: int) -> tuple[int, int, int]:
    """Tag, value start and value end of the TLV at ``pos``."""
    if pos + 2 > end:
        raise BerError("truncated TLV header")
    tag = buf[pos]
    first = buf[pos + 1]
    pos += 2
    if first < 0x80:
        length = first
    else:
        count = first & 0x7F
        if count == 0 or count > 4 or pos + count > end:
            raise BerError("unsupported or truncated length")
        length = int.from_bytes(buf[pos:pos + count], "big")
        pos += count
    if pos + length > end:
        raise BerError("value runs past its container")
    return tag, pos, pos + length


def announced_length(buf: bytearray) -> int | None:
    """Total length the first message in ``buf`` announces (complete or not), or None while its
    header is incomplete; ``BerError`` when it does not start like an LDAPMessage."""
    if len(buf) < 2:
        return None
    if buf[0] != 0x30:
        raise BerError(f"expected an LDAPMessage SEQUENCE, got tag 0x{buf[0]:02x}")
    first = buf[1]
    if first < 0x80:
        return 2 + first
    count = first & 0x7F
    if count == 0 or count > 4:
        raise BerError("unsupported length form")
    if len(buf) < 2 + count:
        return None
    return 2 + count + int.from_bytes(buf[2:2 + count], "big")


def frame_length(buf: bytearray) -> int | None:
    """Total length of the first complete message in ``buf``, or None if more bytes are needed."""
    total = announced_length(buf)
    return total if total is not None and len(buf) >= total else None


def _op(message: bytes) -> tuple[int, int, int, int]:
    """Message id, protocolOp tag and the protocolOp value's bounds; controls follow it."""
    _tag, start, end = _header(message, 0, len(message))
    tag, vs, ve = _header(message, start, end)
    if tag != 0x02:
        raise BerError("missing messageID")
    msgid = int.from_bytes(message[vs:ve], "big")
    op_tag, os_, oe = _header(message, ve, end)
    return msgid, op_tag, os_, oe


def decode_entry(message: bytes) -> tuple[str, dict[str, list[bytes]]]:
    """DN and raw attribute values of a SearchResultEntry message."""
    _msgid, tag, pos, end = _op(message)
    if tag != _ENTRY:
        raise BerError("not a SearchResultEntry")
    t, s, e = _header(message, pos, end)
    if t != 0x04:
        raise BerError("missing objectName")
    dn = bytes(message[s:e]).decode("utf-8", "replace")
    t, s, attrs_end = _header(message, e, end)
    attributes: dict[str, list[bytes]] = {}
    pos = s
    while pos < attrs_end:
        _t, ps, pe = _header(message, pos, attrs_end)
        t, ts, te = _header(message, ps, pe)
        name = bytes(message[ts:te]).decode("utf-8", "replace")
        _t, vs, ve = _header(message, te, pe)
        values: list[bytes] = []
        vpos = vs
        while vpos < ve:
            _t, s2, e2 = _header(message, vpos, ve)
            values.append(bytes(message[s2:e2]))
            vpos = e2
        attributes[name] = values
        pos = pe
    return dn, attributes


def decode_done(message: bytes) -> tuple[int, str, bytes]:
    """Result code, diagnostic message and paging cookie of a SearchResultDone message."""
    _msgid, tag, pos, end = _op(message)
    if tag != _DONE:
        raise BerError("not a SearchResultDone")
    t, s, e = _header(message, pos, end)
    code = int.from_bytes(message[s:e], "big")
    _t, s, e = _header(message, e, end)  # matchedDN
    _t, s, e = _header(message, e, end)  # diagnosticMessage
    diagnostic = bytes(message[s:e]).decode("utf-8", "replace")
    cookie = b""
    total = len(message)
    _tag, _start, outer_end = _header(message, 0, total)
    pos = end
    while pos < outer_end:
        t, cs, ce = _header(message, pos, outer_end)
        if t == 0xA0:  # controls
            cpos = cs
            while cpos < ce:
                _t, s1, e1 = _header(message, cpos, ce)
                _t, os_, oe = _header(message, s1, e1)
                oid = bytes(message[os_:oe])
                vpos = oe
                value = b""
                while vpos < e1:
                    t2, s2, e2 = _header(message, vpos, e1)
                    if t2 == 0x04:
                        value = bytes(message[s2:e2])
                    vpos = e2
                if oid == PAGED_OID and value:
                    _t, ss, se = _header(value, 0, len(value))
                    _t, _s3, e3 = _header(value, ss, se)  # size
                    _t, s4, e4 = _header(value, e3, se)  # cookie
                    cookie = value[s4:e4]
                cpos = e1
        pos = ce
    return code, diagnostic, cookie


class CookieGuard:
    """Ends a paged search that goes round in circles or never stops paging.

    A cookie alone may repeat (Samba sends one cookie for every page of a search); the same
    cookie after the same page means the server would answer the same page for ever.
    """

    def __init__(self, label: str, max_pages: int) -> None:
        self._label = label
        self._max_pages = max_pages
        self._pages = 0
        self._seen: set[bytes] = set()

    def check(self, cookie: bytes, page: bytes) -> None:
        """Record ``cookie`` and the digest of the page it came with (``page``); raise when
        both repeat or past the page limit."""
        import hashlib

        self._pages += 1
        key = hashlib.sha256(len(cookie).to_bytes(4, "big") + cookie + page).digest()
        if key in self._seen:
            raise DirectoryReadError(
                f"{self._label} sent the same paged-results cookie twice, with the same page "
                f"(after {self._pages:,} pages; it would never end)",
                "the server's paging is broken; a domain controller never does this")
        if self._pages >= self._max_pages:
            raise DirectoryReadError(
                f"{self._label} kept paging: more than {self._max_pages:,} pages for one search",
                "the server does not end its paged results; check --server")
        self._seen.add(key)


def _operations(messages: Sequence[bytes]) -> list[bytes]:
    """The protocolOp of each message, without the message id (which differs on each page)."""
    parts = []
    for message in messages:
        _msgid, _tag, start, end = _op(message)
        parts.append(message[start:end])
    return parts


def page_digest(parts: Sequence[bytes]) -> bytes:
    """A digest of one page (its raw entries, or their DNs) for :class:`CookieGuard`."""
    import hashlib

    digest = hashlib.sha256()
    for part in parts:
        digest.update(len(part).to_bytes(8, "big"))
        digest.update(part)
    return digest.digest()


class PagedStream:
    """One pipelined paged subtree search on a bound ldap3 connection."""

    def __init__(self, connection: Any, label: str, max_pages: int | None = None) -> None:
        from adba.adapters.ldap.limits import MAX_PAGES, budget_of

        self._connection = connection
        self._label = label
        self._buffer = bytearray()
        self._budget = budget_of(connection)
        self._cookies = CookieGuard(label, max_pages or MAX_PAGES)

    @staticmethod
    def usable(connection: Any) -> bool:
        """True when messages go to the socket unwrapped (no SASL security layer)."""
        from adba.adapters.ldap.sasl import SaslSocket

        return (connection.socket is not None
                and (not connection.sasl_mechanism or isinstance(connection.socket, SaslSocket))
                and not connection.strategy.pooled and connection.strategy.sync)

    def _send(self, base: str, ldap_filter: str, attributes: Sequence[str], page_size: int,
              cookie: bytes) -> int:
        request = search_operation(base, ldap_filter, SUBTREE, 0, list(attributes), 0, 0, False,
                                   True, True)
        message = LDAPMessage()
        msgid: int = self._connection.server.next_message_id()
        message["messageID"] = MessageID(msgid)
        message["protocolOp"] = ProtocolOp().setComponentByName("searchRequest", request)
        controls = build_controls_list([paged_search_control(False, page_size, cookie)])
        if controls is not None:
            message["controls"] = controls
        if self._budget is not None:
            self._budget.check_time()
            self._budget.begin()
        try:
            self._connection.socket.sendall(encode(message))
        except OSError as exc:
            raise DirectoryReadError(f"{self._label}: connection lost: {exc}") from exc
        return msgid

    def _messages(self) -> Iterator[bytes]:
        if self._budget is not None:
            yield from self._bounded_messages(self._budget)
            return
        sock = self._connection.socket
        while True:
            while True:
                size = frame_length(self._buffer)
                if size is None:
                    break
                message = bytes(self._buffer[:size])
                del self._buffer[:size]
                yield message
            try:
                chunk = sock.recv(262144)
            except TimeoutError as exc:
                raise DirectoryReadError(f"{self._label}: no answer to a search page in time",
                                         "raise --timeout") from exc
            except OSError as exc:
                raise DirectoryReadError(f"{self._label}: connection lost: {exc}") from exc
            if not chunk:
                raise DirectoryReadError(f"{self._label}: the server closed the connection")
            self._buffer += chunk

    def _bounded_messages(self, budget: Any) -> Iterator[bytes]:
        """Messages read through the connection's budget (deadlines, size caps)."""
        from adba.adapters.ldap.receive import Framer, read_message

        framer = Framer(budget)
        sock = self._connection.socket
        while True:
            try:
                yield read_message(framer, budget, sock)
            except OSError as exc:
                raise DirectoryReadError(f"{self._label}: connection lost: {exc}") from exc

    def search(self, base: str, ldap_filter: str, attributes: Sequence[str],
               page_size: int) -> Iterator[tuple[str, dict[str, list[bytes]]]]:
        """Send the first page request now; the returned iterator yields (DN, raw attributes)
        for every entry, pages pipelined. The DC starts working before the caller iterates."""
        msgid = self._send(base, ldap_filter, attributes, page_size, b"")
        return self._results(msgid, base, ldap_filter, attributes, page_size)

    def _results(self, msgid: int, base: str, ldap_filter: str, attributes: Sequence[str],
                 page_size: int) -> Iterator[tuple[str, dict[str, list[bytes]]]]:
        try:
            messages = self._messages()
            while True:
                pending: list[bytes] = []
                for message in messages:
                    got, tag, _s, _e = _op(message)
                    if got != msgid:
                        continue  # not ours (e.g. a notice of disconnection): ignore
                    if tag == _ENTRY:
                        pending.append(message)
                    elif tag == _DONE:
                        code, diagnostic, cookie = decode_done(message)
                        if code == 32:
                            raise DirectoryReadError(
                                f"{self._label}: search of {base} failed: no such object",
                                "check --search-base")
                        if code != 0:
                            raise DirectoryReadError(
                                f"{self._label}: search of {base} failed: result {code} "
                                f"{diagnostic}".rstrip())
                        break
                    elif tag != _REFERENCE:
                        raise BerError(f"unexpected protocolOp 0x{tag:02x}")
                else:
                    return
                if cookie:
                    self._cookies.check(bytes(cookie), page_digest(_operations(pending)))
                    msgid = self._send(base, ldap_filter, attributes, page_size, cookie)
                for raw in pending:
                    yield decode_entry(raw)
                if not cookie:
                    return
        except BerError as exc:
            raise DirectoryReadError(f"{self._label}: malformed answer from the server: {exc}") \
                from exc
        except LDAPException as exc:
            raise DirectoryReadError(f"{self._label}: search of {base} failed: {exc}") from exc
