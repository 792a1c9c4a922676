"""Bounded, linear reading of LDAP messages for ldap3's synchronous strategy.

ldap3 2.9's ``SyncStrategy.receiving`` appends each 4 KB read to an immutable ``bytes`` (time
quadratic in the message size), waits for as many bytes as a message's BER length announces
(2 GB if the server says so), and knows no deadline beyond one socket read. :class:`Framer`
splits the byte stream into messages in a ``bytearray`` (linear), refusing a length above the
budget's cap before reading it and a first byte that is not an LDAPMessage;
:class:`BoundedSyncStrategy` uses it and reads through :meth:`Budget.recv`, so every read
is bounded by the idle, operation and run deadlines.
"""

from __future__ import annotations

from typing import Any

from ldap3.core.exceptions import (
    LDAPException,
    LDAPSocketReceiveError,
    communication_exception_factory,
)
from ldap3.strategy.sync import SyncStrategy
from pyasn1.error import PyAsn1Error

from adba.adapters.ldap.limits import Budget, budget_of
from adba.adapters.ldap.paged_stream import BerError, _op, announced_length
from adba.errors import AdbaError

CHUNK = 65536


class Framer:
    """Bytes in, whole LDAP messages out, each checked against ``budget``'s caps."""

    def __init__(self, budget: Budget) -> None:
        self._budget = budget
        self._buffer = bytearray()

    @property
    def pending(self) -> int:
        """Bytes received and not yet returned as a message."""
        return len(self._buffer)

    def feed(self, data: bytes) -> None:
        """Append received bytes."""
        self._buffer += data

    def pop(self) -> bytes | None:
        """The next complete message, or None until more bytes arrive."""
        buf = self._buffer
        try:
            total = announced_length(buf)
        except BerError as exc:
            raise self._budget.not_ldap(str(exc)) from exc
        if total is None:
            return None
        self._budget.check_announced(total)
        if len(buf) < total:
            return None
        with memoryview(buf) as view:
            message = bytes(view[:total])
        del buf[:total]
        try:
            _op(message)
        except BerError as exc:
            raise self._budget.not_ldap(str(exc)) from exc
        return message


def read_message(framer: Framer, budget: Budget, sock: Any) -> bytes:
    """The next message from ``sock`` through ``framer``, within the budget."""
    while True:
        message = framer.pop()
        if message is not None:
            return message
        data = budget.recv(sock, CHUNK)
        if not data:
            raise budget.closed(framer.pending)
        framer.feed(data)


class BoundedSyncStrategy(SyncStrategy):  # type: ignore[misc]
    """ldap3's ``SyncStrategy`` reading through a :class:`Framer` within the connection's
    :class:`Budget`. Installed on an existing connection by :func:`install`."""

    def _budget(self) -> Budget:
        budget = budget_of(self.connection)
        assert budget is not None, "install() attaches the budget"
        return budget

    def _framer(self) -> Framer:
        framer: Framer | None = getattr(self, "_adba_framer", None)
        if framer is None:
            framer = self._adba_framer = Framer(self._budget())
        return framer

    def sending(self, ldap_message: Any) -> None:
        """Send, starting the operation's deadline (refused once the run's has passed)."""
        if ldap_message["protocolOp"].getName() != "unbindRequest":
            budget = self._budget()
            budget.check_time()
            budget.begin()
        super().sending(ldap_message)

    def receiving(self) -> list[bytes]:
        """Every complete message up to a message boundary (as ldap3's own, minus the
        quadratic copies and the unbounded waits)."""
        budget = self._budget()
        framer = self._framer()
        messages: list[bytes] = []
        while True:
            message = framer.pop()
            if message is not None:
                messages.append(message)
                continue
            if messages and not framer.pending:
                return messages
            sock = self.connection.socket
            if sock is None:
                raise budget.closed(framer.pending)
            try:
                data = budget.recv(sock, CHUNK)
            except AdbaError:
                self._close_quietly()
                raise
            except OSError as exc:
                self.connection.last_error = f"error receiving data: {exc}"
                self._close_quietly()
                raise communication_exception_factory(LDAPSocketReceiveError, type(exc)(str(exc)))(
                    self.connection.last_error) from exc
            if not data:
                self._close_quietly()
                raise budget.closed(framer.pending)
            framer.feed(data)

    def _get_response(self, message_id: int, timeout: Any) -> Any:
        try:
            return super()._get_response(message_id, timeout)
        except LDAPException:
            raise
        except (PyAsn1Error, ValueError, KeyError, TypeError, IndexError, AttributeError) as exc:
            budget = self._budget()
            self._close_quietly()
            raise budget.not_ldap("a message ldap3 cannot decode") from exc

    def _close_quietly(self) -> None:
        try:
            self.close()
        except Exception:  # closing a broken socket: nothing more to learn
            pass


def install(connection: Any, budget: Budget) -> None:
    """Attach ``budget`` to an ldap3 connection and make its strategy read within it."""
    connection.adba_budget = budget
    if type(connection.strategy) is SyncStrategy:
        connection.strategy.__class__ = BoundedSyncStrategy


__all__ = ["BoundedSyncStrategy", "Framer", "install", "read_message"]
