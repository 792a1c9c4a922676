"""The Kerberos credential cache (``KRB5CCNAME``) and Kerberos errors explained in one line.

On Linux and macOS it needs the optional ``gssapi`` package (the ``kerberos`` extra:
``pip install '.[kerberos]'`` in a checkout of adba).
On Windows pyspnego binds through SSPI with the logon session's own ticket: a user logged on
to a domain has one, and there is no cache to inspect.
"""

from __future__ import annotations

import contextlib
import os
import sys
from typing import NoReturn

from adba.errors import AuthFailed, UsageError

MISSING, EXPIRED, VALID, UNAVAILABLE = "missing", "expired", "valid", "unavailable"


_PINNED = "adba-krb5-pinned-names.conf"
_PIN_CONFIG = ("# written by adba: service principals exactly as named, no DNS canonicalisation\n"
               "[libdefaults]\n    rdns = false\n    dns_canonicalize_hostname = false\n")


def pin_service_names() -> None:
    """Make MIT Kerberos use ``ldap/<name>`` exactly as adba names it (the name given, or the
    one the DC announces), whatever the system ``krb5.conf`` says: no reverse DNS of the
    address and no canonicalisation of the name (aliases and stale PTR records otherwise pick
    another service principal). Done by putting a two-line profile in front of
    ``KRB5_CONFIG``; MIT reads the first file's value of a setting first. Not needed on
    Windows (SSPI)."""
    if _on_windows():
        return
    current = os.environ.get("KRB5_CONFIG") or "/etc/krb5.conf"
    if _PINNED in current:
        return
    import atexit
    import tempfile

    directory = tempfile.mkdtemp(prefix="adba-krb5-")
    path = os.path.join(directory, _PINNED)
    with open(path, "w", encoding="ascii") as handle:
        handle.write(_PIN_CONFIG)

    def _remove() -> None:
        with contextlib.suppress(OSError):
            os.unlink(path)
            os.rmdir(directory)

    atexit.register(_remove)
    os.environ["KRB5_CONFIG"] = f"{path}:{current}"


def _on_windows() -> bool:
    return sys.platform == "win32"


def _windows_status() -> str:
    """SSPI: ``valid`` when Kerberos is available and the session is logged on to a domain."""
    try:
        from spnego._sspi import SSPIProxy

        protocols = SSPIProxy.available_protocols()
    except Exception:
        return UNAVAILABLE
    if "kerberos" not in protocols:
        return UNAVAILABLE
    return VALID if os.environ.get("USERDNSDOMAIN") else MISSING


def ticket_status() -> str:
    """``valid``, ``expired`` or ``missing`` for the default credential cache; ``unavailable``
    when the ``gssapi`` package is not installed. On Windows: the logon session (SSPI)."""
    if _on_windows():
        return _windows_status()
    try:
        import gssapi
        from gssapi.exceptions import ExpiredCredentialsError
        from gssapi.raw.misc import GSSError
    except ImportError:
        return UNAVAILABLE
    try:
        creds = gssapi.Credentials(usage="initiate")
        lifetime = creds.lifetime
    except ExpiredCredentialsError:
        return EXPIRED
    except GSSError as exc:
        return EXPIRED if "expired" in str(exc).lower() else MISSING
    return VALID if lifetime is None or lifetime > 0 else EXPIRED


def ticket_principal() -> str:
    """The principal of the cached ticket, or a one-line error with the way out."""
    status = ticket_status()
    if _on_windows():
        if status != VALID:
            raise AuthFailed("this Windows session is not logged on to a domain, so it has no "
                             "Kerberos ticket",
                             "log on with a domain account, or use --auth ntlm / --auth simple")
        return f"{os.environ.get('USERNAME', 'user')}@{os.environ['USERDNSDOMAIN'].upper()}"
    if status == UNAVAILABLE:
        raise UsageError("Kerberos needs the 'gssapi' package, which is not installed",
                         "in adba's source directory: pip install '.[kerberos]' (needs "
                         "libkrb5-dev to build); or use --auth ntlm / --auth simple")
    if status == MISSING:
        raise AuthFailed("no Kerberos ticket in the credential cache",
                         "run kinit user@REALM (or set KRB5CCNAME to your ticket cache)")
    if status == EXPIRED:
        raise AuthFailed("the Kerberos ticket has expired", "run kinit user@REALM again")
    import gssapi

    return str(gssapi.Credentials(usage="initiate").name)


def raise_kerberos_error(exc: BaseException, label: str, host: str) -> NoReturn:
    """Turn a pyspnego/gssapi failure into one line that names the cause and the way out.
    The exception text is read for known causes but never shown (it may carry names only, but
    the message stays short and predictable)."""
    text = " ".join(str(part) for part in (exc, getattr(exc, "__cause__", None)) if part).lower()
    if "skew" in text:
        raise AuthFailed(f"{label}: Kerberos refused: the clock of this machine and the DC's "
                         "differ by more than the allowed skew (5 minutes)",
                         "synchronise the clock (NTP) with the domain") from exc
    if "expired" in text:
        raise AuthFailed("the Kerberos ticket has expired", "run kinit user@REALM again") from exc
    if "not found in kerberos database" in text or "server not found" in text \
            or "unknown server" in text:
        raise AuthFailed(f"{label}: the KDC does not know the service principal ldap/{host}",
                         "connect with the DC's full name (--server dc1.example.com, or "
                         "--server-name when connecting by address)") from exc
    if "cannot contact" in text or "unable to reach" in text or ("kdc" in text and "reach" in text):
        raise AuthFailed(f"{label}: no KDC of the ticket's realm could be reached",
                         "check the kdc lines of krb5.conf (KRB5_CONFIG) and that TCP/UDP port "
                         "88 of a DC is open") from exc
    if "no credentials" in text or "credential cache" in text or "not found" in text:
        raise AuthFailed("no Kerberos ticket in the credential cache",
                         "run kinit user@REALM (or set KRB5CCNAME to your ticket cache)") from exc
    raise AuthFailed(f"{label}: the Kerberos bind failed ({type(exc).__name__})",
                     "run klist to check the ticket, and --debug for details") from exc
