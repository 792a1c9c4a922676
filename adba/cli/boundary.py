"""The one boundary every command runs through.

:func:`command` registers a function that takes an :class:`Invocation` and its own options and
returns a typed result (:mod:`adba.core.results`). The boundary adds the options every command
has (``--format``, ``-o``, ``--debug``, ``--verbose``; the connection options when asked), sets
up logging, checks the output file *before* any work, renders the result, and turns every error
into one line on stderr and exit code 3 (with the JSON error envelope under ``--format json``).
Usage errors found by the parser (a typo, a bad choice, a missing argument) are handled the same
way by :func:`run_app`.
"""

from __future__ import annotations

import functools
import inspect
import logging
import os
import sys
from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field
from typing import Any, NoReturn

import typer

from adba.cli import options as opt
from adba.cli.console import stderr_console
from adba.cli.exit_codes import ExitCode, exit_code_of
from adba.cli.output import OutputTarget
from adba.cli.render import Renderable
from adba.core.findings import Severity
from adba.core.results import WrittenFile
from adba.core.sanitize import clean
from adba.errors import AdbaError, UsageError

log = logging.getLogger("adba")


@dataclass
class Invocation:
    """What the boundary knows of the current run, handed to the command function."""

    command: str
    fmt: opt.OutputFormat
    output: OutputTarget
    debug: bool
    verbose: bool
    live: Any = None
    fail_on: Severity = Severity.MEDIUM
    extra: dict[str, Any] = field(default_factory=dict)

    def progress(self) -> tuple[AbstractContextManager[Any], Callable[[str], None]]:
        """A spinner on a terminal (updated with each message), else messages as log lines."""
        err = stderr_console()
        if err.is_terminal and not self.verbose:
            status = err.status("reading the forest…")
            return status, lambda msg: status.update(msg)
        return nullcontext(), lambda msg: log.info("%s", msg)


class _CleanFormatter(logging.Formatter):
    """Log lines with what came from outside shown escaped (tracebacks under --debug too)."""

    def format(self, record: logging.LogRecord) -> str:
        return clean(super().format(record))


def setup_logging(debug: bool, verbose: bool) -> None:
    """Log lines ``adba: LEVEL: message`` on stderr; --debug shows everything."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(_CleanFormatter("adba: %(levelname)s: %(message)s"))
    root = logging.getLogger("adba")
    root.handlers[:] = [handler]
    root.setLevel(logging.DEBUG if debug else logging.INFO if verbose else logging.WARNING)
    root.propagate = False


def command(app: typer.Typer, name: str, *, connection: bool = False, formats: bool = True,
            fail_on: bool = False, output_help: str | None = None,
            **settings: Any) -> Callable[[Callable[..., Renderable]], Callable[..., Renderable]]:
    """Register ``func(run: Invocation, **own_options) -> Result`` as ``adba NAME``.

    ``connection`` adds the twelve connection options (``run.live`` is then a
    :class:`~adba.cli.sources.LiveOptions`); ``fail_on`` adds ``--fail-on``; ``formats=False``
    leaves out ``--format`` for commands whose output is a file of its own kind.
    """

    def register(func: Callable[..., Renderable]) -> Callable[..., Renderable]:
        own = [p for p in inspect.signature(func, eval_str=True).parameters.values()
               if p.name != "run"]
        spec = [("output", opt.output_option(output_help), None) if option == "output"
                 and output_help is not None else (option, kind, default)
                 for option, kind, default in opt.COMMON if formats or option != "fmt"]
        if fail_on:
            spec.insert(0, ("fail_on", opt.FailOn, Severity.MEDIUM))
        added = opt.parameters(tuple(spec)) + (opt.parameters(opt.CONNECTION) if connection
                                               else [])
        names = {p.name for p in added}
        command_name = settings.pop("full_name", name)

        @functools.wraps(func)
        def wrapper(**kwargs: Any) -> None:
            common = {n: kwargs.pop(n) for n in list(kwargs) if n in names}
            run = Invocation(
                command=command_name,
                fmt=common.get("fmt", opt.OutputFormat.TEXT),
                output=OutputTarget(common.get("output"),
                                    allow_directory=common.get("fmt") is opt.OutputFormat.CSV),
                debug=common.get("debug", False), verbose=common.get("verbose", False),
                fail_on=common.get("fail_on", Severity.MEDIUM))
            setup_logging(run.debug, run.verbose)
            if connection:
                from adba.cli.sources import live_options

                run.live = live_options(common)
            execute(run, lambda: func(run, **kwargs))

        parameters = own + added
        wrapper.__signature__ = inspect.Signature(parameters)  # type: ignore[attr-defined]
        wrapper.__annotations__ = {p.name: p.annotation for p in parameters}
        del wrapper.__wrapped__  # typer must read the new signature
        app.command(name, **settings)(wrapper)
        return func

    return register


def execute(run: Invocation, produce: Callable[[], Renderable]) -> NoReturn:
    """Prepare the output, produce the result, render it, exit with its code; or fail in one
    line with exit 3."""
    try:
        from adba.cli.render import check_destination

        check_destination(run.fmt, run.output)
        run.output.prepare()
        result = produce()
        code = exit_code_of(result, run.fail_on)
        if not _render(result, run, code):
            raise typer.Exit(code)  # 'adba scan | head': the reader left; the result stands
        run.output.commit()
        if run.output.written_file is not None:
            detail = f" ({result.what})" if isinstance(result, WrittenFile) else ""
            if run.output.written_names:
                detail = f" ({', '.join(run.output.written_names)})"
            typer.echo(clean(f"adba: wrote {run.output.written_file}{detail}"), err=True)
    except typer.Exit:
        raise
    except KeyboardInterrupt:
        run.output.abandon()
        fail(AdbaError("interrupted"), run)
    except Exception as exc:  # the one error boundary of every command
        run.output.abandon()
        fail(exc, run)
    raise typer.Exit(code)


def _render(result: Renderable, run: Invocation, code: ExitCode) -> bool:
    """Render; False when stdout was closed by its reader (a broken pipe)."""
    from adba.cli.render import render

    try:
        render(result, run.fmt, run.output, code)
    except (BrokenPipeError, SystemExit):
        if run.output.is_file:
            raise
        _stdout_closed()
        return False
    return True


def _stdout_closed() -> None:
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())


def fail(exc: BaseException, run: Invocation) -> NoReturn:
    """One line on stderr, the JSON error envelope when asked, exit 3."""
    if run.debug:
        import traceback

        traceback.print_exception(exc, file=sys.stderr)
    error = exc if isinstance(exc, AdbaError) else AdbaError(
        f"unexpected error: {type(exc).__name__}: {exc}", "run with --debug and report it")
    typer.echo(f"adba: error: {clean(str(error))}", err=True)
    if run.fmt is opt.OutputFormat.JSON:
        from adba.cli.render_json import error_document

        run.output.write_error(error_document(run.command, error))
    raise typer.Exit(ExitCode.UNKNOWN)


# --- usage errors found by the parser -------------------------------------------------------

def _exception_types(name: str) -> tuple[type[BaseException], ...]:
    """``name`` (ClickException, Abort) from each click the installed typer may use."""
    found: list[type[BaseException]] = []
    for module in ("typer.exceptions", "typer._click.exceptions", "click.exceptions"):
        try:
            mod = __import__(module, fromlist=[name])
        except ImportError:
            continue
        kind = getattr(mod, name, None)
        if isinstance(kind, type) and issubclass(kind, BaseException) and kind not in found:
            found.append(kind)
    return tuple(found)


def wants_json(args: Sequence[str]) -> bool:
    """Whether the command line (or ADBA_FORMAT) asks for JSON, read without the parser (which
    is what failed)."""
    fmt = os.environ.get("ADBA_FORMAT", "")
    for i, arg in enumerate(args):
        if arg == "--":
            break
        if arg in ("--format", "-f") and i + 1 < len(args):
            fmt = args[i + 1]
        elif arg.startswith("--format="):
            fmt = arg.split("=", 1)[1]
        elif arg.startswith("-f") and not arg.startswith("--") and len(arg) > 2:
            fmt = arg[2:]
    return fmt.strip().lower() == "json"


def command_words(args: Sequence[str], known: dict[str, set[str]]) -> str:
    """``scan``, ``catalog explain``, ...: the command a failed command line was meant for."""
    words = [a for a in args if not a.startswith("-")]
    if not words or words[0] not in known:
        return ""
    if words[0] in known and len(words) > 1 and words[1] in known[words[0]]:
        return f"{words[0]} {words[1]}"
    return words[0]


def usage_message(exc: BaseException, where: str) -> str:
    """The parser's complaint as one line with the way out."""
    text = " ".join(getattr(exc, "format_message", lambda: str(exc))().split())
    if type(exc).__name__ == "NoArgsIsHelpError":
        if not where:
            return "no command given (try 'adba scan --demo'; 'adba --help' lists the commands)"
        return f"'adba {where}' needs arguments (see 'adba {where} --help')"
    text = text.rstrip(".")
    return f"{text} (see 'adba {where} --help')" if where else f"{text} (see 'adba --help')"


def _missing_command(argv: list[str], known: dict[str, set[str]]) -> None:
    """A bare ``adba`` or ``adba rules`` is a usage error, whichever click prints help for it."""
    if any(a in ("-h", "--help", "--version") or a.startswith("--install-completion")
           or a.startswith("--show-completion") for a in argv):
        return
    words: list[str] = []
    skip = False
    for arg in argv:
        if skip:
            skip = False
        elif arg in ("--format", "-f", "--output", "-o"):
            skip = True  # their value is not a command word
        elif not arg.startswith("-"):
            words.append(arg)
    if not argv:
        raise UsageError("no command given",
                         "try 'adba scan --demo'; 'adba --help' lists the commands")
    if len(words) == 1 and known.get(words[0]) and words[0] != "catalog":
        raise UsageError(f"'adba {words[0]}' needs a command: "
                         + ", ".join(sorted(known[words[0]])),
                         f"see 'adba {words[0]} --help'")


def run_app(app: typer.Typer, args: Sequence[str] | None, known: dict[str, set[str]]) -> NoReturn:
    """Run the app; every parser error becomes one line and exit 3 (and the JSON error
    envelope on stdout when the command line asked for JSON)."""
    argv = list(sys.argv[1:] if args is None else args)
    usage_errors: tuple[type[BaseException], ...] = (UsageError,
                                                     *_exception_types("ClickException"))
    try:
        _missing_command(argv, known)
        code = app(args=argv, prog_name="adba", standalone_mode=False)
    except usage_errors as exc:
        where = command_words(argv, known)
        error = exc if isinstance(exc, UsageError) else UsageError(usage_message(exc, where))
        typer.echo(f"adba: error: {clean(str(error))}", err=True)
        if wants_json(argv):
            from adba.cli.render_json import error_document

            sys.stdout.write(error_document(where or "adba", error))
            sys.stdout.flush()
        sys.exit(ExitCode.UNKNOWN)
    except _exception_types("Abort"):
        typer.echo("adba: error: interrupted", err=True)
        sys.exit(ExitCode.UNKNOWN)
    sys.exit(code if isinstance(code, int) else 0)
