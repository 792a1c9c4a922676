"""A read-only view of one bound LDAP connection.

The class offers searches and nothing else: no add, modify, delete or modify-DN path exists
here, and the underlying ldap3 connection is opened with ``read_only=True`` as a second guard.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from ldap3 import BASE, LEVEL, SUBTREE, Connection
from ldap3.core.exceptions import LDAPException

from adba.errors import DirectoryReadError

SCOPES = {"base": BASE, "one": LEVEL, "sub": SUBTREE}
PAGED_RESULTS_OID = "1.2.840.113556.1.4.319"


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
    ) -> Iterator[SearchEntry]:
        """Yield entries as they arrive; paged when ``page_size`` is given.

        ``noSuchObject`` yields nothing (the caller decides what a missing base means);
        any other failure raises ``DirectoryReadError`` naming the server and base.
        """
        cookie: bytes | None = None
        while True:
            page_controls = list(controls or [])
            if page_size:
                from ldap3.protocol.rfc2696 import paged_search_control

                page_controls.append(paged_search_control(False, page_size, cookie or b""))
            try:
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
            if not ok and result.get("result") not in (0, 32):
                raise DirectoryReadError(
                    f"{self.server_label}: search of {base} failed: "
                    f"{result.get('description')} {result.get('message', '')}".rstrip())
            if result.get("result") == 32:
                return
            for item in self._connection.response or []:
                if item.get("type") != "searchResEntry":
                    continue
                raw = item.get("raw_attributes") or {}
                yield SearchEntry(dn=item["dn"], attributes={k: list(v) for k, v in raw.items()})
            if not page_size:
                return
            cookie = (
                result.get("controls", {}).get(PAGED_RESULTS_OID, {}).get("value", {}).get("cookie")
            )
            if not cookie:
                return

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
        return (SearchEntry(dn=dn, attributes=attrs) for dn, attrs in results)

    def read(self, dn: str, attributes: Sequence[str],
             controls: list[tuple[str, bool, Any]] | None = None) -> SearchEntry | None:
        """Read one entry by DN (a base search); None when it does not exist or is hidden."""
        for entry in self.search(dn, "(objectClass=*)", "base", attributes, controls):
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
