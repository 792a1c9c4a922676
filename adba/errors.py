"""The one exception hierarchy of adba.

Adapters translate ldap3, dnspython, ssl and file errors into these. Each carries a one-line
message that names the cause and, where there is one, the way out (``hint``). The command line
prints ``str(error)`` and exits with code 3; it shows a traceback only with ``--debug``.
"""

from __future__ import annotations


class AdbaError(Exception):
    """Base class: something stopped adba from inspecting."""

    def __init__(self, message: str, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        if self.hint:
            return f"{self.message} ({self.hint})"
        return self.message


class UsageError(AdbaError):
    """The command line is inconsistent (e.g. a simple bind over cleartext LDAP)."""


class CredentialError(AdbaError):
    """No usable credentials (missing password file, empty password, ...)."""


class DiscoveryError(AdbaError):
    """DNS discovery of domain controllers failed."""


class ConnectionFailed(AdbaError):
    """No domain controller could be reached, or TLS could not be established."""


class CertificateError(ConnectionFailed):
    """The server's certificate did not validate."""


class ServerFault(ConnectionFailed):
    """A server misbehaved before the session was bound: silent, slow beyond the deadlines,
    oversized or not speaking LDAP. Another DC, when there is one, may be tried."""


class AuthFailed(AdbaError):
    """The server refused the bind."""


class DirectoryReadError(AdbaError):
    """A search failed after a successful bind."""


class InputFileError(AdbaError):
    """A snapshot, LDIF or product file is malformed; names the file and line."""

    def __init__(self, path: str, message: str, line: int | None = None,
                 hint: str | None = None) -> None:
        where = f"{path}:{line}" if line is not None else path
        super().__init__(f"{where}: {message}", hint)
        self.path = path
        self.line = line
