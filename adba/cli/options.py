"""Every command-line option type, declared once.

Commands take these as annotated parameters; the connection options are added to a command by
:func:`adba.cli.boundary.command` (``connection=True``) and arrive as one
:class:`~adba.cli.sources.LiveOptions`, so the thirteen of them are written out only here.
"""

from __future__ import annotations

import inspect
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer

from adba.about import DOCS_URL
from adba.core.findings import Severity


class OutputFormat(StrEnum):
    """Output formats of every command that has ``--format``."""

    TEXT = "text"
    JSON = "json"
    HTML = "html"
    CSV = "csv"


class AuthChoice(StrEnum):
    """Bind methods offered on the command line."""

    AUTO = "auto"
    SIMPLE = "simple"
    KERBEROS = "kerberos"
    NTLM = "ntlm"
    NTLM_SICILY = "ntlm-sicily"


# --- the connection options (scan, coverage, snapshot, diagnose) ---------------------------

Server = Annotated[str | None, typer.Option(
    "--server", envvar="ADBA_SERVER", help="Domain controller, HOST or HOST:PORT.")]
Domain = Annotated[str | None, typer.Option(
    "--domain", envvar="ADBA_DOMAIN", help="Find DCs of this domain through DNS SRV records.")]
DnsServer = Annotated[str | None, typer.Option(
    "--dns-server", envvar="ADBA_DNS_SERVER", help="DNS server for --domain, IP[:PORT].")]
User = Annotated[str | None, typer.Option(
    "--user", "-u", envvar="ADBA_USER", help="Bind as user@domain or DOMAIN\\user.")]
PasswordFile = Annotated[Path | None, typer.Option(
    "--password-file", envvar="ADBA_PASSWORD_FILE",
    help="Read the password from this file (else ADBA_PASSWORD, else a hidden prompt).")]
Auth = Annotated[AuthChoice, typer.Option(
    "--auth", envvar="ADBA_AUTH",
    help="Bind method: auto (Kerberos when a ticket is cached, else a simple bind over TLS; "
         "sealed on 389 when the DC wants more or has no TLS), simple, kerberos, ntlm (SASL "
         "GSS-SPNEGO) or ntlm-sicily (the Sicily NTLM bind of Windows DCs).")]
ServerName = Annotated[str | None, typer.Option(
    "--server-name", envvar="ADBA_SERVER_NAME",
    help="The DC's full name for the Kerberos/NTLM service principal when --server is an "
         "address (default: the name the DC announces).")]
Ldaps = Annotated[bool, typer.Option(
    "--ldaps/--starttls", envvar="ADBA_LDAPS",
    help="LDAPS on 636 (default) or StartTLS on 389.")]
Plain = Annotated[bool, typer.Option(
    "--plain-ldap", envvar="ADBA_PLAIN_LDAP",
    help="Plain LDAP on 389, for Kerberos/NTLM (sealed); refused for simple binds, which would "
         "send the password in clear.")]
CaFile = Annotated[Path | None, typer.Option(
    "--ca-file", envvar="ADBA_CA_FILE", help="PEM CA bundle to validate the DC certificate.")]
Insecure = Annotated[bool, typer.Option(
    "--insecure", envvar="ADBA_INSECURE",
    help="Do NOT validate the DC certificate (shown in the report).")]
Timeout = Annotated[float, typer.Option(
    "--timeout", envvar="ADBA_TIMEOUT",
    help="Seconds of silence allowed (connect, each read); each operation gets 6 times this.")]
Deadline = Annotated[float, typer.Option(
    "--deadline", envvar="ADBA_DEADLINE",
    help="Seconds for all the LDAP work of the run, every DC tried included.")]

CONNECTION: tuple[tuple[str, Any, Any], ...] = (
    ("server", Server, None), ("domain", Domain, None), ("dns_server", DnsServer, None),
    ("user", User, None), ("password_file", PasswordFile, None),
    ("auth", Auth, AuthChoice.AUTO), ("ldaps", Ldaps, True), ("plain_ldap", Plain, False),
    ("ca_file", CaFile, None), ("insecure", Insecure, False), ("timeout", Timeout, 10.0),
    ("deadline", Deadline, 300.0), ("server_name", ServerName, None),
)
"""(parameter name, annotated type, default) of each connection option, in help order."""

# --- options every command has ------------------------------------------------------------

Format = Annotated[OutputFormat, typer.Option("--format", "-f", envvar="ADBA_FORMAT",
                                              help="Output format.")]
def output_option(help_text: str) -> Any:
    """The ``-o`` option with a command's own help text."""
    return Annotated[Path | None, typer.Option("--output", "-o", envvar="ADBA_OUTPUT",
                                               help=help_text)]


Output = output_option("Write the result to this file ('-' for stdout); checked before any work.")
Debug = Annotated[bool, typer.Option("--debug", envvar="ADBA_DEBUG",
                                     help="Verbose logs and tracebacks on stderr.")]
Verbose = Annotated[bool, typer.Option("--verbose", "-v", envvar="ADBA_VERBOSE",
                                       help="Progress messages on stderr.")]

COMMON: tuple[tuple[str, Any, Any], ...] = (
    ("fmt", Format, OutputFormat.TEXT), ("output", Output, None), ("debug", Debug, False),
    ("verbose", Verbose, False),
)

# --- forest sources and judgement (scan, coverage, diagnose) ------------------------------

FailOn = Annotated[Severity, typer.Option(
    "--fail-on", envvar="ADBA_FAIL_ON",
    help="Lowest severity that makes the exit code non-zero.")]
SnapshotOpt = Annotated[Path | None, typer.Option(
    "--snapshot", envvar="ADBA_SNAPSHOT", metavar="FILE", help="Read a snapshot file instead of a DC.")]
LdifOpt = Annotated[Path | None, typer.Option(
    "--ldif", envvar="ADBA_LDIF", help="Read an LDIF export (ldifde) instead of a DC.")]
Demo = Annotated[bool, typer.Option("--demo", envvar="ADBA_DEMO",
                                    help="Read the bundled sample forest.")]
ProductDb = Annotated[Path | None, typer.Option(
    "--product-db", envvar="ADBA_PRODUCT_DB",
    help="A JSON file that adds to or corrects the built-in product catalog "
         f"({DOCS_URL}catalog.md).")]
StaleDays = Annotated[int, typer.Option(
    "--stale-days", envvar="ADBA_STALE_DAYS",
    help="Computers without a logon for this many days are stale and not counted (0: count all).")]
MaxListed = Annotated[int | None, typer.Option(
    "--max-listed", envvar="ADBA_MAX_LISTED",
    help="List at most this many uncovered machines per family (default: all).")]
DcList = Annotated[list[str] | None, typer.Option(
    "--dc", envvar="ADBA_DC", metavar="HOST[:PORT]",
    help="A domain controller to compare, HOST or HOST:PORT; repeat for each (default: every "
         "DC the directory lists).")]
Parallel = Annotated[int, typer.Option(
    "--parallel", envvar="ADBA_PARALLEL", min=1, max=64, metavar="N",
    help="Read at most this many domain controllers at once.")]
SnapshotList = Annotated[list[Path] | None, typer.Option(
    "--snapshot", envvar="ADBA_SNAPSHOT", metavar="FILE",
    help="Compare snapshot files taken from different DCs (repeat) instead of reading the DCs.")]
AllDcs = Annotated[bool, typer.Option(
    "--all-dcs", envvar="ADBA_ALL_DCS",
    help="Also read every DC of the forest and report where their copies differ "
         "(as 'adba consistency').")]
ClientDc = Annotated[bool, typer.Option(
    "--client-dc", envvar="ADBA_CLIENT_DC",
    help="Check each report against the copy of the DC its client uses (when the report names "
         "it, as collector reports do); reads every DC of the forest.")]
SearchBase = Annotated[str | None, typer.Option(
    "--search-base", envvar="ADBA_SEARCH_BASE",
    help="Where to look for computers (default: the DC's domain).")]


def parameters(spec: tuple[tuple[str, Any, Any], ...]) -> list[inspect.Parameter]:
    """Keyword-only signature parameters for a spec such as :data:`CONNECTION`."""
    return [inspect.Parameter(name, inspect.Parameter.KEYWORD_ONLY, default=default,
                              annotation=annotation) for name, annotation, default in spec]
