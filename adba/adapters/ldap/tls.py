"""TLS with Python's own certificate and host-name validation, for ldap3.

ldap3's ``Tls`` turns ``check_hostname`` off and checks names itself; this subclass lets
``ssl`` do the whole validation (chain and host name, IP addresses included) and remembers the
original exception so that the error message can say exactly what failed.
"""

from __future__ import annotations

import contextlib
import socket
import ssl
import threading
from typing import TYPE_CHECKING, Any

from ldap3 import Tls

if TYPE_CHECKING:
    from adba.adapters.ldap.limits import Budget
    from adba.errors import AdbaError


class ValidatingTls(Tls):  # type: ignore[misc]
    """An ldap3 ``Tls`` that validates with ``ssl.create_default_context``."""

    def __init__(self, hostname: str, ca_file: str | None, insecure: bool) -> None:
        super().__init__(validate=ssl.CERT_NONE if insecure else ssl.CERT_REQUIRED,
                         ca_certs_file=ca_file, sni=hostname)
        self.hostname = hostname
        self.ca_file = ca_file
        self.insecure = insecure
        self.last_exception: BaseException | None = None
        self.peer_certificate: bytes | None = None
        self.budget: Budget | None = None
        self.expired: AdbaError | None = None

    def make_context(self) -> ssl.SSLContext:
        """The SSL context: validating unless ``--insecure``; TLS 1.2 or later."""
        ctx = ssl.create_default_context(ssl.Purpose.SERVER_AUTH, cafile=self.ca_file)
        if self.insecure:
            ctx.check_hostname = False
            ctx.verify_mode = ssl.CERT_NONE
        ctx.minimum_version = ssl.TLSVersion.TLSv1_2
        return ctx

    def wrap_socket(self, connection: Any, do_handshake: bool = False) -> None:
        """Wrap the connection's socket, recording any failure for the error message.

        Python's ssl bounds the whole handshake by the socket timeout (--timeout). With a
        budget, the run's deadline bounds it too, when nearer: a watchdog shuts the socket down
        when the operation's or the run's deadline passes, and ``expired`` holds the error."""
        self.expired = None
        try:
            wrapped = self.make_context().wrap_socket(
                connection.socket,
                server_side=False,
                do_handshake_on_connect=False,
                server_hostname=self.hostname,
            )
        except BaseException as exc:
            self.last_exception = exc
            raise
        watchdog = self._watchdog(wrapped)
        try:
            wrapped.do_handshake()
        except BaseException as exc:
            self.last_exception = exc
            raise
        finally:
            if watchdog is not None:
                watchdog.cancel()
        if self.expired is not None:  # the handshake ended just as the watchdog fired
            self.last_exception = ssl.SSLError("handshake deadline")
            raise self.last_exception
        self.peer_certificate = wrapped.getpeercert(binary_form=True)
        connection.socket = wrapped

    def _watchdog(self, wrapped: ssl.SSLSocket) -> threading.Timer | None:
        if self.budget is None:
            return None
        budget = self.budget
        limit, which = budget.handshake_limit()
        error = budget.expired(which, "the TLS handshake", "during the TLS handshake")

        def expire() -> None:
            self.expired = error
            # A duplicate descriptor: its shutdown ends the connection, the SSL object stays.
            with contextlib.suppress(OSError), \
                    socket.fromfd(wrapped.fileno(), wrapped.family, wrapped.type) as dup:
                dup.shutdown(socket.SHUT_RDWR)

        if limit <= 0:
            expire()
            return None
        timer = threading.Timer(limit, expire)
        timer.daemon = True
        timer.start()
        return timer


def certificate_names(host: str, port: int, server_name: str, timeout: float) -> list[str]:
    """Fetch the server's certificate WITHOUT validating it, only to name its subject names.

    Used after a host-name mismatch so the error can say which names the certificate carries.
    Returns an empty list when the certificate cannot be fetched or parsed.
    """
    ctx = ssl.create_default_context()
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    try:
        with socket.create_connection((host, port), timeout=timeout) as raw, \
                ctx.wrap_socket(raw, server_hostname=server_name) as tls_sock:
            der = tls_sock.getpeercert(binary_form=True)
    except (OSError, ssl.SSLError):
        return []
    if not der:
        return []
    return names_in_certificate(der)


def names_in_certificate(der: bytes) -> list[str]:
    """DNS names and IP addresses in a DER certificate's SAN (the CN when there is no SAN)."""
    from cryptography import x509

    try:
        cert = x509.load_der_x509_certificate(der)
    except ValueError:
        return []
    names: list[str] = []
    try:
        san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
        names.extend(san.get_values_for_type(x509.DNSName))
        names.extend(str(ip) for ip in san.get_values_for_type(x509.IPAddress))
    except x509.ExtensionNotFound:
        pass
    if not names:
        names.extend(
            str(attr.value) for attr in cert.subject.get_attributes_for_oid(x509.NameOID.COMMON_NAME)
        )
    return names
