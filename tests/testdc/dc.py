"""Start, seed and stop a throw-away Samba AD DC on a loopback address.

See :mod:`tests.testdc` for the public API and ``/work/shared/reference/test-dc.md`` for the
facts about Samba this module relies on.
"""

from __future__ import annotations

import atexit
import contextlib
import ipaddress
import os
import re
import secrets
import shutil
import signal
import socket
import ssl
import subprocess
import tempfile
import threading
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import IO, Any

import ldap3
from ldap3.core.exceptions import LDAPException
from ldap3.protocol.microsoft import security_descriptor_control
from ldap3.utils.dn import escape_rdn

from .certs import TlsFiles, issue_server_certificate, write_tls_files

__all__ = [
    "FORESTPREP_ACES",
    "SPP_CLASS_DEFAULT_SD",
    "SPP_CONTAINER_MODES",
    "ActivationObjectSeed",
    "DCSpec",
    "DCStartError",
    "HarnessError",
    "RunningDC",
    "SambaUnavailableError",
    "SeedError",
    "join_dc",
    "samba_available",
    "sddl_to_binary",
    "start_dc",
]

#: The ACEs Windows forestprep (operations 91 and 92) puts on ``CN=Microsoft SPP`` and on
#: ``CN=Activation Objects``: Authenticated Users read, Enterprise Admins manage, SYSTEM full.
FORESTPREP_ACES: tuple[str, ...] = (
    "(A;;RPLCLORC;;;AU)",
    "(A;;RPWPCRLCLOCCRCWDWOSW;;;EA)",
    "(A;;RPWPCRLCLOCCDCRCWDWOSDDTSW;;;SY)",
)

#: ``defaultSecurityDescriptor`` of ``msSPP-ActivationObject`` and
#: ``msSPP-ActivationObjectsContainer`` in Windows' Sch48.ldf (Samba's copy has a stray space).
SPP_CLASS_DEFAULT_SD = "O:BAG:BAD:(A;;RPWPCRCCDCLCLORCWOWDSDDTSW;;;DA)(A;;RPLCLORC;;;AU)"

#: Accepted values of :attr:`DCSpec.spp_containers`.
SPP_CONTAINER_MODES: tuple[str, ...] = ("forestprep", "no-au-read", "missing")

#: Base schemas that predate Windows Server 2012 and so lack the msSPP classes.
_SCHEMAS_WITHOUT_SPP: frozenset[str] = frozenset({"2008_R2", "2008_R2_old"})

_SYSTEM_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
_LOG_TAIL_LINES = 40
_KEEP_ENV = "ADBA_TESTDC_KEEP"
# AF_UNIX socket paths are limited to 108 bytes; Samba puts sockets a few levels below the
# workdir; the longest is <workdir>/run/ncalrpc/np/protected_storage (33 more characters).
_MAX_WORKDIR_LEN = 70


class HarnessError(RuntimeError):
    """Any failure of the test-DC harness."""


class SambaUnavailableError(HarnessError):
    """Samba is not installed or we are not root."""


class DCStartError(HarnessError):
    """Provisioning failed or the DC did not answer an authenticated LDAPS bind in time."""


class SeedError(HarnessError):
    """The server refused an add/modify while seeding; ``result`` is ldap3's result dict."""

    def __init__(self, message: str, dn: str = "", result: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.dn = dn
        self.result: dict[str, Any] = dict(result or {})


@dataclass(frozen=True)
class ActivationObjectSeed:
    """One ``msSPP-ActivationObject`` to add under ``CN=Activation Objects``.

    ``attributes`` maps LDAP attribute names to value lists; ``bytes`` values are sent as-is
    (GUIDs: ``uuid.UUID(...).bytes_le``), ``str`` values as UTF-8.  ``objectClass`` is added by
    the harness.  Nothing is validated locally: the server's own constraints apply.
    """

    cn: str
    attributes: dict[str, list[bytes | str]] = field(default_factory=dict)


@dataclass(frozen=True)
class DCSpec:
    """What forest to build.  See the module docstring of :mod:`tests.testdc`."""

    ip: str = "127.0.0.1"
    realm: str = "CONTOSO.TEST"
    netbios: str = "CONTOSO"
    hostname: str = "dc1"
    base_schema: str | None = None
    spp_containers: str = "forestprep"
    extra_container_aces: tuple[str, ...] = ()
    objects: tuple[ActivationObjectSeed, ...] = ()
    extra_ldif: str = ""
    smb_conf_options: tuple[tuple[str, str], ...] = ()
    """Extra ``[global]`` settings, e.g. ``(("ldap server require strong auth",
    "allow_sasl_over_tls"),)``; they override the harness's own."""
    tls_aliases: tuple[str, ...] = ()
    """More DNS names for the DC's certificate (e.g. for a benchmark that lists the same DC
    under several names); none by default, so any other name fails validation."""
    process_model: str = "single"
    """Samba's ``-M`` process model: ``single`` (one process serves every client, the
    default) or ``standard`` (one process per connection, like a DC under load)."""
    windows_default_sd: bool = True
    """Repair the msSPP classes' ``defaultSecurityDescriptor`` in the schema before the DC
    starts.  Samba 4.17 ships it as ``O:BAG:BAD: (A;;...;;;DA)(A;;RPLCLORC;;;AU)`` (a space
    after ``D:``) which its SDDL parser rejects, so new activation objects get only inherited
    ACEs and a plain user sees their DNs but no attributes.  With the repair they get
    Windows' explicit DA-full and AU-read ACEs.  ``False`` keeps Samba's behaviour."""

    @property
    def fqdn(self) -> str:
        """``<hostname>.<realm in lower case>``, e.g. ``dc1.contoso.test``."""
        return f"{self.hostname.lower()}.{self.realm.lower()}"

    @property
    def base_dn(self) -> str:
        """Domain (and forest root) DN derived from the realm, e.g. ``DC=contoso,DC=test``."""
        return ",".join(f"DC={part}" for part in self.realm.lower().split("."))

    @property
    def has_spp_schema(self) -> bool:
        """Whether the chosen base schema has the msSPP classes (2012 and later)."""
        return self.base_schema not in _SCHEMAS_WITHOUT_SPP

    @property
    def creates_ao_container(self) -> bool:
        """Whether the harness creates ``CN=Activation Objects`` for this spec."""
        return self.spp_containers != "missing" and self.has_spp_schema

    def validate(self) -> None:
        """Raise ``ValueError`` for a spec the harness cannot build."""
        addr = ipaddress.ip_address(self.ip)
        if addr.version != 4 or not addr.is_loopback:
            raise ValueError(f"DCSpec.ip must be an IPv4 loopback address (127.x.y.z), not {self.ip!r}")
        if self.spp_containers not in SPP_CONTAINER_MODES:
            raise ValueError(
                f"DCSpec.spp_containers must be one of {SPP_CONTAINER_MODES}, not {self.spp_containers!r}"
            )
        if not re.fullmatch(r"[A-Za-z][A-Za-z0-9-]{0,14}", self.hostname):
            raise ValueError(
                f"DCSpec.hostname must be a short NetBIOS-compatible name, not {self.hostname!r}"
            )
        if self.process_model not in ("single", "standard", "prefork"):
            raise ValueError(f"DCSpec.process_model must be single, standard or prefork, not "
                             f"{self.process_model!r}")
        if "." not in self.realm:
            raise ValueError(f"DCSpec.realm must be a dotted DNS name, not {self.realm!r}")
        if not self.creates_ao_container and (self.objects or self.extra_container_aces):
            why = (
                "spp_containers='missing'"
                if self.spp_containers == "missing"
                else f"base_schema={self.base_schema!r} lacks msSPP-ActivationObjectsContainer"
            )
            raise ValueError(
                f"objects/extra_container_aces need CN=Activation Objects, which is not created ({why})"
            )


def _which(name: str) -> str | None:
    return shutil.which(name) or shutil.which(name, path=_SYSTEM_PATH)


def samba_available() -> tuple[bool, str]:
    """Report whether this machine can run a test DC.

    Returns:
        ``(True, "...")`` when ``samba``, ``samba-tool`` and ``ip`` are installed and the process
        runs as root (needed for ports below 1024 and for adding loopback addresses);
        otherwise ``(False, reason)``.
    """
    missing = [tool for tool in ("samba", "samba-tool", "ip") if _which(tool) is None]
    if missing:
        return False, (
            f"not installed: {', '.join(missing)} (apt-get install -y samba samba-ad-dc "
            "krb5-user ldb-tools ldap-utils iproute2)"
        )
    if os.geteuid() != 0:
        return (
            False,
            f"the Samba test DC needs root (ports < 1024, loopback addresses); euid is {os.geteuid()}",
        )
    try:
        out = subprocess.run(
            [str(_which("samba")), "--version"],
            capture_output=True,
            text=True,
            timeout=20,
            check=False,
        )
    except (OSError, subprocess.SubprocessError) as exc:
        return False, f"samba --version failed: {exc}"
    version = (out.stdout or out.stderr).strip()
    if out.returncode != 0 or not version:
        return False, f"samba --version failed (rc {out.returncode}): {out.stderr.strip()}"
    return True, version


# Run by Samba's own interpreter (the one in samba-tool's shebang), which has the ``samba``
# bindings: argv[1] is the domain SID, each further argument an SDDL string; prints the
# binary security descriptors as hex, one a line.
_SDDL_SCRIPT = """
import sys
from samba.dcerpc import security
from samba.ndr import ndr_pack
sid = security.dom_sid(sys.argv[1])
for text in sys.argv[2:]:
    print(ndr_pack(security.descriptor.from_sddl(text, sid)).hex())
"""


def _samba_python() -> str:
    """The interpreter samba-tool runs with (it has the ``samba`` Python bindings)."""
    tool = _which("samba-tool")
    if tool is not None:
        with contextlib.suppress(OSError), open(tool, "rb") as handle:
            first = handle.readline().decode("utf-8", "replace").strip()
            if first.startswith("#!"):
                parts = first[2:].split()
                if parts and Path(parts[0]).name.startswith("python") and Path(parts[0]).exists():
                    return parts[0]
    return "/usr/bin/python3"


def sddl_to_binary(sddl: Sequence[str] | str, domain_sid: str) -> list[bytes]:
    """Encode SDDL security descriptors with Samba's own parser.

    Args:
        sddl: one SDDL string (e.g. ``"D:(A;;RPLCLORC;;;AU)"``) or several.
        domain_sid: the SID that domain-relative aliases (``DA``, ``EA``, ``DU`` ...) use.

    Returns:
        The self-relative binary descriptors (what ``nTSecurityDescriptor`` holds).
    """
    texts = [sddl] if isinstance(sddl, str) else list(sddl)
    proc = _run(
        [_samba_python(), "-c", _SDDL_SCRIPT, domain_sid, *texts],
        timeout=60,
        what="SDDL encoding with Samba's Python bindings",
    )
    lines = proc.stdout.split()
    if len(lines) != len(texts):
        raise HarnessError(f"SDDL encoding returned {len(lines)} values for {len(texts)} inputs")
    return [bytes.fromhex(line) for line in lines]


def _random_password() -> str:
    """A password that satisfies AD complexity (upper, lower, digit, symbol; 24+ chars)."""
    return "Aa1-" + secrets.token_urlsafe(18)


def _run(
    argv: Sequence[str],
    *,
    env: dict[str, str] | None = None,
    timeout: float = 120.0,
    what: str,
    error: type[HarnessError] = HarnessError,
    input_text: str | None = None,
) -> subprocess.CompletedProcess[str]:
    try:
        proc = subprocess.run(
            list(argv),
            capture_output=True,
            text=True,
            env=env,
            timeout=timeout,
            check=False,
            input=input_text,
            stdin=None if input_text is not None else subprocess.DEVNULL,
        )
    except subprocess.TimeoutExpired as exc:
        raise error(f"{what}: timed out after {timeout:.0f} s") from exc
    if proc.returncode != 0:
        detail = (proc.stderr.strip() or proc.stdout.strip())[-4000:]
        raise error(f"{what} failed (rc {proc.returncode}): {detail}")
    return proc


# --- loopback addresses ------------------------------------------------------------------

_IP_LOCK = threading.Lock()


def _lo_addresses() -> set[str]:
    out = _run([str(_which("ip")), "-o", "-4", "addr", "show", "dev", "lo"], what="ip addr show dev lo")
    return set(re.findall(r"\binet (\d+\.\d+\.\d+\.\d+)/", out.stdout))


def _ensure_loopback(ip: str) -> bool:
    """Add ``ip/32`` to ``lo`` unless it is already there; return whether we added it."""
    with _IP_LOCK:
        if ip in _lo_addresses():
            return False
        _run(
            [str(_which("ip")), "addr", "add", f"{ip}/32", "dev", "lo"],
            what=f"ip addr add {ip}/32 dev lo",
        )
        return True


def _remove_loopback(ip: str) -> None:
    with _IP_LOCK:
        if ip in _lo_addresses():
            _run(
                [str(_which("ip")), "addr", "del", f"{ip}/32", "dev", "lo"],
                what=f"ip addr del {ip}/32 dev lo",
            )


def _port_in_use(ip: str, port: int) -> bool:
    try:
        with socket.create_connection((ip, port), timeout=0.5):
            return True
    except OSError:
        return False


# --- smb.conf ----------------------------------------------------------------------------

_DROP_SHARES = ("homes", "printers", "print$")


def _rewrite_smb_conf(text: str, options: dict[str, str]) -> str:
    """Set ``options`` in ``[global]`` (replacing existing keys) and drop printer/home shares."""
    wanted = {key.lower(): (key, value) for key, value in options.items()}
    out: list[str] = []
    section = ""
    for line in text.splitlines():
        stripped = line.strip()
        header = re.fullmatch(r"\[(.+)\]", stripped)
        if header:
            if section == "global":
                out.extend(f"\t{key} = {value}" for key, value in wanted.values())
            section = header.group(1).strip().lower()
            if section in _DROP_SHARES:
                continue
            out.append(line)
            continue
        if section in _DROP_SHARES:
            continue
        if section == "global" and "=" in stripped and not stripped.startswith(("#", ";")):
            key = stripped.split("=", 1)[0].strip().lower()
            if key in wanted:
                continue
        out.append(line)
    if section == "global":
        out.extend(f"\t{key} = {value}" for key, value in wanted.values())
    return "\n".join(out) + "\n"


# --- ldap3 helpers -----------------------------------------------------------------------


class _SslValidatingTls(ldap3.Tls):  # type: ignore[misc]
    """An ``ldap3.Tls`` that leaves the whole validation (chain, then the name: a DNS name or
    an IP address) to Python's ``ssl``, as adba does (``adba/adapters/ldap/tls.py``).

    ldap3 2.9.1 turns ``check_hostname`` off and matches names itself, through
    ``ssl.match_hostname``; Python 3.12 removed that, and ldap3's fallback ignores IP SANs, so
    a validated connection to ``dc.ip`` would fail there.  With ``check_hostname`` on and
    ``server_hostname`` set, OpenSSL matches the name (and an IP against the IP SAN).
    """

    def __init__(self, ca_file: str, name: str, *, validate: bool) -> None:
        super().__init__(
            validate=ssl.CERT_REQUIRED if validate else ssl.CERT_NONE,
            ca_certs_file=ca_file,
            sni=name,
        )
        self._ca_file = ca_file
        self._name = name
        self._validate = validate

    def context(self) -> ssl.SSLContext:
        """The client context: the harness CA as the only trust anchor, name checked."""
        ctx = ssl.create_default_context(ssl.Purpose.SERVER_AUTH, cafile=self._ca_file)
        if not self._validate:
            ctx.check_hostname = False
            ctx.verify_mode = ssl.CERT_NONE
        return ctx

    def wrap_socket(self, connection: Any, do_handshake: bool = False) -> None:
        connection.socket = self.context().wrap_socket(
            connection.socket,
            server_side=False,
            do_handshake_on_connect=do_handshake,
            server_hostname=self._name,
        )


class _PinnedServer(ldap3.Server):  # type: ignore[misc]
    """An ``ldap3.Server`` whose name is only used for TLS validation/SNI.

    The TCP connection always goes to a fixed address, so a test can check certificate-name
    validation for ``dc1.contoso.test`` or ``localhost`` without DNS or ``/etc/hosts``.
    """

    def __init__(self, name: str, address: str, **kwargs: Any) -> None:
        super().__init__(name, **kwargs)
        self._pinned_address: list[Any] = [
            [
                socket.AF_INET,
                socket.SOCK_STREAM,
                socket.IPPROTO_TCP,
                "",
                (address, self.port),
                None,
                None,
            ]
        ]

    @property
    def address_info(self) -> list[Any]:
        self._address_info = self._pinned_address
        return self._pinned_address


def _sid_to_str(blob: bytes) -> str:
    """Binary SID (as ``objectSid`` holds it) to ``S-1-...`` text."""
    if len(blob) < 8 or len(blob) != 8 + 4 * blob[1]:
        raise HarnessError(f"not a binary SID: {blob!r}")
    authority = int.from_bytes(blob[2:8], "big")
    subs = [int.from_bytes(blob[8 + 4 * i : 12 + 4 * i], "little") for i in range(blob[1])]
    return "-".join(["S", str(blob[0]), str(authority), *map(str, subs)])


def _result_text(result: dict[str, Any] | None) -> str:
    if not result:
        return "no result"
    code = result.get("result")
    message = str(result.get("message") or "")
    return f"{result.get('description')} (result {code}): {message}".rstrip(": ")


# --- the running DC ----------------------------------------------------------------------

_REGISTRY: set[RunningDC] = set()
_REGISTRY_LOCK = threading.Lock()


def _stop_all_at_exit() -> None:
    with _REGISTRY_LOCK:
        dcs = list(_REGISTRY)
    for dc in dcs:
        with contextlib.suppress(Exception):
            dc.stop()


atexit.register(_stop_all_at_exit)


class RunningDC:
    """A started, seeded Samba AD DC.  Use :func:`start_dc` to create one.

    Attributes:
        spec: the spec it was built from.
        workdir: everything the DC writes lives below this directory.
        host: the DC's FQDN, e.g. ``dc1.contoso.test`` (a DNS SAN of its certificate; it does
            NOT resolve, use :meth:`server`/:meth:`connect` with ``name=host`` to validate it).
        ip: the loopback address it listens on (the other SAN of its certificate).
        ca_file: the CA certificate to validate LDAPS against.
        base_dn / config_dn / schema_dn: naming contexts.
        ao_container_dn: ``CN=Activation Objects,CN=Microsoft SPP,CN=Services,<config_dn>``.
        domain_sid: the domain SID (``S-1-5-21-...``).
        user_upn / user_down_level / user_password: the plain Domain User ``reader``.
        admin_upn / admin_password: ``Administrator``.
        smb_conf / sam_ldb / log_file: paths; ``samba-tool ... -H sam_ldb -s smb_conf`` works
            while the DC runs (see :meth:`samba_tool`).
        pid: the samba process id (leader of its own process group).
        startup_seconds: wall time of provision + start + seeding.
    """

    spec: DCSpec
    workdir: Path
    host: str
    ip: str
    ca_file: Path
    base_dn: str
    config_dn: str
    schema_dn: str
    ao_container_dn: str
    spp_container_dn: str
    domain_sid: str
    user_upn: str
    user_down_level: str
    user_password: str
    admin_upn: str
    admin_password: str
    smb_conf: Path
    sam_ldb: Path
    log_file: Path
    pid: int
    startup_seconds: float

    def __init__(
        self,
        spec: DCSpec,
        workdir: Path,
        *,
        owns_workdir: bool,
        added_ip: bool,
        admin_password: str,
        user_password: str,
    ) -> None:
        self.spec = spec
        self.workdir = workdir
        self.host = spec.fqdn
        self.ip = spec.ip
        self.ca_file = workdir / "tls" / "ca.pem"
        self.base_dn = spec.base_dn
        self.config_dn = f"CN=Configuration,{self.base_dn}"
        self.schema_dn = f"CN=Schema,{self.config_dn}"
        self.spp_container_dn = f"CN=Microsoft SPP,CN=Services,{self.config_dn}"
        self.ao_container_dn = f"CN=Activation Objects,{self.spp_container_dn}"
        self.domain_sid = ""
        dns_domain = spec.realm.lower()
        self.user_upn = f"reader@{dns_domain}"
        self.user_down_level = f"{spec.netbios.upper()}\\reader"
        self.user_password = user_password
        self.admin_upn = f"Administrator@{dns_domain}"
        self.admin_password = admin_password
        self.smb_conf = workdir / "etc" / "smb.conf"
        self.sam_ldb = workdir / "private" / "sam.ldb"
        self.log_file = workdir / "samba.log"
        self.pid = 0
        self.startup_seconds = 0.0
        self._owns_workdir = owns_workdir
        self._added_ip = added_ip
        self._proc: subprocess.Popen[bytes] | None = None
        self._log_handle: IO[bytes] | None = None
        self._stopped = False
        self._lock = threading.Lock()
        self._max_runtime = 4 * 3600
        self.read_only = False

    # -- context manager / lifecycle ----------------------------------------------------

    def __enter__(self) -> RunningDC:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    def __repr__(self) -> str:
        state = "stopped" if self._stopped else f"pid {self.pid}"
        return f"<RunningDC {self.host} on {self.ip} ({state}) in {self.workdir}>"

    @property
    def running(self) -> bool:
        """Whether the samba process is alive."""
        return self._proc is not None and self._proc.poll() is None

    def env(self) -> dict[str, str]:
        """Environment for Samba/Kerberos/OpenLDAP tools aimed at this DC only."""
        env = dict(os.environ)
        env["PATH"] = env.get("PATH", "") + ":" + _SYSTEM_PATH
        env["KRB5_CONFIG"] = str(self.workdir / "private" / "krb5.conf")
        env["LDAPCONF"] = os.devnull
        env["LDAPRC"] = str(self.workdir / "no-ldaprc")
        env["LDAPTLS_CACERT"] = str(self.ca_file)
        env["LDAPTLS_REQCERT"] = "demand"
        return env

    def _launch(self, max_runtime: int) -> None:
        samba = _which("samba")
        assert samba is not None
        self._log_handle = open(self.log_file, "ab")  # noqa: SIM115 - closed in stop()
        argv = [
            samba,
            "-s",
            str(self.smb_conf),
            "-F",
            # -i: also exit when stdin reaches EOF, i.e. when this (Python) process dies
            # without calling stop().
            "-i",
            "--debug-stdout",
            "-M",
            self.spec.process_model,
            f"--maximum-runtime={max_runtime}",
        ]
        self._max_runtime = max_runtime
        self._proc = subprocess.Popen(
            argv,
            stdin=subprocess.PIPE,
            stdout=self._log_handle,
            stderr=subprocess.STDOUT,
            cwd=self.workdir,
            env=self.env(),
            start_new_session=True,  # own session and process group: samba signals its group
            close_fds=True,
        )
        self.pid = self._proc.pid
        with _REGISTRY_LOCK:
            _REGISTRY.add(self)

    def stop(self, timeout: float = 15.0) -> None:
        """Stop samba (SIGTERM, then SIGKILL after ``timeout``), drop the loopback address if
        the harness added it, and remove a harness-created workdir (unless the environment
        variable ``ADBA_TESTDC_KEEP`` is set).  Idempotent."""
        with self._lock:
            if self._stopped:
                return
            self._stopped = True
        errors = self._kill(timeout)
        if self._log_handle is not None:
            self._log_handle.close()
            self._log_handle = None
        if self._added_ip:
            try:
                _remove_loopback(self.ip)
            except HarnessError as exc:
                errors.append(str(exc))
        with _REGISTRY_LOCK:
            _REGISTRY.discard(self)
        if self._owns_workdir and not os.environ.get(_KEEP_ENV):
            shutil.rmtree(self.workdir, ignore_errors=True)
        if errors:
            raise HarnessError("; ".join(errors))

    def _kill(self, timeout: float) -> list[str]:
        errors: list[str] = []
        proc = self._proc
        if proc is None:
            return errors
        if proc.poll() is None:
            # The group is ours (start_new_session) and cannot be reused while the leader
            # is not reaped, so signalling it is safe and also reaches any helper children.
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(proc.pid, signal.SIGTERM)
            try:
                proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError, PermissionError):
                    os.killpg(proc.pid, signal.SIGKILL)
                try:
                    proc.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    errors.append(f"samba pid {proc.pid} did not die after SIGKILL")
        if proc.stdin is not None:
            with contextlib.suppress(OSError):
                proc.stdin.close()
        return errors

    def stop_samba(self, timeout: float = 15.0) -> None:
        """Stop the samba process only (a DC that went down): workdir, address and registry
        entry stay, :meth:`start_samba` brings it back with the same database."""
        errors = self._kill(timeout)
        self._proc = None
        if errors:
            raise HarnessError("; ".join(errors))
        deadline = time.monotonic() + 10
        while _port_in_use(self.ip, 636) and time.monotonic() < deadline:
            time.sleep(0.1)

    def start_samba(self, timeout: float = 60.0) -> None:
        """Start samba again after :meth:`stop_samba` and wait for an authenticated bind."""
        if self.running:
            return
        if self._log_handle is not None:
            self._log_handle.close()
            self._log_handle = None
        self._launch(self._max_runtime)
        self._wait_ready(timeout)

    def log_tail(self, lines: int = _LOG_TAIL_LINES) -> str:
        """The last ``lines`` lines of the samba log (empty if there is none)."""
        try:
            data = self.log_file.read_bytes()
        except OSError:
            return ""
        return "\n".join(data.decode("utf-8", "replace").splitlines()[-lines:])

    # -- LDAP ------------------------------------------------------------------------------

    def server(
        self,
        name: str | None = None,
        *,
        get_info: Any = ldap3.DSA,
        validate: bool = True,
        connect_timeout: float = 5.0,
    ) -> ldap3.Server:
        """An ``ldap3.Server`` for LDAPS (port 636) on this DC.

        Args:
            name: the name to validate the certificate against (and send as SNI).  ``None``
                means the IP address (matched by the IP SAN).  Any other name, e.g.
                :attr:`host` or ``"localhost"``, still connects to :attr:`ip`.
            get_info: ldap3 ``get_info`` (``ldap3.DSA`` reads the rootDSE on bind).
            validate: validate the certificate chain against :attr:`ca_file` and the name.
            connect_timeout: TCP connect timeout in seconds.
        """
        tls = _SslValidatingTls(str(self.ca_file), name or self.ip, validate=validate)
        kwargs: dict[str, Any] = {
            "port": 636,
            "use_ssl": True,
            "tls": tls,
            "get_info": get_info,
            "connect_timeout": connect_timeout,
        }
        if name is None or name == self.ip:
            return ldap3.Server(self.ip, **kwargs)
        return _PinnedServer(name, self.ip, **kwargs)

    def connect(
        self,
        user: str,
        password: str,
        *,
        name: str | None = None,
        get_info: Any = ldap3.DSA,
        auto_bind: bool = True,
        receive_timeout: int = 30,
        **connection_kwargs: Any,
    ) -> ldap3.Connection:
        """A simple-bind ``ldap3.Connection`` over validated LDAPS (see :meth:`server`).

        With ``auto_bind`` (the default) a failed bind raises ``ldap3.core.exceptions``'
        ``LDAPBindError``; pass ``auto_bind=False`` to call ``bind()`` and inspect ``result``.
        """
        return ldap3.Connection(
            self.server(name, get_info=get_info),
            user=user,
            password=password,
            authentication=ldap3.SIMPLE,
            auto_bind=ldap3.AUTO_BIND_NO_TLS if auto_bind else ldap3.AUTO_BIND_NONE,
            receive_timeout=receive_timeout,
            **connection_kwargs,
        )

    def admin_connection(self, **kwargs: Any) -> ldap3.Connection:
        """``Administrator`` bound over validated LDAPS (keyword arguments: :meth:`connect`)."""
        return self.connect(self.admin_upn, self.admin_password, **kwargs)

    def reader_connection(self, **kwargs: Any) -> ldap3.Connection:
        """The plain Domain User ``reader`` bound over validated LDAPS (see :meth:`connect`)."""
        return self.connect(self.user_upn, self.user_password, **kwargs)

    @contextlib.contextmanager
    def _admin(self) -> Iterator[ldap3.Connection]:
        conn = self.admin_connection(get_info=ldap3.NONE)
        try:
            yield conn
        finally:
            with contextlib.suppress(Exception):
                conn.unbind()

    def _wait_ready(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        last_error = "no attempt"
        while True:
            proc = self._proc
            if proc is not None and proc.poll() is not None:
                raise DCStartError(
                    f"samba exited with code {proc.returncode} before it was ready "
                    f"({self.host} on {self.ip}); log tail:\n{self.log_tail()}"
                )
            try:
                # A read-only DC holds only the passwords replicated to it: the reader's.
                conn = self.connect(
                    self.user_upn if self.read_only else self.admin_upn,
                    self.user_password if self.read_only else self.admin_password,
                    get_info=ldap3.NONE,
                    receive_timeout=5,
                )
                try:
                    ok = conn.search(
                        "", "(objectClass=*)", ldap3.BASE, attributes=["configurationNamingContext"]
                    )
                    if ok and conn.entries:
                        got = str(conn.entries[0]["configurationNamingContext"].value)
                        if got.lower() != self.config_dn.lower():
                            raise DCStartError(
                                f"rootDSE configurationNamingContext is {got!r}, expected {self.config_dn!r}"
                            )
                        ok = conn.search(
                            self.base_dn, "(objectClass=*)", ldap3.BASE, attributes=["objectSid"]
                        )
                        if ok and conn.entries:
                            self.domain_sid = _sid_to_str(conn.entries[0]["objectSid"].raw_values[0])
                            return
                    last_error = f"search failed: {_result_text(conn.result)}"
                finally:
                    with contextlib.suppress(Exception):
                        conn.unbind()
            except LDAPException as exc:
                last_error = f"{type(exc).__name__}: {exc}"
            if time.monotonic() >= deadline:
                raise DCStartError(
                    f"{self.host} on {self.ip} did not accept an authenticated LDAPS bind as "
                    f"Administrator within {timeout:.0f} s (last error: {last_error}); "
                    f"log tail:\n{self.log_tail()}"
                )
            time.sleep(0.25)

    def _add(self, conn: ldap3.Connection, dn: str, attributes: dict[str, Any]) -> None:
        if not conn.add(dn, attributes=attributes):
            raise SeedError(f"adding {dn} failed: {_result_text(conn.result)}", dn, conn.result)

    def add_entry(self, dn: str, attributes: dict[str, Any]) -> None:
        """Add one entry as Administrator; raise :class:`SeedError` with the server's message."""
        with self._admin() as conn:
            self._add(conn, dn, attributes)

    def add_activation_object(self, seed: ActivationObjectSeed) -> str:
        """Add ``seed`` under :attr:`ao_container_dn` as Administrator and return its DN.

        Raises:
            SeedError: the server refused the add (its message is in the exception text,
                the full ldap3 result in ``.result``).
        """
        dn = f"CN={escape_rdn(seed.cn)},{self.ao_container_dn}"
        attributes: dict[str, Any] = {"objectClass": ["msSPP-ActivationObject"]}
        attributes.update({key: list(values) for key, values in seed.attributes.items()})
        self.add_entry(dn, attributes)
        return dn

    def _create_reader(self, conn: ldap3.Connection) -> None:
        dn = f"CN=reader,CN=Users,{self.base_dn}"
        self._add(
            conn,
            dn,
            {
                "objectClass": ["top", "person", "organizationalPerson", "user"],
                "cn": "reader",
                "sAMAccountName": "reader",
                "userPrincipalName": self.user_upn,
                "displayName": "Plain reader (Domain Users only)",
                "unicodePwd": f'"{self.user_password}"'.encode("utf-16-le"),
                "userAccountControl": "512",
            },
        )

    def samba_tool(self, *args: str, timeout: float = 120.0) -> str:
        """Run ``samba-tool <args> -s <smb.conf>`` against this DC; return its stdout.

        Pass ``-H`` yourself, e.g.
        ``dc.samba_tool("dsacl", "get", "--objectdn=...", "-H", str(dc.sam_ldb))``.
        """
        tool = _which("samba-tool")
        assert tool is not None
        proc = _run(
            [tool, *args, "-s", str(self.smb_conf)],
            env=self.env(),
            timeout=timeout,
            what=f"samba-tool {' '.join(args[:2])}",
        )
        return proc.stdout

    def samba_tool_as_admin(self, *args: str, timeout: float = 120.0) -> str:
        """Run ``samba-tool <args>`` with Administrator's credentials (NTLM, no Kerberos; the
        password goes through the environment, not the command line); return its stdout."""
        tool = _which("samba-tool")
        assert tool is not None
        env = dict(self.env(), PASSWD=self.admin_password)
        proc = _run(
            [tool, *args, "-s", str(self.smb_conf), "-U",
             f"{self.spec.netbios.upper()}\\Administrator", "--use-kerberos=off"],
            env=env,
            timeout=timeout,
            what=f"samba-tool {' '.join(args[:2])}",
        )
        return proc.stdout

    def set_inbound_replication(self, enabled: bool) -> str:
        """Switch this DC's inbound replication off (``+DISABLE_INBOUND_REPL``) or on again, as
        ``samba-tool drs options`` does; return samba-tool's report of the options."""
        flag = ("-" if enabled else "+") + "DISABLE_INBOUND_REPL"
        return self.samba_tool_as_admin("drs", "options", self.ip, f"--dsa-option={flag}")

    def replicate_from(self, source: RunningDC, nc: str | None = None) -> str:
        """Pull ``nc`` (default: the Configuration partition) from ``source`` into this DC's
        database now (``samba-tool drs replicate --local``; automatic replication needs DNS,
        which the harness does not run)."""
        return self.samba_tool_as_admin(
            "drs", "replicate", self.spec.hostname.upper(), source.ip, nc or self.config_dn,
            "--local")

    def modify_entry(self, dn: str, changes: dict[str, Any]) -> None:
        """``ldap3`` modify as Administrator (``{"attr": [(MODIFY_REPLACE, [values])]}``)."""
        with self._admin() as conn:
            if not conn.modify(dn, changes):
                raise SeedError(f"modifying {dn} failed: {_result_text(conn.result)}", dn,
                                conn.result)

    def delete_entry(self, dn: str) -> None:
        """Delete one entry as Administrator."""
        with self._admin() as conn:
            if not conn.delete(dn):
                raise SeedError(f"deleting {dn} failed: {_result_text(conn.result)}", dn,
                                conn.result)

    def register_ldap_spn(self) -> None:
        """Register ``ldap/<fqdn>`` on the DC account (``--dns-backend=NONE`` leaves it out),
        so a Kerberos client can get a service ticket for the DC's LDAP service."""
        account = f"{self.spec.hostname.upper()}$"
        existing = self.samba_tool("spn", "list", account)
        if f"ldap/{self.host}".lower() not in existing.lower():
            self.samba_tool("spn", "add", f"ldap/{self.host}", account)

    def write_krb5_conf(self, path: Path | None = None) -> Path:
        """A client ``krb5.conf`` pointing at this DC's KDC by address, with no DNS lookups or
        host-name canonicalisation (the DC's name does not resolve). Returns its path."""
        path = path or self.workdir / "client-krb5.conf"
        realm = self.spec.realm.upper()
        path.write_text(
            "[libdefaults]\n"
            f"    default_realm = {realm}\n"
            "    dns_lookup_kdc = false\n    dns_lookup_realm = false\n"
            "    rdns = false\n    dns_canonicalize_hostname = false\n"
            "[realms]\n"
            f"    {realm} = {{\n        kdc = {self.ip}\n    }}\n"
            "[domain_realm]\n"
            f"    .{self.spec.realm.lower()} = {realm}\n    {self.spec.realm.lower()} = {realm}\n"
        )
        return path

    def kinit_reader(self, ccache: Path | None = None, lifetime: str = "1h") -> dict[str, str]:
        """Get a TGT for the plain user into ``ccache`` (default: a file in the workdir) with
        :meth:`write_krb5_conf`'s config. Returns the ``KRB5_CONFIG``/``KRB5CCNAME`` variables
        a client needs to use it."""
        conf = self.write_krb5_conf()
        ccache = ccache or self.workdir / "reader.ccache"
        kinit = _which("kinit")
        if kinit is None:
            raise HarnessError("kinit is not installed (apt-get install krb5-user)")
        env = dict(os.environ, KRB5_CONFIG=str(conf), KRB5CCNAME=f"FILE:{ccache}")
        principal = f"reader@{self.spec.realm.upper()}"
        proc = subprocess.run([kinit, "-l", lifetime, principal], input=self.user_password + "\n",
                              capture_output=True, text=True, env=env, timeout=30, check=False)
        if proc.returncode != 0:
            raise HarnessError(f"kinit {principal} failed: {proc.stderr.strip()}")
        return {"KRB5_CONFIG": str(conf), "KRB5CCNAME": f"FILE:{ccache}"}

    def sddl_to_binary(self, sddl: str) -> bytes:
        """Encode one SDDL descriptor with Samba's parser, aliases relative to this domain."""
        return sddl_to_binary(sddl, self.domain_sid)[0]

    def set_dacl(self, dn: str, aces: Sequence[str], *, protected: bool = False) -> None:
        """Replace ``dn``'s explicit DACL with ``aces`` (SDDL), as Administrator over LDAP.

        Sends ``nTSecurityDescriptor`` with the SD-flags control set to DACL only; the server
        keeps owner/group and recomputes inherited ACEs (none if ``protected``).
        """
        blob = self.sddl_to_binary(("D:P" if protected else "D:") + "".join(aces))
        with self._admin() as conn:
            ok = conn.modify(
                dn,
                {"nTSecurityDescriptor": [(ldap3.MODIFY_REPLACE, [blob])]},
                controls=security_descriptor_control(sdflags=0x04),
            )
            if not ok:
                raise SeedError(
                    f"setting the DACL of {dn} failed: {_result_text(conn.result)}", dn, conn.result
                )

    def add_aces(self, dn: str, aces: Sequence[str]) -> None:
        """Add explicit SDDL ACEs (e.g. ``"(A;;CC;;;DU)"``) to ``dn``'s DACL.

        Uses ``samba-tool dsacl set -H sam.ldb`` (works while the DC runs); each ACE is
        inserted before the existing explicit ACEs, inherited ACEs are recomputed.
        """
        if not aces:
            return
        self.samba_tool(
            "dsacl", "set", f"--objectdn={dn}", f"--sddl={''.join(aces)}", "-H", str(self.sam_ldb)
        )

    def get_sddl(self, dn: str) -> str:
        """The object's full security descriptor as SDDL (``samba-tool dsacl get``)."""
        out = self.samba_tool("dsacl", "get", f"--objectdn={dn}", "-H", str(self.sam_ldb))
        lines = [line.strip() for line in out.splitlines() if line.strip().startswith("O:")]
        if not lines:
            raise HarnessError(f"unexpected samba-tool dsacl get output: {out!r}")
        return lines[-1]

    def _substitute(self, text: str) -> str:
        for key, value in {
            "{config_dn}": self.config_dn,
            "{base_dn}": self.base_dn,
            "{schema_dn}": self.schema_dn,
            "{ao_container_dn}": self.ao_container_dn,
            "{domain_sid}": self.domain_sid,
        }.items():
            text = text.replace(key, value)
        return text

    def apply_ldif(self, ldif: str) -> None:
        """Apply LDIF as Administrator over validated LDAPS with ``ldapmodify -a``.

        Records without ``changetype`` are adds.  The placeholders ``{config_dn}``,
        ``{base_dn}``, ``{schema_dn}``, ``{ao_container_dn}`` and ``{domain_sid}`` are replaced
        first.  Raises :class:`SeedError` with ldapmodify's message on failure.
        """
        tool = _which("ldapmodify")
        if tool is None:
            raise HarnessError("ldapmodify not found (apt-get install ldap-utils)")
        pw_file = self.workdir / "admin.pw"
        if not pw_file.exists():
            fd = os.open(pw_file, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with os.fdopen(fd, "w") as handle:
                handle.write(self.admin_password)
        _run(
            [
                tool,
                "-a",
                "-H",
                f"ldaps://{self.ip}",
                "-x",
                "-D",
                self.admin_upn,
                "-y",
                str(pw_file),
            ],
            env=self.env(),
            what="ldapmodify (extra_ldif)",
            error=SeedError,
            input_text=self._substitute(ldif),
        )

    def _seed(self) -> None:
        spec = self.spec
        # Like forestprep operations 91/92, the containers are created with an explicit DACL
        # (so the classes' defaultSecurityDescriptor is not used): the forestprep ACEs, or
        # none at all for "no-au-read"; inherited ACEs (from CN=Services) are added by the DC.
        base_aces = list(FORESTPREP_ACES) if spec.spp_containers == "forestprep" else []
        spp_sd, ao_sd = sddl_to_binary(
            ["D:" + "".join(base_aces), "D:" + "".join([*base_aces, *spec.extra_container_aces])],
            self.domain_sid,
        )
        with self._admin() as conn:
            self._create_reader(conn)
            if spec.spp_containers != "missing":
                self._add(
                    conn,
                    self.spp_container_dn,
                    {
                        "objectClass": ["container"],
                        "cn": "Microsoft SPP",
                        "nTSecurityDescriptor": [spp_sd],
                    },
                )
                if spec.creates_ao_container:
                    self._add(
                        conn,
                        self.ao_container_dn,
                        {
                            "objectClass": ["msSPP-ActivationObjectsContainer"],
                            "cn": "Activation Objects",
                            "nTSecurityDescriptor": [ao_sd],
                        },
                    )
        for seed in spec.objects:
            self.add_activation_object(seed)
        if spec.extra_ldif.strip():
            self.apply_ldif(spec.extra_ldif)


def _provision(spec: DCSpec, workdir: Path, admin_password: str, env: dict[str, str]) -> None:
    tool = _which("samba-tool")
    assert tool is not None
    argv = [
        tool,
        "domain",
        "provision",
        f"--targetdir={workdir}",
        f"--realm={spec.realm.upper()}",
        f"--domain={spec.netbios.upper()}",
        "--server-role=dc",
        "--dns-backend=NONE",
        f"--adminpass={admin_password}",
        f"--host-name={spec.hostname}",
        f"--host-ip={spec.ip}",
    ]
    if spec.base_schema is not None:
        argv.append(f"--base-schema={spec.base_schema}")
    proc = _run(argv, env=env, timeout=300, what="samba-tool domain provision", error=DCStartError)
    (workdir / "provision.log").write_text(proc.stdout + proc.stderr)


def _fix_spp_default_sd(spec: DCSpec, workdir: Path, env: dict[str, str]) -> None:
    """Offline (before samba starts): give both msSPP classes Windows' defaultSecurityDescriptor."""
    tool = _which("ldbmodify")
    if tool is None:
        raise DCStartError("ldbmodify not found (apt-get install ldb-tools)")
    schema_dn = f"CN=Schema,CN=Configuration,{spec.base_dn}"
    ldif = "".join(
        f"dn: CN={cn},{schema_dn}\nchangetype: modify\nreplace: defaultSecurityDescriptor\n"
        f"defaultSecurityDescriptor: {SPP_CLASS_DEFAULT_SD}\n-\n\n"
        for cn in ("ms-SPP-Activation-Object", "ms-SPP-Activation-Objects-Container")
    )
    ldif_file = workdir / "spp-default-sd.ldif"
    ldif_file.write_text(ldif)
    _run(
        [
            tool,
            "-H",
            str(workdir / "private" / "sam.ldb"),
            f"--configfile={workdir / 'etc' / 'smb.conf'}",
            "--option=dsdb:schema update allowed=true",
            str(ldif_file),
        ],
        env=env,
        what="repairing the msSPP defaultSecurityDescriptor",
        error=DCStartError,
    )


def _smb_options(spec: DCSpec, workdir: Path, tls_dir: Path) -> dict[str, str]:
    options = {
        "interfaces": spec.ip,
        "bind interfaces only": "yes",
        "server services": "ldap, kdc, cldap, rpc",
        "pid directory": str(workdir / "run"),
        "ncalrpc dir": str(workdir / "run" / "ncalrpc"),
        "winbindd socket directory": str(workdir / "run" / "winbindd"),
        "ntp signd socket directory": str(workdir / "run" / "ntp_signd"),
        "log file": str(workdir / "log" / "log.%m"),
        "logging": "file",
        "panic action": "",
        "tls enabled": "yes",
        "tls keyfile": str(tls_dir / "key.pem"),
        "tls certfile": str(tls_dir / "cert.pem"),
        "tls cafile": str(tls_dir / "ca.pem"),
    }
    options.update(dict(spec.smb_conf_options))
    return options


def _configure_and_launch(dc: RunningDC, max_runtime: int, timeout: float) -> None:
    """Write the DC's run directories and smb.conf options, start samba, wait for LDAPS."""
    for sub in ("run", "run/ncalrpc", "log"):
        (dc.workdir / sub).mkdir(parents=True, exist_ok=True)
    options = _smb_options(dc.spec, dc.workdir, dc.workdir / "tls")
    dc.smb_conf.write_text(_rewrite_smb_conf(dc.smb_conf.read_text(), options))
    dc._launch(max_runtime)
    dc._wait_ready(timeout)


def _abandon(dc: RunningDC | None, ip: str, added_ip: bool, workdir: Path,
             owns_workdir: bool) -> None:
    """Undo a DC start that failed: stop it, or remove what was made before it existed."""
    if dc is not None:
        with contextlib.suppress(Exception):
            dc.stop()
        return
    if added_ip:
        with contextlib.suppress(Exception):
            _remove_loopback(ip)
    if owns_workdir and not os.environ.get(_KEEP_ENV):
        shutil.rmtree(workdir, ignore_errors=True)


def start_dc(
    spec: DCSpec,
    workdir: Path | None = None,
    *,
    timeout: float = 60.0,
    max_runtime: int = 4 * 3600,
) -> RunningDC:
    """Provision, start and seed a Samba AD DC for ``spec``; return it running.

    Steps: add ``spec.ip`` to ``lo`` if needed; ``samba-tool domain provision`` into the
    workdir (``--dns-backend=NONE``, random admin password); generate a CA and server
    certificate (SANs: FQDN and IP only); restrict smb.conf to ``spec.ip`` and the workdir;
    start ``samba`` in its own process group; wait for an authenticated LDAPS bind as
    Administrator; create the plain user ``reader``, the SPP containers per
    ``spec.spp_containers`` (with ``samba-tool dsacl set`` for the ACEs), the activation
    objects and ``spec.extra_ldif``.

    Args:
        spec: what to build.
        workdir: an empty or new directory to use (kept after :meth:`RunningDC.stop`).
            ``None`` creates a temporary one that ``stop()`` removes (set the environment
            variable ``ADBA_TESTDC_KEEP=1`` to keep it).  Keep the path short (AF_UNIX limit).
        timeout: seconds to wait for the first successful authenticated LDAPS bind.
        max_runtime: samba exits by itself after this many seconds (safety net).

    Raises:
        SambaUnavailableError: see :func:`samba_available`.
        ValueError: an invalid spec.
        DCStartError: provisioning failed or the DC did not come up (includes the log tail).
        SeedError: the server refused a seed entry (includes the server's message).
    """
    t0 = time.monotonic()
    ok, reason = samba_available()
    if not ok:
        raise SambaUnavailableError(reason)
    spec.validate()

    workdir, owns_workdir = _make_workdir(spec, workdir)

    added_ip = False
    dc: RunningDC | None = None
    try:
        added_ip = _ensure_loopback(spec.ip)
        dc = RunningDC(
            spec,
            workdir,
            owns_workdir=owns_workdir,
            added_ip=added_ip,
            admin_password=_random_password(),
            user_password=_random_password(),
        )
        env = dc.env()
        _provision(spec, workdir, dc.admin_password, env)
        if spec.windows_default_sd and spec.has_spp_schema:
            _fix_spp_default_sd(spec, workdir, env)
        tls = write_tls_files(workdir / "tls", spec.fqdn, spec.ip, aliases=spec.tls_aliases)
        assert tls.ca_file == dc.ca_file
        _configure_and_launch(dc, max_runtime, timeout)
        dc._seed()
        dc.startup_seconds = time.monotonic() - t0
        return dc
    except BaseException:
        _abandon(dc, spec.ip, added_ip, workdir, owns_workdir)
        raise


def join_dc(
    first: RunningDC,
    ip: str,
    hostname: str = "dc2",
    workdir: Path | None = None,
    *,
    role: str = "DC",
    tls_aliases: tuple[str, ...] = (),
    timeout: float = 60.0,
    max_runtime: int = 4 * 3600,
) -> RunningDC:
    """Join a second DC to ``first``'s domain on ``ip`` and return it running.

    ``samba-tool domain join ... DC`` (NTLM, ``--dns-backend=NONE``, about 3 s; ``role="RODC"``
    joins a read-only DC) copies every
    partition, activation objects included; the new DC gets its own workdir (pid directory,
    sockets, private dir), is bound to ``ip`` only, and serves LDAPS with a certificate issued
    by ``first``'s harness CA, so ``first.ca_file`` validates both.  Replication between the
    two is on demand only (:meth:`RunningDC.replicate_from`); ``stop()`` stops the new DC
    (the first DC keeps its server object).
    """
    ok, reason = samba_available()
    if not ok:
        raise SambaUnavailableError(reason)
    if role not in ("DC", "RODC"):
        raise ValueError(f"join_dc role must be DC or RODC, not {role!r}")
    spec = DCSpec(ip=ip, realm=first.spec.realm, netbios=first.spec.netbios, hostname=hostname,
                  base_schema=first.spec.base_schema, spp_containers=first.spec.spp_containers,
                  smb_conf_options=first.spec.smb_conf_options, tls_aliases=tls_aliases,
                  process_model=first.spec.process_model)
    spec.validate()
    workdir, owns_workdir = _make_workdir(spec, workdir)
    added_ip = False
    dc: RunningDC | None = None
    t0 = time.monotonic()
    try:
        added_ip = _ensure_loopback(ip)
        dc = RunningDC(spec, workdir, owns_workdir=owns_workdir, added_ip=added_ip,
                       admin_password=first.admin_password, user_password=first.user_password)
        tool = _which("samba-tool")
        assert tool is not None
        realm = spec.realm.upper()
        netbios = spec.netbios.upper()
        proc = _run(
            [tool, "domain", "join", spec.realm.lower(), role, "-U", f"{netbios}\\Administrator",
             f"--realm={realm}", "-W", netbios, f"--server={first.ip}", f"--targetdir={workdir}",
             "--dns-backend=NONE", f"--option=netbios name={hostname.upper()}",
             f"--option=interfaces={ip}", "--option=bind interfaces only=yes",
             "--use-kerberos=off"],
            env=dict(dc.env(), PASSWD=first.admin_password), timeout=300,
            what="samba-tool domain join", error=DCStartError)
        (workdir / "join.log").write_text(proc.stdout + proc.stderr)
        if role == "RODC":
            # An RODC authenticates only accounts whose secrets it holds: allow the reader's
            # to be cached and preload them (into the offline database), as an admin would.
            dc.read_only = True
            first.samba_tool("group", "addmembers", "Allowed RODC Password Replication Group",
                             "reader", "-H", str(first.sam_ldb))
            dc.samba_tool_as_admin("rodc", "preload", "reader", f"--server={first.ip}")
        ca = TlsFiles(ca_file=first.ca_file, cert_file=first.ca_file, key_file=first.ca_file,
                      ca_key_file=first.ca_file.parent / "ca-key.pem")
        issue_server_certificate(workdir / "tls", spec.fqdn, ip, ca, aliases=tls_aliases)
        _configure_and_launch(dc, max_runtime, timeout)
        dc.startup_seconds = time.monotonic() - t0
        return dc
    except BaseException:
        _abandon(dc, spec.ip, added_ip, workdir, owns_workdir)
        raise


def _make_workdir(spec: DCSpec, workdir: Path | None) -> tuple[Path, bool]:
    """The DC's workdir (a new temporary one when ``None``) and whether the harness owns it;
    refuses a path too long for Samba's sockets and an address already serving LDAP."""
    owns_workdir = workdir is None
    if workdir is None:
        workdir = Path(tempfile.mkdtemp(prefix=f"adba-dc-{spec.hostname}-", dir="/tmp"))
    else:
        workdir = workdir.resolve()
        workdir.mkdir(parents=True, exist_ok=True)
    if len(str(workdir)) > _MAX_WORKDIR_LEN:
        if owns_workdir:
            shutil.rmtree(workdir, ignore_errors=True)
        raise ValueError(
            f"workdir path too long for Samba's unix sockets (> {_MAX_WORKDIR_LEN} chars): {workdir}"
        )
    for port in (88, 389, 636):
        if _port_in_use(spec.ip, port):
            if owns_workdir:
                shutil.rmtree(workdir, ignore_errors=True)
            raise DCStartError(f"{spec.ip}:{port} is already in use (another DC on this address?)")
    return workdir, owns_workdir
