"""The ``adba`` command: typer commands, error boundary and exit codes."""

from __future__ import annotations

import logging
import os
import sys
from contextlib import AbstractContextManager, nullcontext
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console

from adba import __version__
from adba.cli.exit_codes import STATUS, ExitCode, exit_code_for
from adba.core.findings import Severity

HELP = """Read-only inspector for Active Directory-based activation (ADBA).

Exit codes: 0 nothing at or above --fail-on; 1 the worst such finding is info, low or medium;
2 it is high or critical; 3 adba could not inspect (connection, bind, bad file or options).
"""

app = typer.Typer(help=HELP, no_args_is_help=True, pretty_exceptions_enable=False,
                  add_completion=False, rich_markup_mode=None)
from adba.cli.catalog_cmd import catalog_app; app.add_typer(catalog_app, name="catalog")  # noqa: E402, E702, I001
from adba.cli import collector_cmd, explain_cmd  # noqa: E402

explain_cmd.register(app)
collector_cmd.register(app)
log = logging.getLogger("adba")


class OutputFormat(StrEnum):
    """Output formats."""

    TEXT = "text"
    JSON = "json"


class AuthChoice(StrEnum):
    """Bind methods offered on the command line."""

    AUTO = "auto"
    SIMPLE = "simple"
    KERBEROS = "kerberos"
    NTLM = "ntlm"
    NTLM_SICILY = "ntlm-sicily"


def _version(value: bool) -> None:
    if value:
        typer.echo(f"adba {__version__}")
        raise typer.Exit(0)


@app.callback()
def main_callback(
    version: Annotated[bool, typer.Option("--version", callback=_version, is_eager=True,
                                          help="Print the version and exit.")] = False,
) -> None:
    """Read-only inspector for Active Directory-based activation (ADBA)."""


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
    "--timeout", envvar="ADBA_TIMEOUT", help="Seconds for connect and for each operation.")]
Format = Annotated[OutputFormat, typer.Option("--format", "-f", envvar="ADBA_FORMAT",
                                              help="Output format.")]
Output = Annotated[Path | None, typer.Option("--output", "-o", envvar="ADBA_OUTPUT",
                                             help="Write the result to this file.")]
FailOn = Annotated[Severity, typer.Option(
    "--fail-on", envvar="ADBA_FAIL_ON",
    help="Lowest severity that makes the exit code non-zero.")]
SnapshotOpt = Annotated[Path | None, typer.Option(
    "--snapshot", envvar="ADBA_SNAPSHOT", help="Scan a snapshot file instead of a DC.")]
LdifOpt = Annotated[Path | None, typer.Option(
    "--ldif", envvar="ADBA_LDIF", help="Scan an LDIF export (ldifde) instead of a DC.")]
Demo = Annotated[bool, typer.Option("--demo", envvar="ADBA_DEMO", help="Scan the bundled sample forest.")]
Debug = Annotated[bool, typer.Option("--debug", envvar="ADBA_DEBUG",
                                     help="Verbose logs and tracebacks on stderr.")]
Verbose = Annotated[bool, typer.Option("--verbose", "-v", envvar="ADBA_VERBOSE",
                                       help="Progress messages on stderr.")]


def _setup_logging(debug: bool, verbose: bool) -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("adba: %(levelname)s: %(message)s"))
    root = logging.getLogger("adba")
    root.handlers[:] = [handler]
    root.setLevel(logging.DEBUG if debug else logging.INFO if verbose else logging.WARNING)
    root.propagate = False


def _stderr_console() -> Console:
    return Console(stderr=True, color_system=None if os.environ.get("NO_COLOR") else "auto")


def _progress(verbose: bool) -> tuple[AbstractContextManager[Any], Any]:
    err = _stderr_console()
    if err.is_terminal and not verbose:
        status = err.status("reading the forest…")
        return status, lambda msg: status.update(msg)
    return nullcontext(), lambda msg: log.info("%s", msg)


def _fail(exc: Exception, fmt: OutputFormat, command: str, debug: bool,
          output: Path | None = None) -> None:
    from adba.cli.render_json import dumps, envelope
    from adba.errors import AdbaError

    if debug:
        import traceback

        traceback.print_exception(exc, file=sys.stderr)
    error = exc if isinstance(exc, AdbaError) else AdbaError(f"unexpected error: {exc}",
                                                             "run with --debug and report it")
    typer.echo(f"adba: error: {error}", err=True)
    if fmt is OutputFormat.JSON:
        _write(dumps(envelope(command, "error", ExitCode.UNKNOWN, None, [], [error])), output)
    raise typer.Exit(ExitCode.UNKNOWN)


def _write(text: str, output: Path | None) -> None:
    if output is None:
        sys.stdout.write(text)
        sys.stdout.flush()
    else:
        output.write_text(text, encoding="utf-8")


ProductDb = Annotated[Path | None, typer.Option(
    "--product-db", envvar="ADBA_PRODUCT_DB",
    help="A JSON file that adds to or corrects the built-in product catalog.")]
StaleDays = Annotated[int, typer.Option(
    "--stale-days", envvar="ADBA_STALE_DAYS",
    help="Computers without a logon for this many days are stale and not counted (0: count all).")]
MaxListed = Annotated[int | None, typer.Option(
    "--max-listed", envvar="ADBA_MAX_LISTED",
    help="List at most this many uncovered machines per family (default: all).")]
SearchBase = Annotated[str | None, typer.Option(
    "--search-base", envvar="ADBA_SEARCH_BASE",
    help="Where to look for computers (default: the DC's domain).")]


def _analyse(*, snapshot: Path | None, ldif: Path | None, demo: bool, live: Any,
             product_db: Path | None, coverage: bool, stale_days: int, max_listed: int | None,
             search_base: str | None, verbose: bool) -> tuple[Any, list[Any], Any]:
    """Read the source, run the rules, and (optionally) count coverage while connected."""
    from adba.adapters.catalog_file import load_catalog
    from adba.cli.sources import open_source

    # A user's product file is checked before any connection, so its errors come first.
    user_catalog = load_catalog(product_db) if product_db is not None else None
    status_ctx, progress = _progress(verbose)
    report = None
    with status_ctx, open_source(snapshot=snapshot, ldif=ldif, demo=demo, live=live,
                                 progress=progress, computers=coverage,
                                 search_base=search_base) as loaded:
        # A live DC is already working on the first page of computers: do the rest meanwhile.
        from adba.core.coverage import CoverageCounter
        from adba.core.rules import RuleContext, run_rules
        from adba.core.rules.coverage import coverage_findings

        catalog = user_catalog or load_catalog(None)
        data = loaded.data
        now = datetime.now(UTC)
        findings = run_rules(data, RuleContext(today=now.date(), catalog=catalog))
        if coverage and loaded.computers is not None:
            counter = CoverageCounter(catalog, data.objects, now, stale_days, max_listed)
            counter.add_all(loaded.computers)
            report = counter.report()
            findings = sorted([*findings, *coverage_findings(
                report, catalog, loaded.search_base or data.forest.config_nc
                if data.forest else "")], key=lambda f: f.sort_key())
    return data, findings, (report, catalog)


def _emit(command: str, fmt: OutputFormat, output: Path | None, data: Any, findings: list[Any],
          extra: Any, fail_on: Severity, coverage_only: bool = False) -> None:
    from adba.cli.render_json import coverage_json, dumps, envelope, forest_data_json
    from adba.cli.render_text import render_coverage, render_scan

    report, catalog = extra
    code = exit_code_for(findings, fail_on)
    if fmt is OutputFormat.JSON:
        payload = forest_data_json(data, catalog)
        if report is not None:
            payload["coverage"] = coverage_json(report)
        if coverage_only:
            payload = {"source": payload["source"], "coverage": payload.get("coverage"),
                       "objects": payload["objects"]}
        _write(dumps(envelope(command, STATUS[code], code, payload, findings, [])), output)
        raise typer.Exit(code)

    def render(console: Console) -> None:
        if coverage_only:
            render_coverage(console, data, report, findings, code, catalog, full=True)
        else:
            render_scan(console, data, findings, code, catalog)
            if report is not None:
                render_coverage(console, data, report, [], code, catalog, full=False)

    if output is None:
        render(Console(width=None if sys.stdout.isatty() or os.environ.get("COLUMNS") else 140,
                       color_system=None if os.environ.get("NO_COLOR") else "auto"))
    else:
        with output.open("w", encoding="utf-8") as handle:
            render(Console(file=handle, width=140, no_color=True, color_system=None))
    raise typer.Exit(code)


@app.command()
def scan(
    server: Server = None,
    domain: Domain = None,
    dns_server: DnsServer = None,
    user: User = None,
    password_file: PasswordFile = None,
    auth: Auth = AuthChoice.AUTO,
    ldaps: Ldaps = True,
    plain_ldap: Plain = False,
    ca_file: CaFile = None,
    insecure: Insecure = False,
    timeout: Timeout = 10.0,
    server_name: ServerName = None,
    fmt: Format = OutputFormat.TEXT,
    output: Output = None,
    fail_on: FailOn = Severity.MEDIUM,
    snapshot: SnapshotOpt = None,
    ldif: LdifOpt = None,
    demo: Demo = False,
    product_db: ProductDb = None,
    coverage: Annotated[bool, typer.Option(
        "--coverage", envvar="ADBA_COVERAGE",
        help="Also count computers per product family and what covers them.")] = False,
    stale_days: StaleDays = 90,
    max_listed: MaxListed = None,
    search_base: SearchBase = None,
    debug: Debug = False,
    verbose: Verbose = False,
) -> None:
    """Check a forest's ADBA setup: schema, containers, permissions and every activation object.

    Reads from a DC (--server or --domain), a snapshot (--snapshot), an LDIF export (--ldif)
    or the bundled sample (--demo). Never writes to the directory.
    """
    from adba.cli.sources import LiveOptions

    _setup_logging(debug, verbose)
    live = LiveOptions(server, domain, dns_server, user, password_file, auth.value, ldaps,
                       plain_ldap, ca_file, insecure, timeout, server_name)
    try:
        data, findings, extra = _analyse(
            snapshot=snapshot, ldif=ldif, demo=demo, live=live, product_db=product_db,
            coverage=coverage, stale_days=stale_days, max_listed=max_listed,
            search_base=search_base, verbose=verbose)
    except Exception as exc:  # the one error boundary
        _fail(exc, fmt, "scan", debug, output)
        return
    _emit("scan", fmt, output, data, findings, extra, fail_on)


@app.command("coverage")
def coverage_command(
    server: Server = None,
    domain: Domain = None,
    dns_server: DnsServer = None,
    user: User = None,
    password_file: PasswordFile = None,
    auth: Auth = AuthChoice.AUTO,
    ldaps: Ldaps = True,
    plain_ldap: Plain = False,
    ca_file: CaFile = None,
    insecure: Insecure = False,
    timeout: Timeout = 10.0,
    server_name: ServerName = None,
    fmt: Format = OutputFormat.TEXT,
    output: Output = None,
    fail_on: FailOn = Severity.MEDIUM,
    snapshot: SnapshotOpt = None,
    demo: Demo = False,
    product_db: ProductDb = None,
    stale_days: StaleDays = 90,
    max_listed: MaxListed = None,
    search_base: SearchBase = None,
    debug: Debug = False,
    verbose: Verbose = False,
) -> None:
    """Count computers per product family and say which activation object covers each.

    Families with active computers and no covering object are findings (exit code as for
    scan). Computers are read page by page; stale and disabled accounts are counted apart.
    """
    from adba.cli.sources import LiveOptions

    _setup_logging(debug, verbose)
    live = LiveOptions(server, domain, dns_server, user, password_file, auth.value, ldaps,
                       plain_ldap, ca_file, insecure, timeout, server_name)
    try:
        data, findings, extra = _analyse(
            snapshot=snapshot, ldif=None, demo=demo, live=live, product_db=product_db,
            coverage=True, stale_days=stale_days, max_listed=max_listed,
            search_base=search_base, verbose=verbose)
        coverage_ids = {f.rule_id for f in findings if f.rule_id.startswith("ADBA-COV")}
        findings = [f for f in findings if f.rule_id in coverage_ids]
    except Exception as exc:
        _fail(exc, fmt, "coverage", debug, output)
        return
    _emit("coverage", fmt, output, data, findings, extra, fail_on, coverage_only=True)


@app.command()
def snapshot(
    output: Annotated[Path, typer.Option("--output", "-o", envvar="ADBA_OUTPUT",
                                         help="Snapshot file to write ('-' for stdout).")],
    server: Server = None,
    domain: Domain = None,
    dns_server: DnsServer = None,
    user: User = None,
    password_file: PasswordFile = None,
    auth: Auth = AuthChoice.AUTO,
    ldaps: Ldaps = True,
    plain_ldap: Plain = False,
    ca_file: CaFile = None,
    insecure: Insecure = False,
    timeout: Timeout = 10.0,
    server_name: ServerName = None,
    computers: Annotated[bool, typer.Option(
        "--computers", envvar="ADBA_SNAPSHOT_COMPUTERS",
        help="Also save computer accounts, for 'adba coverage --snapshot'.")] = False,
    search_base: SearchBase = None,
    debug: Debug = False,
    verbose: Verbose = False,
) -> None:
    """Save what a scan reads from a DC to a JSON file, for 'adba scan --snapshot FILE'."""
    from adba.adapters.ldap.computers import iter_computer_attributes
    from adba.adapters.ldap.reader import read_forest
    from adba.adapters.snapshot import write_snapshot
    from adba.cli.sources import LiveOptions, open_live

    _setup_logging(debug, verbose)
    live = LiveOptions(server, domain, dns_server, user, password_file, auth.value, ldaps,
                       plain_ldap, ca_file, insecure, timeout, server_name)
    to_stdout = str(output) == "-"
    target = output.with_name(output.name + ".partial") if not to_stdout else None
    count = 0
    try:
        status_ctx, progress = _progress(verbose)
        with status_ctx, open_live(live) as (directory, session):
            raw = read_forest(directory, session, progress)
            base = search_base or (raw.root_dse or {}).get("defaultNamingContext", [None])[0]
            rows = None
            if computers and base:
                rows = (attrs for _dn, attrs in iter_computer_attributes(
                    directory, base, lambda n: progress(f"read {n:,} computers")))
            if to_stdout:
                count = write_snapshot(raw, sys.stdout, rows, base)
            else:
                assert target is not None
                with target.open("w", encoding="utf-8") as handle:
                    count = write_snapshot(raw, handle, rows, base)
                target.replace(output)
    except Exception as exc:
        if target is not None and target.exists():
            target.unlink()
        _fail(exc, OutputFormat.TEXT, "snapshot", debug)
        return
    if not to_stdout:
        extra = f", {count:,} computer(s)" if computers else ""
        typer.echo(f"adba: wrote {output} ({len(raw.children)} object(s){extra} from "
                   f"{raw.source.server})", err=True)
    raise typer.Exit(ExitCode.OK)


from adba.cli import diagnose_cmd  # noqa: E402

diagnose_cmd.register(app)


def main() -> None:
    """Console-script entry point."""
    if os.environ.get("NO_COLOR") == "":
        os.environ.pop("NO_COLOR")
    app(prog_name="adba")
