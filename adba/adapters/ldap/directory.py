"""A read-only view of one bound LDAP connection.

The class offers searches and nothing else: no add, modify, delete or modify-DN path exists
here, and the underlying ldap3 connection is opened with ``read_only=True`` as a second guard.

What the server sends is bounded: a paged search ends with one error when the server repeats a
cookie or pages beyond a limit, each value is checked against the size the schema allows, and
referrals are reported, never followed (no credentials go to another server).
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from ldap3 import BASE, LEVEL, SUBTREE, Connection
from ldap3.core.exceptions import LDAPException

from adba.adapters.ldap.limits import BLOB_VALUE_LIMIT, VALUE_LIMIT, budget_of, size_text
from adba.core.models import LICENCE_ATTRIBUTES
from adba.errors import DirectoryReadError

SCOPES = {"base": BASE, "one": LEVEL, "sub": SUBTREE}
PAGED_RESULTS_OID = "1.2.840.113556.1.4.319"
_BLOB_NAMES = frozenset(name.lower() for name in LICENCE_ATTRIBUTES)


def check_values(label: str, dn: str, attributes: dict[str, list[bytes]]) -> None:
    """Refuse a value larger than the schema allows (rangeUpper): 5 MB for the msSPP licence
    blobs, 256 KB for every other attribute adba reads."""
    for name, values in attributes.items():
        limit = BLOB_VALUE_LIMIT if name.lower() in _BLOB_NAMES else VALUE_LIMIT
        for value in values:
            if len(value) > limit:
                raise DirectoryReadError(
                    f"{label} sent a {len(value):,}-byte {name} value for {dn or 'the rootDSE'} "
                    f"(the schema allows at most {size_text(limit)})",
                    "this is not what a domain controller sends; check --server")


@dataclass(frozen=True)
class SearchEntry:
    """One entry as the server returned it: DN and raw attribute values (bytes)."""

    dn: str
    attributes: dict[str, list[bytes]]


class ReadOnlyDirectory:
    """Searches against one bound domain controller."""

    def __init__(self, connection: Connection, server_label: str) -> None:
        self._connection = connection
        self.server_label = server_label

    def search(
        self,
        base: str,
        ldap_filter: str,
        scope: str,
        attributes: Sequence[str],
        controls: list[tuple[str, bool, Any]] | None = None,
        page_size: int | None = None,
        max_pages: int | None = None,
        max_message: int | None = None,
    ) -> Iterator[SearchEntry]:
        """Yield entries as they arrive; paged when ``page_size`` is given (at most
        ``max_pages`` pages); messages up to ``max_message`` bytes (default: the budget's cap).

        ``noSuchObject`` yields nothing (the caller decides what a missing base means);
        any other failure raises ``DirectoryReadError`` naming the server and base.
        """
        from adba.adapters.ldap.limits import MAX_PAGES
        from adba.adapters.ldap.paged_stream import CookieGuard, page_digest

        cookie: bytes | None = None
        pages = CookieGuard(self.server_label, max_pages or MAX_PAGES)
        budget = budget_of(self._connection)
        while True:
            page_controls = list(controls or [])
            if page_size:
                from ldap3.protocol.rfc2696 import paged_search_control

                page_controls.append(paged_search_control(False, page_size, cookie or b""))
            limit = budget.messages_up_to(max_message) if budget is not None and max_message \
                else contextlib.nullcontext()
            try:
                with limit:
                    ok = self._connection.search(
                        search_base=base,
                        search_filter=ldap_filter,
                        search_scope=SCOPES[scope],
                        attributes=list(attributes),
                        controls=page_controls or None,
                    )
            except LDAPException as exc:
                raise DirectoryReadError(
                    f"{self.server_label}: search of {base} failed: {exc}") from exc
            result = self._connection.result
            if result.get("result") == 10:
                referrals = ", ".join(str(r) for r in result.get("referrals") or []) or "elsewhere"
                raise DirectoryReadError(
                    f"{self.server_label} answered the search of {base} with a referral to "
                    f"{referrals}; adba does not follow referrals",
                    "connect to a DC of the forest that holds the data (--server)")
            if not ok and result.get("result") not in (0, 32):
                raise DirectoryReadError(
                    f"{self.server_label}: search of {base} failed: "
                    f"{result.get('description')} {result.get('message', '')}".rstrip())
            if result.get("result") == 32:
                return
            page: list[bytes] = []
            for item in self._connection.response or []:
                if item.get("type") != "searchResEntry":
                    continue
                raw = item.get("raw_attributes") or {}
                values = {k: list(v) for k, v in raw.items()}
                check_values(self.server_label, item["dn"], values)
                page.append(str(item["dn"]).encode("utf-8", "replace"))
                yield SearchEntry(dn=item["dn"], attributes=values)
            if not page_size:
                return
            cookie = (
                result.get("controls", {}).get(PAGED_RESULTS_OID, {}).get("value", {}).get("cookie")
            )
            if not cookie:
                return
            pages.check(bytes(cookie), page_digest(page))

    def stream(self, base: str, ldap_filter: str, attributes: Sequence[str],
               page_size: int) -> Iterator[SearchEntry]:
        """A paged subtree search for large result sets, pages pipelined where the session
        allows it (see ``paged_stream``); otherwise the same as ``search``.

        Where pipelined, the first page is requested at once, before the caller iterates.
        """
        from adba.adapters.ldap.paged_stream import PagedStream

        if not PagedStream.usable(self._connection):
            return self.search(base, ldap_filter, "sub", attributes, page_size=page_size)
        results = PagedStream(self._connection, self.server_label).search(
            base, ldap_filter, attributes, page_size)  # the first request leaves now
        return (self._checked(dn, attrs) for dn, attrs in results)

    def _checked(self, dn: str, attributes: dict[str, list[bytes]]) -> SearchEntry:
        check_values(self.server_label, dn, attributes)
        return SearchEntry(dn=dn, attributes=attributes)

    def read(self, dn: str, attributes: Sequence[str],
             controls: list[tuple[str, bool, Any]] | None = None,
             max_message: int | None = None) -> SearchEntry | None:
        """Read one entry by DN (a base search); None when it does not exist or is hidden."""
        for entry in self.search(dn, "(objectClass=*)", "base", attributes, controls,
                                 max_message=max_message):
            return entry
        return None

    def root_dse(self, attributes: Sequence[str]) -> SearchEntry | None:
        """Read the rootDSE."""
        return self.read("", attributes)

    def close(self) -> None:
        """Unbind and close the connection."""
        try:
            self._connection.unbind()
        except LDAPException:
            pass
