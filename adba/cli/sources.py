"""Obtain ``ForestData`` from the source the user chose: a live DC, a snapshot, LDIF or the demo."""

from __future__ import annotations

import getpass
import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

from adba.adapters.decode import decode_forest
from adba.adapters.input_files import read_file
from adba.adapters.ldif_source import read_ldif
from adba.adapters.records import RawForest
from adba.adapters.snapshot import read_snapshot, snapshot_computers
from adba.core.coverage import Computer
from adba.core.models import ForestData
from adba.errors import CredentialError, InputFileError, UsageError

if TYPE_CHECKING:  # the LDAP stack is imported only when a DC is contacted
    from adba.adapters.ldap.connection import ConnectOptions, SessionInfo
    from adba.adapters.ldap.directory import ReadOnlyDirectory


@dataclass(frozen=True)
class LiveOptions:
    """Connection options as given on the command line."""

    server: str | None
    domain: str | None
    dns_server: str | None
    user: str | None
    password_file: Path | None
    auth: str
    ldaps: bool
    plain: bool
    ca_file: Path | None
    insecure: bool
    timeout: float
    server_name: str | None = None
    deadline: float = 300.0


def live_options(values: dict[str, Any]) -> LiveOptions:
    """LiveOptions from the connection options a command received (adba.cli.options)."""
    auth = values["auth"]
    return LiveOptions(values["server"], values["domain"], values["dns_server"], values["user"],
                       values["password_file"], getattr(auth, "value", auth), values["ldaps"],
                       values["plain_ldap"], values["ca_file"], values["insecure"],
                       values["timeout"], values["server_name"], values["deadline"])


PASSWORD_FILE_MAX = 64 * 1024
"""A password file holds one line; anything larger is not one."""


def read_password(options: LiveOptions) -> str:
    """The password from --password-file, ADBA_PASSWORD, or a hidden prompt (in that order)."""
    if options.password_file is not None:
        try:
            data = read_file(options.password_file, PASSWORD_FILE_MAX, "password file")
            text = data.decode("utf-8-sig")
        except InputFileError as exc:
            raise CredentialError(f"--password-file {exc.message}", exc.hint) from exc
        except UnicodeDecodeError as exc:
            raise CredentialError(f"--password-file {options.password_file}: not UTF-8 text",
                                  "save the password as UTF-8") from exc
        password = text.rstrip("\r\n")
        if not password:
            raise CredentialError(f"--password-file {options.password_file} is empty")
        return password
    env = os.environ.get("ADBA_PASSWORD")
    if env:
        return env
    if sys.stdin.isatty():
        password = getpass.getpass(f"Password for {options.user}: ", stream=sys.stderr)
        if password:
            return password
    raise CredentialError("no password given",
                          "set ADBA_PASSWORD, pass --password-file FILE, or run in a terminal "
                          "to be prompted")


def connect_options(options: LiveOptions, *, preflight: bool = True) -> ConnectOptions:
    """Check the options and build the adapter's options (prompting for the password last).

    ``preflight=False`` leaves out the check that ``--server``'s name resolves (``adba
    consistency --dc``: a DC whose name does not resolve is a finding, not an error)."""
    from adba.adapters.ldap.connection import ConnectOptions, check_options
    from adba.adapters.ldap.credentials import AuthMethod, Credentials
    from adba.adapters.ldap.target import Transport

    if not options.server and not options.domain:
        raise UsageError("no forest to read",
                         "give --server DC or --domain DOMAIN, or --snapshot FILE, --ldif FILE, "
                         "or --demo for the bundled sample")
    try:
        auth = AuthMethod(options.auth)
    except ValueError as exc:
        raise UsageError(f"--auth {options.auth}: unknown method",
                         "use auto, simple, kerberos, ntlm or ntlm-sicily") from exc
    transport = Transport.PLAIN if options.plain else Transport.LDAPS if options.ldaps else Transport.STARTTLS
    auto = auth is AuthMethod.AUTO
    if auto:
        from adba.adapters.ldap.kerberos import VALID, ticket_status

        if ticket_status() == VALID:
            auth = AuthMethod.KERBEROS
    if auth is not AuthMethod.KERBEROS and not options.user:
        raise UsageError("no user given", "pass --user user@domain (or set ADBA_USER)")
    if auth is AuthMethod.AUTO and options.plain:
        auth = AuthMethod.NTLM
    user = options.user or ""
    pre = ConnectOptions(
        server=options.server, domain=options.domain, dns_server=options.dns_server,
        transport=transport, ca_file=str(options.ca_file) if options.ca_file else None,
        insecure=options.insecure, timeout=options.timeout, auth=auth,
        credentials=Credentials(user, ""), server_name=options.server_name, auto=auto,
        deadline=options.deadline,
    )
    check_options(pre)
    if options.server and preflight:
        from adba.adapters.ldap.preflight import check_server_resolves

        check_server_resolves(options.server, transport)  # before any prompt
    if auth is AuthMethod.KERBEROS:
        from adba.adapters.ldap.kerberos import ticket_principal

        ticket_principal()  # no ticket or an expired one: say so before connecting
        return pre
    return ConnectOptions(
        server=pre.server, domain=pre.domain, dns_server=pre.dns_server, transport=transport,
        ca_file=pre.ca_file, insecure=pre.insecure, timeout=pre.timeout, auth=auth,
        credentials=Credentials(user, read_password(options)), server_name=pre.server_name,
        auto=auto, deadline=options.deadline,
    )


def read_live(options: LiveOptions, progress: Callable[[str], None]) -> RawForest:
    """Connect, read and disconnect."""
    from adba.adapters.ldap.reader import read_forest

    with open_live(options) as (directory, session):
        return read_forest(directory, session, progress)


@contextmanager
def open_live(options: LiveOptions) -> Iterator[tuple[ReadOnlyDirectory, SessionInfo]]:
    """A bound read-only session, closed on exit."""
    from adba.adapters.ldap.connection import connect

    directory, session = connect(connect_options(options))
    try:
        yield directory, session
    finally:
        directory.close()


def demo_path() -> Path:
    """The bundled sample snapshot (recorded from the test DC)."""
    return Path(str(resources.files("adba") / "data" / "sample-forest.json"))


@dataclass
class Loaded:
    """A decoded forest and, when asked for, a lazy stream of its computers (already requested
    from a live DC, so the DC works while the caller does other things)."""

    raw: RawForest
    data: ForestData
    computers: Iterator[Computer] | None
    search_base: str | None


def check_source(snapshot: Path | None, ldif: Path | None, demo: bool,
                 live: LiveOptions) -> None:
    """Exactly one forest source must be given; say which when not (before any other work)."""
    _check_sources(snapshot, ldif, demo, live)
    if snapshot is None and ldif is None and not demo and not live.server and not live.domain:
        raise UsageError("no forest to read",
                         "give --server DC or --domain DOMAIN, or --snapshot FILE, --ldif FILE, "
                         "or --demo for the bundled sample")


def _check_sources(snapshot: Path | None, ldif: Path | None, demo: bool,
                   live: LiveOptions) -> None:
    chosen = [name for name, on in (("--snapshot", snapshot is not None),
                                    ("--ldif", ldif is not None), ("--demo", demo)) if on]
    if len(chosen) > 1:
        raise UsageError(f"{' and '.join(chosen)} were both given", "choose one source")
    if chosen and (live.server or live.domain):
        raise UsageError(f"{chosen[0]} reads a file; --server/--domain would be ignored",
                         "drop one of them")


@contextmanager
def open_source(*, snapshot: Path | None, ldif: Path | None, demo: bool, live: LiveOptions,
                progress: Callable[[str], None], computers: bool = False,
                search_base: str | None = None) -> Iterator[Loaded]:
    """Read from exactly one source and decode; keep a live connection open while in use.

    With ``computers`` the result carries a stream of computer accounts: paged from the DC
    (under ``search_base``, default the DC's domain), or from a snapshot taken with
    ``adba snapshot --computers``.
    """
    _check_sources(snapshot, ldif, demo, live)
    if snapshot is not None or demo:
        raw = read_snapshot(snapshot if snapshot is not None else demo_path())
        stream = None
        if computers:
            if raw.computers is None:
                raise UsageError(f"{raw.source.path} holds no computer accounts",
                                 "take the snapshot with 'adba snapshot --computers'")
            stream = snapshot_computers(raw.computers)
        yield Loaded(raw, decode_forest(raw), stream, raw.computers_base)
        return
    if ldif is not None:
        if computers:
            raise UsageError("an LDIF export of the activation objects holds no computers",
                             "use a live connection or a snapshot taken with --computers")
        raw = read_ldif(ldif)
        yield Loaded(raw, decode_forest(raw), None, None)
        return
    from adba.adapters.ldap.computers import iter_computers
    from adba.adapters.ldap.reader import read_forest

    with open_live(live) as (directory, session):
        raw = read_forest(directory, session, progress)
        base = search_base or _first(raw.root_dse, "defaultNamingContext")
        stream = None
        if computers:
            if not base:
                raise UsageError("the DC did not name its domain", "pass --search-base")
            stream = iter_computers(directory, base,
                                    lambda n: progress(f"read {n:,} computers"))
        yield Loaded(raw, decode_forest(raw), stream, base)


def load_forest(*, snapshot: Path | None, ldif: Path | None, demo: bool,
                live: LiveOptions, progress: Callable[[str], None]) -> tuple[RawForest, ForestData]:
    """Read from exactly one source and decode."""
    with open_source(snapshot=snapshot, ldif=ldif, demo=demo, live=live,
                     progress=progress) as loaded:
        return loaded.raw, loaded.data


def _first(values: dict[str, list[str]] | None, name: str) -> str | None:
    for key, vals in (values or {}).items():
        if key.lower() == name.lower() and vals:
            return vals[0]
    return None
