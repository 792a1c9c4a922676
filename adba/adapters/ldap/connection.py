"""Open a protected, bound, read-only LDAP session to a domain controller.

One function, ``connect``, tries each candidate DC in turn (``--server`` or DNS discovery),
establishes TLS with validation, binds, and returns a ``ReadOnlyDirectory``. Every failure
becomes an ``AdbaError`` whose message names the server and the cause, and whose hint names
the way out.
"""

from __future__ import annotations

import errno
import logging
import math
import os
import re
import ssl
import time
from dataclasses import dataclass
from pathlib import Path

from ldap3 import BASE, NONE, SIMPLE, Connection, Server
from ldap3.core.exceptions import LDAPException, LDAPStartTLSError
from ldap3.utils.log import set_library_log_hide_sensitive_data

from adba.adapters.input_files import MiB, check_regular
from adba.adapters.ldap.credentials import AuthMethod, Credentials
from adba.adapters.ldap.directory import ReadOnlyDirectory
from adba.adapters.ldap.limits import DEFAULT_DEADLINE, Budget
from adba.adapters.ldap.receive import install
from adba.adapters.ldap.target import Endpoint, Transport, is_ip_address, parse_server
from adba.adapters.ldap.tls import ValidatingTls, certificate_names
from adba.errors import (
    AdbaError,
    AuthFailed,
    CertificateError,
    ConnectionFailed,
    InputFileError,
    ServerFault,
    UsageError,
)

log = logging.getLogger("adba.ldap")
set_library_log_hide_sensitive_data(True)


@dataclass(frozen=True)
class ConnectOptions:
    """What the user asked for: target, transport, validation, bind, timeout and deadline."""

    server: str | None
    domain: str | None
    dns_server: str | None
    transport: Transport
    ca_file: str | None
    insecure: bool
    timeout: float
    auth: AuthMethod
    credentials: Credentials
    server_name: str | None = None
    auto: bool = False
    """``--auth auto`` chose ``auth`` (Kerberos from a ticket): fall back as auto does."""
    deadline: float = DEFAULT_DEADLINE
    """Seconds for all the LDAP work of the run, every DC tried included (``--deadline``)."""


@dataclass(frozen=True)
class SessionInfo:
    """How the session was actually made, for the report header."""

    endpoint: Endpoint
    transport: Transport
    auth: str
    user: str
    certificate: str
    insecure: bool


def check_options(options: ConnectOptions) -> None:
    """Refuse inconsistent options before any packet is sent."""
    if options.server and options.domain:
        raise UsageError("--server and --domain were both given", "use one of them")
    if not options.server and not options.domain:
        raise UsageError("no domain controller given",
                         "pass --server dc1.contoso.com or --domain contoso.com")
    if options.auth is AuthMethod.SIMPLE and not options.transport.uses_tls:
        raise UsageError(
            "a simple bind over plain LDAP would send the password in clear text; adba refuses it",
            "use --ldaps (the default) or --starttls, or --auth kerberos/ntlm, which seal "
            "the session on plain LDAP")
    if options.ca_file:
        _check_ca_file(options.ca_file)
    if options.timeout <= 0:
        raise UsageError("--timeout must be a positive number of seconds")
    if not options.deadline > 0 or math.isinf(options.deadline):
        raise UsageError("--deadline must be a positive number of seconds")


CA_FILE_MAX = 16 * MiB
"""A PEM bundle of every public root is about 250 KB."""


def _check_ca_file(path: str) -> None:
    """--ca-file names a regular file of a sane size (a FIFO or device would hang the load)."""
    hint = "give the PEM file of the CA that issued the DC certificates"
    if not os.path.lexists(path):
        raise UsageError(f"--ca-file {path}: no such file", hint)
    try:
        check_regular(Path(path), CA_FILE_MAX, "CA file")
    except InputFileError as exc:
        raise UsageError(f"--ca-file {exc.message}", exc.hint or hint) from exc


def candidate_endpoints(options: ConnectOptions) -> list[Endpoint]:
    """The DCs to try, in order."""
    if options.server:
        return [parse_server(options.server, options.transport)]
    assert options.domain is not None
    from adba.adapters.ldap.discovery import discover_dcs, make_resolver

    resolver = make_resolver(options.dns_server, options.timeout)
    return discover_dcs(options.domain, options.transport, resolver)


def connect(options: ConnectOptions) -> tuple[ReadOnlyDirectory, SessionInfo]:
    """Connect, protect and bind to the first DC that answers.

    A DC that cannot be reached (refused, timed out, unresolvable) is skipped for the next one;
    a certificate or bind failure stops at once, since another DC would not change the cause.
    """
    check_options(options)
    ends_at = time.monotonic() + options.deadline
    endpoints = candidate_endpoints(options)
    unreachable: list[str] = []
    tried_ports: set[int] = set()
    faults: list[ServerFault] = []
    for index, endpoint in enumerate(endpoints):
        try:
            return _connect_auto(endpoint, options, ends_at)
        except _Unreachable as exc:
            unreachable.append(str(exc))
            tried_ports.update(exc.ports or (endpoint.port,))
            failure = str(exc)
        except ServerFault as exc:  # silent, dripping or not LDAP: another DC may do better
            if len(endpoints) == 1:
                raise
            unreachable.append(exc.message)
            faults.append(exc)
            failure = exc.message
        if index + 1 < len(endpoints):
            if time.monotonic() >= ends_at:
                raise ConnectionFailed(
                    f"the run's deadline of {options.deadline:g} s passed after trying "
                    f"{index + 1} of {len(endpoints)} domain controllers: "
                    + "; ".join(unreachable), "raise --deadline, or pass --server")
            log.warning("%s; trying the next domain controller", failure)
    ports = sorted(tried_ports, reverse=True)  # 636 before 389: what was asked, then the fallback
    hint = (f"check the name and that TCP port {'/'.join(map(str, ports))} is open, or raise "
            f"--timeout from {options.timeout:g} s")
    if faults:
        hint = "pass --server with a DC that answers, or raise --timeout / --deadline"
    if len(unreachable) == 1:
        raise ConnectionFailed(unreachable[0], hint)
    raise ConnectionFailed(
        f"none of the {len(unreachable)} domain controllers answered: " + "; ".join(unreachable),
        hint)


def connect_endpoint(endpoint: Endpoint, options: ConnectOptions,
                     ends_at: float | None = None) -> tuple[ReadOnlyDirectory, SessionInfo]:
    """Connect, protect and bind to this one DC, with no fallback to another (``adba
    consistency`` reads each DC of a list). ``ends_at`` is the run's shared deadline
    (``time.monotonic()`` value); by default ``options.deadline`` from now."""
    if ends_at is None:
        ends_at = time.monotonic() + options.deadline
    try:
        return _connect_auto(endpoint, options, ends_at)
    except _Unreachable as exc:
        ports = "/".join(str(p) for p in sorted(exc.ports or (endpoint.port,), reverse=True))
        raise ConnectionFailed(str(exc), f"check the name and that TCP port {ports} is open, "
                               f"or raise --timeout from {options.timeout:g} s") from exc


class _Unreachable(Exception):
    """Internal: this DC did not answer; try the next one.

    ``refused``: the port was closed (connection refused), which ``auto`` treats like a DC
    without an LDAPS certificate. ``ports``: the TCP ports tried, for the hint."""

    def __init__(self, message: str, *, cause: str = "", refused: bool = False,
                 ports: tuple[int, ...] = ()) -> None:
        super().__init__(message)
        self.cause = cause or message
        self.refused = refused
        self.ports = ports


class _TooWeak(AuthFailed):
    """Internal: the DC refused the bind as not protected enough (strongerAuthRequired,
    confidentialityRequired, no signing or sealing allowed inside TLS)."""


class _NoTls(ConnectionFailed):
    """Internal: the DC answers but offers no TLS here (no LDAPS certificate, StartTLS refused)."""


def _standard_port(endpoint: Endpoint, transport: Transport) -> bool:
    """Whether the DC's own LDAP ports are in use (636 for LDAPS, 389 for StartTLS): only then
    does no TLS mean no certificate, rather than a wrong port."""
    return endpoint.port == (636 if transport is Transport.LDAPS else 389)


def _connect_auto(endpoint: Endpoint, options: ConnectOptions,
                  ends_at: float) -> tuple[ReadOnlyDirectory, SessionInfo]:
    """``--auth auto``: over TLS first (a simple bind with a password, Kerberos with a ticket),
    then the same credentials sealed on 389 (NTLM, or Kerberos) when the DC refuses the bind
    as not strong enough (e.g. Samba refusing SASL inside TLS) or has no TLS to offer (no LDAPS
    certificate: port 636 refused or closed during the handshake, StartTLS refused). A
    certificate that fails validation is never worked around. Other methods: as asked."""
    auto = options.auth is AuthMethod.AUTO or options.auto
    method = options.auth
    if method is AuthMethod.AUTO:
        method = AuthMethod.SIMPLE if options.transport.uses_tls else AuthMethod.NTLM
    if not auto or not options.transport.uses_tls or method not in (AuthMethod.SIMPLE,
                                                                    AuthMethod.KERBEROS):
        return _connect_one(endpoint, options, method, ends_at)
    try:
        return _connect_one(endpoint, options, method, ends_at)
    except _TooWeak as exc:
        reason: Exception = exc
    except _NoTls as exc:
        if not _standard_port(endpoint, options.transport):
            raise
        reason = exc
    except _Unreachable as exc:
        if not exc.refused or not _standard_port(endpoint, options.transport):
            raise
        reason = exc
    sealed = AuthMethod.KERBEROS if method is AuthMethod.KERBEROS else AuthMethod.NTLM
    log.warning("%s; trying %s sealed on port 389", str(reason).split(" (")[0],
                "Kerberos" if sealed is AuthMethod.KERBEROS else "NTLM")
    plain = Endpoint(endpoint.host, 389, endpoint.address)
    fallback = ConnectOptions(**{**options.__dict__, "transport": Transport.PLAIN})
    try:
        return _connect_one(plain, fallback, sealed, ends_at)
    except _Unreachable as exc:
        if isinstance(reason, _Unreachable):  # the host is down: say what was asked first
            raise _Unreachable(f"{reason}; nor {plain.display} (the sealed fallback): "
                               f"{exc.cause}", cause=exc.cause,
                               ports=(endpoint.port, plain.port)) from exc
        raise _Unreachable(f"{exc} (the sealed fallback after {endpoint.display}: "
                           f"{str(reason).split(' (')[0]})", cause=exc.cause,
                           ports=(endpoint.port, plain.port)) from exc


@dataclass(frozen=True)
class _PreBind:
    """What the DC announces in its rootDSE before the bind (read anonymously)."""

    dns_host_name: str | None
    sasl_mechanisms: frozenset[str] | None  # None: not read


def _pre_bind(endpoint: Endpoint, conn: Connection, options: ConnectOptions,
              method: AuthMethod) -> _PreBind:
    """Read ``dnsHostName`` (for the service principal when connecting by address) and
    ``supportedSASLMechanisms`` (to choose the NTLM bind), only when one of them is needed."""
    need_name = not options.server_name and is_ip_address(endpoint.host)
    if not need_name and method is not AuthMethod.NTLM:
        return _PreBind(None, None)
    try:
        conn.search("", "(objectClass=*)", BASE,
                    attributes=["dnsHostName", "supportedSASLMechanisms"])
    except LDAPException as exc:
        if conn.closed or conn.socket is None:
            raise ServerFault(f"{endpoint.display}: the connection was lost reading the rootDSE "
                              f"before the bind ({_short(str(exc)) or type(exc).__name__})",
                              "retry, or try another DC") from exc
        log.info("%s: the rootDSE could not be read before the bind (%s)", endpoint.display,
                 type(exc).__name__)
        return _PreBind(None, None)
    for item in conn.response or []:
        raw = item.get("raw_attributes") or {}
        names = [bytes(v).decode("utf-8", "replace") for v in raw.get("dnsHostName") or []]
        mechs = frozenset(bytes(v).decode("ascii", "replace").upper()
                          for v in raw.get("supportedSASLMechanisms") or [])
        announced = bool(raw.get("supportedSASLMechanisms"))
        return _PreBind(names[0] if names else None, mechs if announced else None)
    return _PreBind(None, None)


def _sasl_host(endpoint: Endpoint, pre: _PreBind, options: ConnectOptions) -> str:
    """The DC name for the ``ldap/<name>`` service principal: ``--server-name``, else the host
    given, else (an IP address was given) the ``dnsHostName`` the DC announces in its rootDSE."""
    if options.server_name:
        return options.server_name
    if not is_ip_address(endpoint.host):
        return endpoint.host
    if pre.dns_host_name:
        log.info("%s names itself %s; using it for the service principal",
                 endpoint.display, pre.dns_host_name)
        return pre.dns_host_name
    return endpoint.host


def _ntlm_mechanism(method: AuthMethod, pre: _PreBind, label: str) -> str:
    """``sicily`` or ``gss-spnego``: Sicily when asked for, or when the DC announces SASL
    mechanisms without GSS-SPNEGO."""
    if method is AuthMethod.NTLM_SICILY:
        return "sicily"
    if pre.sasl_mechanisms is not None and "GSS-SPNEGO" not in pre.sasl_mechanisms:
        log.info("%s offers no SASL GSS-SPNEGO (%s); using the Sicily NTLM bind", label,
                 ", ".join(sorted(pre.sasl_mechanisms)) or "no SASL mechanism")
        return "sicily"
    return "gss-spnego"


def _connect_one(endpoint: Endpoint, options: ConnectOptions, method: AuthMethod,
                 ends_at: float) -> tuple[ReadOnlyDirectory, SessionInfo]:
    label = endpoint.display
    if time.monotonic() >= ends_at:
        raise ServerFault(f"the run's deadline of {options.deadline:g} s passed before "
                          f"{label} was tried", "raise --deadline")
    tls = ValidatingTls(endpoint.host, options.ca_file, options.insecure) \
        if options.transport.uses_tls else None
    server = Server(
        endpoint.address or endpoint.host,
        port=endpoint.port,
        use_ssl=options.transport is Transport.LDAPS,
        tls=tls,
        get_info=NONE,
        connect_timeout=options.timeout,
    )
    creds = options.credentials
    conn = Connection(
        server,
        user=creds.user,
        password=creds.password,
        authentication=SIMPLE,
        read_only=True,
        raise_exceptions=False,
        receive_timeout=max(1, math.ceil(options.timeout)),
        auto_referrals=False,
        return_empty_attributes=False,
    )
    budget = Budget(label, idle=options.timeout, deadline=options.deadline, ends_at=ends_at)
    install(conn, budget)
    if tls is not None:
        tls.budget = budget
    log.info("connecting to %s (%s)", label, options.transport.label)
    try:
        conn.open()
    except LDAPException as exc:
        _raise_open_error(exc, endpoint, tls, options)
    try:
        if options.transport is Transport.STARTTLS:
            try:
                started = conn.start_tls()
            except LDAPStartTLSError as exc:
                if tls is not None and tls.expired is not None:
                    raise tls.expired from exc
                if tls is not None and tls.last_exception is not None:
                    _raise_tls_error(tls.last_exception, endpoint, options)
                raise _NoTls(f"{label} refused StartTLS: {exc}",
                             "use --ldaps, or check that the DC has a certificate; or "
                             "--auth kerberos/ntlm with --plain-ldap (sealed)") from exc
            if not started:
                raise _NoTls(f"{label} refused StartTLS",
                             "use --ldaps, or --auth kerberos/ntlm with --plain-ldap (sealed)")
        user = creds.user
        if method is AuthMethod.SIMPLE:
            log.info("binding as %s (simple bind)", creds.user)
            try:
                bound = conn.bind()
            except LDAPException as exc:
                raise ConnectionFailed(f"{label}: connection lost during the bind: {exc}",
                                       "retry, or raise --timeout") from exc
            if not bound:
                _raise_bind_error(conn.result, endpoint, options)
            auth = "simple bind"
        else:
            auth, user = _sasl(conn, endpoint, options, method)
    except BaseException:
        try:
            conn.unbind()
        except LDAPException:
            pass
        raise
    if options.insecure:
        certificate = "NOT validated (--insecure)"
    else:
        certificate = "validated" + (f" against {options.ca_file}" if options.ca_file else
                                     " against the system store")
    if not options.transport.uses_tls:
        certificate = "none (plain LDAP, SASL security layer)"
    info = SessionInfo(endpoint=endpoint, transport=options.transport, auth=auth,
                       user=user, certificate=certificate, insecure=options.insecure)
    budget.bound = True
    log.info("bound to %s as %s (%s)", label, user, auth)
    return ReadOnlyDirectory(conn, label), info


def _sasl(conn: Connection, endpoint: Endpoint, options: ConnectOptions,
          method: AuthMethod) -> tuple[str, str]:
    """Bind with Kerberos or NTLM; the report's auth text and the user bound as."""
    from adba.adapters.ldap import kerberos
    from adba.adapters.ldap.sasl import SaslBindError, sasl_bind
    from adba.adapters.ldap.sicily import SicilyNotOffered, sicily_bind

    label = endpoint.display
    pre = _pre_bind(endpoint, conn, options, method)
    host = _sasl_host(endpoint, pre, options)
    creds = options.credentials
    tls_socket = conn.socket if options.transport.uses_tls else None
    mechanism = "gssapi"
    if method is AuthMethod.KERBEROS:
        user = kerberos.ticket_principal()
        kerberos.pin_service_names()
        protocol, name, password = "kerberos", None, None
    else:
        user = creds.user
        protocol, name, password = "ntlm", creds.user, creds.password
        mechanism = _ntlm_mechanism(method, pre, label)
    log.info("binding as %s (%s via %s, service principal ldap/%s)", user, protocol, mechanism,
             host)
    try:
        if mechanism == "sicily":
            outcome = sicily_bind(conn, hostname=host, user=creds.user, password=creds.password,
                                  tls_socket=tls_socket)
        else:
            outcome = sasl_bind(conn, protocol=protocol, hostname=host, user=name,
                                password=password, tls_socket=tls_socket)
    except AdbaError:  # a misbehaving server, already said in one line
        raise
    except SicilyNotOffered as exc:
        raise AuthFailed(f"{label} does not offer the Sicily NTLM bind ({exc}); Samba DCs "
                         "implement only SASL GSS-SPNEGO",
                         "use --auth ntlm (GSS-SPNEGO), or --auth kerberos") from exc
    except SaslBindError as exc:
        if exc.result:
            _raise_bind_error(exc.result, endpoint, options, method)
        raise AuthFailed(f"{label}: {protocol} bind failed: {exc}",
                         "run with --debug for details") from exc
    except OSError as exc:
        raise ConnectionFailed(f"{label}: connection lost during the bind: {exc}",
                               "retry, or raise --timeout") from exc
    except Exception as exc:
        if method is AuthMethod.KERBEROS:
            kerberos.raise_kerberos_error(exc, label, host)
        raise AuthFailed(f"{label}: the NTLM bind as {user} failed: {type(exc).__name__}",
                         "check the user (DOMAIN\\user or user@domain) and the password") from exc
    names = {"kerberos": "Kerberos", "gss-spnego": "NTLM (GSS-SPNEGO)", "sicily": "NTLM (Sicily)"}
    if options.transport.uses_tls:
        protection = f"inside {options.transport.label}, channel-bound"
    else:
        protection = outcome.protection
    return f"{names[protocol if protocol == 'kerberos' else mechanism]}, {protection}, " \
           f"port {endpoint.port}", user


_CLOSED_ERRNOS = frozenset({errno.ECONNRESET, errno.ECONNABORTED, errno.EPIPE})


def _closed_by_peer(exc: BaseException) -> bool:
    """Whether the server reset or closed the TCP connection (RST, EOF, broken pipe), as a load
    balancer or a DC without an LDAPS certificate does right after accepting it."""
    if isinstance(exc, ConnectionResetError | ConnectionAbortedError | BrokenPipeError
                  | ssl.SSLEOFError | ssl.SSLZeroReturnError):
        return True
    if isinstance(exc, OSError) and exc.errno in _CLOSED_ERRNOS:
        return True
    # ldap3 re-raises a copy whose text is all that is left of the errno
    lowered = str(exc).lower()
    return "connection reset" in lowered or "reset by peer" in lowered \
        or "connection aborted" in lowered or "broken pipe" in lowered


def _closed_before_tls(label: str) -> _NoTls:
    return _NoTls(
        f"TLS handshake with {label} failed: the server closed the connection",
        "is this an LDAPS port? LDAPS is 636; for 389 use --starttls. A DC without an LDAPS "
        "certificate does this: use --auth kerberos/ntlm with --plain-ldap (sealed)")


def _raise_open_error(exc: LDAPException, endpoint: Endpoint, tls: ValidatingTls | None,
                      options: ConnectOptions) -> None:
    if tls is not None and tls.expired is not None:
        raise tls.expired from exc
    if tls is not None and tls.last_exception is not None:
        _raise_tls_error(tls.last_exception, endpoint, options)
    text = str(exc)
    lowered = text.lower()
    refused = False
    if options.transport is Transport.LDAPS and _closed_by_peer(exc):
        # Reset while connecting, before ldap3 began the handshake: the same server, the same
        # reset, only sooner (a reset arriving before connect() returns is reported by it).
        raise _closed_before_tls(endpoint.display) from exc
    if "timed out" in lowered or "timeout" in lowered:
        cause = f"no answer within {options.timeout:g} s"
    elif "refused" in lowered:
        cause = "connection refused"
        refused = True
    elif _closed_by_peer(exc):
        cause = "the server reset the connection"
    elif "name or service not known" in lowered or "nodename nor servname" in lowered \
            or "invalid server address" in lowered or "no address" in lowered:
        cause = "the name does not resolve"
    elif "unreachable" in lowered:
        cause = "network unreachable"
    else:
        cause = re.sub(r"\s+", " ", text)
    raise _Unreachable(f"cannot reach {endpoint.display}: {cause}", cause=cause,
                       refused=refused, ports=(endpoint.port,)) from exc


def _raise_tls_error(exc: BaseException, endpoint: Endpoint, options: ConnectOptions) -> None:
    label = endpoint.display
    if isinstance(exc, ssl.SSLCertVerificationError):
        if exc.verify_code == 62 or "hostname mismatch" in str(exc).lower() \
                or "ip address mismatch" in str(exc).lower():
            names = certificate_names(endpoint.address or endpoint.host, endpoint.port,
                                      endpoint.host, options.timeout)
            named = ", ".join(names) if names else "names that could not be read"
            raise CertificateError(
                f"the certificate of {label} does not name {endpoint.host!r}; it names {named}",
                "connect with a name the certificate carries (--server), or fix the DC "
                "certificate; --insecure skips validation and is not recommended") from exc
        reason = exc.verify_message or str(exc)
        hint = ("pass --ca-file with the CA that issued the DC certificate"
                if "issuer" in reason or "self-signed" in reason or "self signed" in reason
                else "check the DC certificate and the clock of this machine")
        raise CertificateError(f"the certificate of {label} is not trusted: {reason}",
                               hint) from exc
    if isinstance(exc, TimeoutError) or "timed out" in str(exc):
        raise _Unreachable(
            f"cannot reach {label}: no answer to the TLS handshake within {options.timeout:g} s "
            "(is this an LDAPS port?)", ports=(endpoint.port,)) from exc
    if _closed_by_peer(exc):
        raise _closed_before_tls(label) from exc
    if isinstance(exc, ssl.SSLError):
        raise ConnectionFailed(
            f"TLS handshake with {label} failed: {exc.reason or exc}",
            "check that the port speaks TLS (LDAPS is 636; for 389 use --starttls)") from exc
    if isinstance(exc, OSError):
        raise _Unreachable(f"cannot reach {label}: TLS handshake failed: {exc}",
                           ports=(endpoint.port,)) from exc
    raise ConnectionFailed(f"TLS with {label} failed: {exc}") from exc


def _stronger_hint(method: AuthMethod, options: ConnectOptions) -> str:
    if method is AuthMethod.SIMPLE:
        return ("use --ldaps or --starttls, or --auth kerberos / --auth ntlm with --plain-ldap "
                "(sealed on port 389)")
    if options.transport.uses_tls:
        return ("the DC refuses SASL inside TLS: use --plain-ldap (Kerberos/NTLM sealed on port "
                "389), or --auth simple over LDAPS")
    return "use --ldaps with --auth simple, or --auth kerberos on port 389"


_DATA_CODES = {
    "525": "the user does not exist",
    "52e": "the user name or password is wrong",
    "530": "the account may not log on at this time",
    "531": "the account may not log on from this workstation",
    "532": "the password has expired",
    "533": "the account is disabled",
    "701": "the account has expired",
    "773": "the user must change the password first",
    "775": "the account is locked out",
}


def _short(message: str) -> str:
    """A server's diagnostic message on one line, without trailing NULs."""
    return re.sub(r"\s+", " ", message.replace("\x00", " ")).strip()


def _raise_bind_error(result: dict[str, object], endpoint: Endpoint,
                      options: ConnectOptions, method: AuthMethod = AuthMethod.SIMPLE) -> None:
    label = endpoint.display
    code = result.get("result")
    message = str(result.get("message") or "").strip()
    user = options.credentials.user
    if method is AuthMethod.KERBEROS:
        user = "the Kerberos ticket's user"
    if code == 49:
        if "80090346" in message:
            if options.transport.uses_tls and method is not AuthMethod.SIMPLE:
                raise AuthFailed(
                    f"{label} requires channel binding (data 80090346) and refused the token adba "
                    f"sent for the certificate it saw: that certificate is not the DC's own (a "
                    "TLS-inspecting proxy or load balancer in between?)",
                    "connect to the DC itself, or use --plain-ldap (Kerberos/NTLM sealed on "
                    "port 389)")
            raise AuthFailed(
                f"{label} requires channel binding (data 80090346) and refused the bind as {user}",
                "use --ldaps or --starttls with --auth kerberos or ntlm (adba sends the "
                "channel-binding token), or --auth simple over LDAPS")
        match = re.search(r"data ([0-9a-f]{1,8})", message, re.IGNORECASE)
        code_text = match.group(1).lower() if match else None
        detail = _DATA_CODES.get(code_text) if code_text else None
        if detail is None and method.is_ntlm and options.transport.uses_tls:
            raise AuthFailed(
                f"{label} refused NTLM inside {options.transport.label} "
                f"({_short(message) or 'invalidCredentials'}); Samba DCs accept NTLM only sealed "
                "on port 389",
                "use --plain-ldap (NTLM sealed on 389), or --auth simple over LDAPS")
        if detail is None and code_text:
            detail = f"the DC refused the credentials (data {code_text})"
        cause = detail or "wrong user name or password"
        raise AuthFailed(f"{label} refused the bind as {user}: {cause}",
                         "check the user (UPN user@domain or DOMAIN\\user) and the password")
    if code == 8:
        raise _TooWeak(
            f"{label} refused the bind as {user}: the server requires a stronger "
            f"authentication ({message or 'strongerAuthRequired'})",
            _stronger_hint(method, options))
    if code == 13:
        raise _TooWeak(f"{label} requires confidentiality: {message or 'confidentialityRequired'}",
                         "use --ldaps or --starttls")
    if code == 53 and "tls" in message.lower() and options.transport.uses_tls:
        raise _TooWeak(f"{label} refuses signing or sealing inside TLS: {_short(message)}",
                         _stronger_hint(method, options))
    if code == 53:
        raise AuthFailed(f"{label} is unwilling to accept this bind: {_short(message)}",
                         "check that the account may bind, or use another --user")
    description = result.get("description") or code
    raise AuthFailed(f"{label} refused the bind as {user}: {description} {message}".rstrip(),
                     "run with --debug for the server's full answer")


__all__ = ["AdbaError", "ConnectOptions", "SessionInfo", "check_options", "connect"]
