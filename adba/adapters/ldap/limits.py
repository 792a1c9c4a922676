"""Deadlines and size caps for everything read from a domain controller.

``--timeout`` bounds one silence (a socket read); alone it lets a server that answers slowly,
endlessly or hugely keep adba busy for ever. A :class:`Budget` per connection adds the other
bounds, checked on every read:

* the run's deadline (``--deadline``, default 300 s) for all LDAP work, every DC tried included;
* a deadline per operation (a bind step, a search, a page): :data:`OPERATION_FACTOR` times
  ``--timeout``, so a server that drips an answer byte by byte is given up on;
* a cap on each message the server announces (:data:`MESSAGE_LIMIT`, raised for the one read of
  licence blobs to :data:`BLOB_MESSAGE_LIMIT`), checked on its BER length before it is read.

Every violation becomes one :class:`~adba.errors.AdbaError` naming the server and what it did:
:class:`~adba.errors.ServerFault` before the bind (another DC may be tried),
:class:`~adba.errors.DirectoryReadError` after it.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from adba.errors import AdbaError, DirectoryReadError, ServerFault

DEFAULT_DEADLINE = 300.0
OPERATION_FACTOR = 6
MB = 1 << 20
MESSAGE_LIMIT = 4 * MB
BLOB_MESSAGE_LIMIT = 64 * MB
BLOB_VALUE_LIMIT = 5 * MB  # rangeUpper of the msSPP licence attributes (5,242,880)
VALUE_LIMIT = 256 * 1024  # every other attribute read (nTSecurityDescriptor: 132,096)
MAX_PAGES = 10_000


def size_text(count: int) -> str:
    """A byte count for an error line: ``64 MB``, ``256 KB``, ``1,234 bytes``."""
    if count >= MB and count % MB == 0:
        return f"{count // MB} MB"
    if count >= 1024 and count % 1024 == 0:
        return f"{count // 1024} KB"
    return f"{count:,} bytes"


class Budget:
    """The time and size bounds of one connection to one DC.

    ``ends_at`` is the run's deadline on :func:`time.monotonic`'s clock, shared by every DC
    tried. ``bound`` switches the error class from :class:`ServerFault` to
    :class:`DirectoryReadError` once the session is bound.
    """

    def __init__(self, label: str, *, idle: float, deadline: float, ends_at: float) -> None:
        self.label = label
        self.idle = idle
        self.deadline = deadline
        self.ends_at = ends_at
        self.operation = OPERATION_FACTOR * idle
        self.message_limit = MESSAGE_LIMIT
        self.bound = False
        self._operation_ends: float | None = None

    def fault(self, message: str, hint: str | None = None) -> AdbaError:
        """The error for a misbehaviour: ``message`` should name the server."""
        if self.bound:
            return DirectoryReadError(message, hint)
        return ServerFault(message, hint)

    def begin(self) -> None:
        """A request was sent: its answer must be complete within the operation deadline."""
        self._operation_ends = time.monotonic() + self.operation

    @contextmanager
    def messages_up_to(self, limit: int) -> Iterator[None]:
        """Allow messages up to ``limit`` bytes while the block runs (the licence-blob read)."""
        saved, self.message_limit = self.message_limit, limit
        try:
            yield
        finally:
            self.message_limit = saved

    def check_announced(self, total: int) -> None:
        """Refuse a message whose BER length exceeds the cap, before reading it."""
        if total > self.message_limit:
            raise self.fault(f"{self.label} announced a {total:,}-byte message "
                             f"(limit {size_text(self.message_limit)})",
                             "this is not what a domain controller sends; check --server")

    def not_ldap(self, detail: str) -> AdbaError:
        """The error for bytes that do not frame as LDAP."""
        return self.fault(f"{self.label} sent data that is not LDAP ({detail})",
                          "check that --server names an LDAP port of a domain controller")

    def closed(self, pending: int) -> AdbaError:
        """The error for a connection closed by the server while adba awaited an answer."""
        if pending:
            return self.fault(f"{self.label} closed the connection in the middle of a message "
                              f"({pending:,} bytes of it received)", "retry, or try another DC")
        return self.fault(f"{self.label} closed the connection", "retry, or try another DC")

    def _wait(self) -> tuple[float, str]:
        now = time.monotonic()
        waits = [(self.idle, "idle"), (self.ends_at - now, "run")]
        if self._operation_ends is not None:
            waits.append((self._operation_ends - now, "operation"))
        return min(waits)

    def expired(self, which: str, awaited: str = "an answer",
                during: str = "while waiting for the server") -> AdbaError:
        """The error for the bound that passed: ``idle``, ``operation`` or ``run``, for
        ``awaited`` (an answer, the TLS handshake)."""
        if which == "idle":
            return self.fault(f"{self.label} sent nothing for {self.idle:g} s",
                              "raise --timeout if the DC is just slow")
        if which == "operation":
            return self.fault(f"{self.label} did not complete {awaited} within "
                              f"{self.operation:g} s ({OPERATION_FACTOR} x --timeout)",
                              "raise --timeout if the DC is just slow")
        return self.fault(f"{self.label}: the run's deadline of {self.deadline:g} s passed "
                          f"{during}", "raise --deadline")

    def handshake_limit(self) -> tuple[float, str]:
        """Seconds left for a TLS handshake that starts now (the operation's or the run's
        deadline, whichever is nearer) and which of the two it is."""
        self.begin()
        now = time.monotonic()
        assert self._operation_ends is not None
        return min((self._operation_ends - now, "operation"), (self.ends_at - now, "run"))

    def check_time(self) -> None:
        """Raise when the run's or the operation's deadline has already passed."""
        wait, which = self._wait()
        if wait <= 0:
            raise self.expired(which)

    def recv(self, sock: Any, size: int) -> bytes:
        """``sock.recv(size)`` within the tightest bound left; raises the bound's error."""
        wait, which = self._wait()
        if wait <= 0:
            raise self.expired(which)
        sock.settimeout(wait)
        try:
            data: bytes = sock.recv(size)
        except TimeoutError as exc:
            raise self.expired(which) from exc
        sock.settimeout(self.idle)  # sends keep the plain --timeout, not what was left
        return data


def budget_of(connection: Any) -> Budget | None:
    """The budget attached to an ldap3 connection by ``connect``, if any."""
    budget = getattr(connection, "adba_budget", None)
    return budget if isinstance(budget, Budget) else None


__all__ = [
    "BLOB_MESSAGE_LIMIT",
    "BLOB_VALUE_LIMIT",
    "DEFAULT_DEADLINE",
    "MAX_PAGES",
    "MESSAGE_LIMIT",
    "OPERATION_FACTOR",
    "VALUE_LIMIT",
    "Budget",
    "budget_of",
    "size_text",
]
