"""Obtain ``ForestData`` from the source the user chose: a live DC, a snapshot, LDIF or the demo."""

from __future__ import annotations

import getpass
import os
import sys
from collections.abc import Callable
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from adba.adapters.decode import decode_forest
from adba.adapters.ldap.connection import ConnectOptions, check_options, connect
from adba.adapters.ldap.credentials import AuthMethod, Credentials
from adba.adapters.ldap.reader import read_forest
from adba.adapters.ldap.target import Transport
from adba.adapters.ldif_source import read_ldif
from adba.adapters.records import RawForest
from adba.adapters.snapshot import read_snapshot
from adba.core.models import ForestData
from adba.errors import CredentialError, UsageError


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


def read_password(options: LiveOptions) -> str:
    """The password from --password-file, ADBA_PASSWORD, or a hidden prompt (in that order)."""
    if options.password_file is not None:
        try:
            text = options.password_file.read_text(encoding="utf-8")
        except OSError as exc:
            raise CredentialError(f"--password-file {options.password_file}: "
                                  f"{exc.strerror or exc}") from exc
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


def connect_options(options: LiveOptions) -> ConnectOptions:
    """Check the options and build the adapter's options (prompting for the password last)."""
    try:
        auth = AuthMethod(options.auth)
    except ValueError as exc:
        raise UsageError(f"--auth {options.auth}: only 'simple' is available in this version",
                         "use --auth simple over LDAPS or StartTLS") from exc
    transport = Transport.PLAIN if options.plain else Transport.LDAPS if options.ldaps else Transport.STARTTLS
    if not options.user:
        raise UsageError("no user given", "pass --user user@domain (or set ADBA_USER)")
    pre = ConnectOptions(
        server=options.server, domain=options.domain, dns_server=options.dns_server,
        transport=transport, ca_file=str(options.ca_file) if options.ca_file else None,
        insecure=options.insecure, timeout=options.timeout, auth=auth,
        credentials=Credentials(options.user, ""),
    )
    check_options(pre)
    return ConnectOptions(
        server=pre.server, domain=pre.domain, dns_server=pre.dns_server, transport=transport,
        ca_file=pre.ca_file, insecure=pre.insecure, timeout=pre.timeout, auth=auth,
        credentials=Credentials(options.user, read_password(options)),
    )


def read_live(options: LiveOptions, progress: Callable[[str], None]) -> RawForest:
    """Connect, read and disconnect."""
    directory, session = connect(connect_options(options))
    try:
        return read_forest(directory, session, progress)
    finally:
        directory.close()


def demo_path() -> Path:
    """The bundled sample snapshot (recorded from the test DC)."""
    return Path(str(resources.files("adba") / "data" / "sample-forest.json"))


def load_forest(*, snapshot: Path | None, ldif: Path | None, demo: bool,
                live: LiveOptions, progress: Callable[[str], None]) -> tuple[RawForest, ForestData]:
    """Read from exactly one source and decode."""
    chosen = [name for name, on in (("--snapshot", snapshot is not None),
                                    ("--ldif", ldif is not None), ("--demo", demo)) if on]
    if len(chosen) > 1:
        raise UsageError(f"{' and '.join(chosen)} were both given", "choose one source")
    if chosen and (live.server or live.domain):
        raise UsageError(f"{chosen[0]} reads a file; --server/--domain would be ignored",
                         "drop one of them")
    if snapshot is not None:
        raw = read_snapshot(snapshot)
    elif ldif is not None:
        raw = read_ldif(ldif)
    elif demo:
        raw = read_snapshot(demo_path())
    else:
        raw = read_live(live, progress)
    return raw, decode_forest(raw)
