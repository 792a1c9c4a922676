"""Benchmark ``adba coverage`` against ``ldapsearch`` on a real Samba AD DC full of computers.

One command, from a fresh clone (root; Samba, ldb-tools and ldap-utils installed, e.g. by
``bash scripts/test.sh``; adba's dependencies installed, e.g. ``pip install -e .``)::

    python bench/coverage_bench.py --computers 20000 --repeat 5

What it does, in one run:

1. starts a throw-away Samba AD DC on 127.0.0.21 with the test harness (:mod:`tests.testdc`)
   and one activation object, then creates ``--computers`` realistic computer accounts
   (:mod:`bench.populate`, ``ldbadd`` into ``sam.ldb``: several hundred per second) and says
   how long that took;
2. runs each contender once to warm the DC up and to check its output (``ldapsearch`` must
   return every computer), then ``--repeat`` rounds, each running every contender once, the
   order rotating from round to round:

   * ``ldapsearch -LLL -E pr=1000/noprompt`` over validated LDAPS as the plain user, asking
     for the six attributes the coverage report reads, output to /dev/null (the C baseline);
   * ``adba coverage ... --format json -o /dev/null`` (:data:`ADBA_ARGS`; falls back to
     ``adba scan`` while the coverage command does not exist: the report says which ran);
   * a plain ldap3 paged loop (``bench/ldap3_baseline.py``), the pure-Python baseline;

   each child is forked by the small ``bench/measure_child.py`` and reaped with
   ``os.wait4``, so its wall time, CPU time and peak RSS (``ru_maxrss``) are its own;
3. prints median and minimum wall time, CPU time, peak RSS (max over the runs), the ratio
   adba/ldapsearch and the targets (ratio at most 1.2 at 20,000 computers; adba's peak RSS at
   most 150 MB at 100,000), and stops the DC.

Other modes: ``--from-snapshot FILE`` measures ``adba coverage --snapshot FILE`` (no DC);
``--rss-only N`` fills a DC with N computers, records a snapshot with
``adba snapshot --computers``, stops the DC and measures ``adba coverage --snapshot`` on it.
``--with-snapshot`` adds the latter to a live run, on the same DC.  ``--json FILE`` saves
every sample; ``--check`` exits 1 when a target is missed.
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import json
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import uuid
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from bench.populate import (  # noqa: E402
    DEFAULT_BATCH,
    Computer,
    PopulateError,
    generate_computers,
    populate,
    verify,
)
from tests.testdc import (  # noqa: E402
    ActivationObjectSeed,
    DCSpec,
    HarnessError,
    RunningDC,
    start_dc,
)

# --- the command lines under test -----------------------------------------------------------

#: The adba subcommand measured.  ``coverage`` reads every computer; until it exists the
#: benchmark falls back to :data:`ADBA_FALLBACK_COMMAND` and labels the results accordingly.
ADBA_COMMAND = "coverage"
ADBA_FALLBACK_COMMAND = "scan"
#: Arguments after ``python -m adba``; ``{placeholders}`` are filled in per run.
ADBA_ARGS: tuple[str, ...] = (
    "{command}", "--server", "{ip}", "--user", "{user}", "--password-file", "{password_file}",
    "--ca-file", "{ca_file}", "--format", "json", "-o", "{output}",
)
#: ``adba coverage`` on a snapshot (``--from-snapshot`` / ``--rss-only``).
ADBA_SNAPSHOT_ARGS: tuple[str, ...] = (
    "coverage", "--snapshot", "{snapshot}", "--format", "json", "-o", "{output}",
)
#: How ``--rss-only`` records its snapshot (the real tool writes the real format).
ADBA_RECORD_ARGS: tuple[str, ...] = (
    "snapshot", "--computers", "--server", "{ip}", "--user", "{user}", "--password-file",
    "{password_file}", "--ca-file", "{ca_file}", "-o", "{output}",
)
#: The attributes every contender asks for (what the coverage report reads).
ATTRIBUTES: tuple[str, ...] = ("cn", "operatingSystem", "operatingSystemVersion", "dNSHostName",
                               "lastLogonTimestamp", "userAccountControl")
COMPUTER_FILTER = "(objectCategory=computer)"
#: adba's exit codes 0-2 are verdicts (findings); 3 means it could not inspect.
ADBA_OK_CODES = frozenset({0, 1, 2})

DEFAULT_IP = "127.0.0.21"
TARGET_RATIO = 1.2
TARGET_RSS_MB = 150.0
CHILD_TIMEOUT = 900.0

# One clean activation object (a Windows Server 2022 CSVLK, which also activates Server 2019
# and Windows 10/11 clients), so coverage has something to match computers against.  The
# values are those of the integration tests' ``ao-ws2022`` (tests/integration/seeds.py).
_WS2022_CSVLK_SKU = "661f7658-7035-4b4c-9f35-010682943ec2"
_KMS_IDS = ("b74263e4-0f92-46c6-bcf8-c11d5efe2959", "8449b1fb-f0ea-497a-99ab-66ca96e9a0f5",
            "58e2134f-8e11-4d17-9cb2-91069c151148")
BENCH_OBJECTS: tuple[ActivationObjectSeed, ...] = (
    ActivationObjectSeed("bench-ws2022", {
        "msSPP-CSVLKSkuId": [uuid.UUID(_WS2022_CSVLK_SKU).bytes_le],
        "msSPP-KMSIds": [uuid.UUID(k).bytes_le for k in _KMS_IDS],
        "msSPP-CSVLKPid": ["03612-04573-000-012345-03-1033-20348.0000-1502024"],
        "msSPP-CSVLKPartialProductKey": ["7H3KQ"],
        "displayName": ["Contoso WS2022 CSVLK"],
        "msSPP-OnlineLicense": [b"<online licence: bench bytes>" * 40],
        "msSPP-ConfigLicense": [b"<config licence: bench bytes>" * 30],
        "msSPP-IssuanceLicense": [b"<issuance licence: bench bytes>" * 20],
    }),
)


class BenchError(RuntimeError):
    """The benchmark cannot go on (a contender failed, wrong output, missing tool)."""


# --- measuring one child --------------------------------------------------------------------


@dataclass(frozen=True)
class Sample:
    """One run of one contender."""

    wall: float
    """Seconds from spawn to reap."""
    cpu: float
    """User + system CPU seconds of the child."""
    maxrss_mb: float
    """Peak resident set size of the child, MB (``ru_maxrss`` KiB / 1024)."""
    returncode: int


MEASURE_CHILD = REPO / "bench" / "measure_child.py"


def run_measured(argv: Sequence[str], env: dict[str, str], *, stdout: str = os.devnull,
                 stderr: str = os.devnull, timeout: float = CHILD_TIMEOUT) -> Sample:
    """Run ``argv`` (stdin /dev/null, stdout/stderr to files) and return its own usage.

    The command is forked by ``bench/measure_child.py`` in a small interpreter and reaped
    with ``os.wait4``, so its peak RSS is its own (see that script for why the benchmark
    does not spawn it itself).  A command still running after ``timeout`` seconds is killed.
    """
    runner = [sys.executable, "-S", "-I", str(MEASURE_CHILD), str(timeout), stdout, stderr, "--",
              *argv]
    try:
        proc = subprocess.run(runner, env=env, capture_output=True, text=True, check=False,
                              timeout=timeout + 60, stdin=subprocess.DEVNULL)
    except subprocess.TimeoutExpired as exc:
        raise BenchError(f"measure_child.py hung running {argv[0]}") from exc
    fields = proc.stdout.split()
    if proc.returncode != 0 or len(fields) != 6:
        raise BenchError(f"measure_child.py failed (rc {proc.returncode}): {proc.stderr.strip()}")
    wall, user, system, maxrss_kib, code, killed = fields
    if killed == "1":
        raise BenchError(f"{Path(argv[0]).name} {' '.join(argv[1:3])} ran longer than "
                         f"{timeout:.0f} s and was killed")
    return Sample(wall=float(wall), cpu=float(user) + float(system),
                  maxrss_mb=int(maxrss_kib) / 1024, returncode=int(code))


@dataclass
class Contender:
    """A command measured against the others."""

    key: str
    label: str
    argv: list[str]
    env: dict[str, str]
    ok_codes: frozenset[int] = frozenset({0})
    samples: list[Sample] = field(default_factory=list)

    def run(self, *, stdout: str = os.devnull, stderr: str | None = None) -> Sample:
        """Run once; raise :class:`BenchError` (with its stderr) on an unexpected exit code."""
        with tempfile.NamedTemporaryFile(prefix="bench-stderr-", delete=False) as handle:
            err_path = stderr or handle.name
        try:
            sample = run_measured(self.argv, self.env, stdout=stdout, stderr=err_path)
            if sample.returncode not in self.ok_codes:
                tail = Path(err_path).read_text(errors="replace")[-2000:]
                raise BenchError(f"{self.label} exited with {sample.returncode}: {tail.strip()}")
        finally:
            if stderr is None:
                Path(err_path).unlink(missing_ok=True)
        return sample


# --- machine facts --------------------------------------------------------------------------


def _first_line(argv: Sequence[str]) -> str:
    try:
        proc = subprocess.run(list(argv), capture_output=True, text=True, timeout=30, check=False)
    except (OSError, subprocess.SubprocessError):
        return "unknown"
    text = (proc.stdout or proc.stderr).strip()
    return text.splitlines()[0].strip() if text else "unknown"


def adba_tree_hash() -> str:
    """The first 12 hex digits of a SHA-256 over every file under ``adba/`` (names and bytes)."""
    tree = hashlib.sha256()
    for path in sorted((REPO / "adba").rglob("*")):
        if path.is_file() and "__pycache__" not in path.parts:
            tree.update(str(path.relative_to(REPO)).encode() + b"\0" + path.read_bytes())
    return tree.hexdigest()[:12]


def _note_tree_change(info: dict[str, Any]) -> None:
    """Warn (and record) when ``adba/`` changed while the benchmark ran."""
    now = adba_tree_hash()
    info["adba_tree_sha256_after"] = now
    if now != info["adba_tree_sha256"]:
        print(f"WARNING: adba/ changed during the run (tree {info['adba_tree_sha256']} -> {now}); "
              "the runs may have measured different code")


def machine_info() -> dict[str, Any]:
    """nproc, CPU model, memory, load, kernel, tool versions, date and adba's git commit.

    ``adba_tree_sha256`` hashes every file under ``adba/``, so runs on uncommitted code can
    still be told apart.
    """
    cpu = "unknown"
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    mem_gib = 0.0
    with contextlib.suppress(OSError, ValueError, IndexError):
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                mem_gib = int(line.split()[1]) / 1024 / 1024
    commit = _first_line(["git", "-C", str(REPO), "rev-parse", "--short", "HEAD"])
    dirty = bool(subprocess.run(["git", "-C", str(REPO), "status", "--porcelain", "--", "adba"],
                                capture_output=True, text=True, check=False).stdout.strip())
    ldapsearch = _first_line(["ldapsearch", "-VV"])
    match = re.search(r"ldapsearch ([0-9][^ ]*)", ldapsearch)
    return {
        "date": _first_line(["date"]),
        "nproc": len(os.sched_getaffinity(0)),
        "cpu": cpu,
        "memory_gib": round(mem_gib, 1),
        "load_average": [round(x, 2) for x in os.getloadavg()],
        "kernel": platform.release(),
        "python": platform.python_version(),
        "samba": _first_line(["samba", "--version"]),
        "ldapsearch": match.group(1) if match else ldapsearch,
        "adba_commit": commit + ("+uncommitted changes in adba/" if dirty else ""),
        "adba_tree_sha256": adba_tree_hash(),
    }


def _print_machine(info: dict[str, Any]) -> None:
    print(f"machine: {info['nproc']} CPUs ({info['cpu']}), {info['memory_gib']} GiB RAM, "
          f"kernel {info['kernel']}, load average {info['load_average']}")
    print(f"software: Python {info['python']}, Samba {info['samba']}, "
          f"ldapsearch {info['ldapsearch']}, adba {info['adba_commit']} "
          f"(adba/ tree {info['adba_tree_sha256']})")
    print(f"date: {info['date']}")
    if info["load_average"][0] > 0.5 * info["nproc"]:
        print("WARNING: the machine is busy (load average above half the CPUs); the DC and "
              "the clients share these CPUs, so the timings will be noisy", flush=True)


# --- contenders -----------------------------------------------------------------------------


def _fill(template: Sequence[str], **values: str) -> list[str]:
    return [part.format(**values) for part in template]


def adba_env() -> dict[str, str]:
    """Environment for ``python -m adba``: this checkout first on the import path."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(REPO), *filter(None, [env.get("PYTHONPATH")])])
    for name in [k for k in env if k.startswith("ADBA_")]:
        del env[name]  # an ADBA_* setting of the caller must not change what is measured
    env["NO_COLOR"] = "1"
    return env


def adba_has_command(command: str) -> bool:
    """Whether this checkout's ``adba`` has the subcommand ``command``."""
    proc = subprocess.run([sys.executable, "-m", "adba", command, "--help"], env=adba_env(),
                          capture_output=True, text=True, check=False, timeout=60)
    return proc.returncode == 0


def choose_adba_command(requested: str | None) -> tuple[str, bool]:
    """The subcommand to measure and whether it is the stand-in for ``coverage``."""
    if requested:
        return requested, requested != ADBA_COMMAND
    if adba_has_command(ADBA_COMMAND):
        return ADBA_COMMAND, False
    return ADBA_FALLBACK_COMMAND, True


def live_contenders(dc: RunningDC, password_file: Path, adba_command: str,
                    stand_in: bool) -> list[Contender]:
    """ldapsearch, adba and the ldap3 loop, all bound as ``reader`` over validated LDAPS."""
    ldapsearch = shutil.which("ldapsearch") or "/usr/bin/ldapsearch"
    ldap_env = dc.env()  # LDAPTLS_CACERT=<ca>, LDAPTLS_REQCERT=demand, no ldap.conf/.ldaprc
    label = f"adba {adba_command}" + (" (stand-in for coverage)" if stand_in else "")
    return [
        Contender("ldapsearch", "ldapsearch -E pr=1000", [
            ldapsearch, "-LLL", "-E", "pr=1000/noprompt", "-H", f"ldaps://{dc.ip}", "-x",
            "-D", dc.user_upn, "-y", str(password_file), "-b", dc.base_dn, COMPUTER_FILTER,
            *ATTRIBUTES], ldap_env),
        Contender("adba", label, [sys.executable, "-m", "adba", *_fill(
            ADBA_ARGS, command=adba_command, ip=dc.ip, user=dc.user_upn,
            password_file=str(password_file), ca_file=str(dc.ca_file), output=os.devnull)],
            adba_env(), ADBA_OK_CODES),
        Contender("ldap3", "ldap3 paged loop", [
            sys.executable, str(REPO / "bench" / "ldap3_baseline.py"), "--server", dc.ip,
            "--user", dc.user_upn, "--password-file", str(password_file),
            "--ca-file", str(dc.ca_file), "--base", dc.base_dn], adba_env()),
    ]


def warm_up(contenders: Sequence[Contender], expected: int, workdir: Path) -> dict[str, Any]:
    """Run each contender once, keeping its output, and check what it returned."""
    facts: dict[str, Any] = {}
    for contender in contenders:
        out = workdir / f"warmup-{contender.key}.out"
        argv = contender.argv
        if contender.key == "adba":  # let it write its report where we can read it
            contender.argv = [str(out) if a == os.devnull else a for a in argv]
        try:
            sample = contender.run(stdout=str(out))
        finally:
            contender.argv = argv
        text = out.read_text(encoding="utf-8", errors="replace")
        if contender.key == "ldapsearch":
            got = sum(1 for line in text.splitlines() if line.startswith(("dn: ", "dn:: ")))
            if got != expected:
                raise BenchError(f"ldapsearch returned {got:,} computers, expected {expected:,}")
            facts["ldapsearch_entries"] = got
        elif contender.key == "ldap3":
            got = int(text.strip() or "0")
            if got != expected:
                raise BenchError(f"the ldap3 loop counted {got:,} computers, expected {expected:,}")
            facts["ldap3_entries"] = got
        else:
            try:
                report = json.loads(text)
            except ValueError as exc:
                raise BenchError(f"{contender.label} did not write JSON: {exc}") from exc
            facts["adba_exit_code"] = sample.returncode
            facts["adba_report_bytes"] = len(text.encode("utf-8"))
            facts["adba_report_keys"] = sorted(report) if isinstance(report, dict) else []
        out.unlink(missing_ok=True)
        print(f"  warm-up {contender.label}: {sample.wall:.2f} s, {sample.maxrss_mb:.1f} MB",
              flush=True)
    return facts


def measure_rounds(contenders: Sequence[Contender], repeat: int) -> None:
    """``repeat`` rounds; every contender once per round, the order rotating each round."""
    for round_no in range(repeat):
        shift = round_no % len(contenders)
        order = [*contenders[shift:], *contenders[:shift]]
        cells = []
        for contender in order:
            sample = contender.run()
            contender.samples.append(sample)
            cells.append(f"{contender.key} {sample.wall:.2f} s")
        print(f"  round {round_no + 1}/{repeat}: " + ", ".join(cells), flush=True)


# --- results ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Summary:
    """Aggregates of one contender's samples."""

    key: str
    label: str
    runs: int
    median_wall: float
    min_wall: float
    median_cpu: float
    max_rss_mb: float

    @classmethod
    def of(cls, contender: Contender) -> Summary:
        """Summarise ``contender.samples``."""
        walls = [s.wall for s in contender.samples]
        return cls(contender.key, contender.label, len(walls), statistics.median(walls), min(walls),
                   statistics.median(s.cpu for s in contender.samples),
                   max(s.maxrss_mb for s in contender.samples))


def paired_ratio(contender: Contender, baseline: Contender) -> float:
    """Median over rounds of (contender's wall / baseline's wall in the same round)."""
    return statistics.median(a.wall / b.wall for a, b in zip(contender.samples, baseline.samples,
                                                              strict=True))


def print_table(summaries: Sequence[Summary], baseline: Summary | None) -> None:
    """The results table; ratios are medians relative to ``baseline``."""
    print(f"\n{'contender':<40} {'runs':>4} {'median s':>9} {'min s':>7} {'CPU s':>7} "
          f"{'peak RSS MB':>12} {'x ldapsearch':>13}")
    for s in summaries:
        live = baseline is not None and s.key != "adba-snapshot"
        ratio = f"{s.median_wall / baseline.median_wall:.2f}" if live and baseline else "-"
        print(f"{s.label:<40} {s.runs:>4} {s.median_wall:>9.2f} {s.min_wall:>7.2f} "
              f"{s.median_cpu:>7.2f} {s.max_rss_mb:>12.1f} {ratio:>13}")


def check_targets(ratio: float | None, rss_mb: float, computers: int, *, max_ratio: float,
                  max_rss_mb: float) -> list[str]:
    """Print the verdict for each target; return the missed ones."""
    missed = []
    print()
    if ratio is not None:
        ok = ratio <= max_ratio
        note = "" if computers >= 20000 else " (the target is stated for 20,000 computers)"
        print(f"target ratio adba/ldapsearch <= {max_ratio}: {ratio:.2f} "
              f"{'met' if ok else 'MISSED'}{note}")
        if not ok:
            missed.append(f"ratio {ratio:.2f} > {max_ratio}")
    ok = rss_mb <= max_rss_mb
    note = "" if computers >= 100000 else " (the target is stated for 100,000 computers)"
    print(f"target adba peak RSS <= {max_rss_mb:.0f} MB: {rss_mb:.1f} MB "
          f"{'met' if ok else 'MISSED'}{note}")
    if not ok:
        missed.append(f"peak RSS {rss_mb:.1f} MB > {max_rss_mb:.0f} MB")
    return missed


def _write_password(path: Path, password: str) -> Path:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(password)
    return path


def start_populated_dc(ip: str, computers: Sequence[Computer], method: str,
                       batch_size: int) -> tuple[RunningDC, dict[str, Any]]:
    """Start the benchmark DC, fill it, check the objects; return it and what it took."""
    print(f"\nstarting a Samba AD DC on {ip} ...", flush=True)
    dc = start_dc(DCSpec(ip=ip, objects=BENCH_OBJECTS))
    try:
        print(f"  DC ready in {dc.startup_seconds:.1f} s ({dc.workdir})")
        print(f"populating {len(computers):,} computers with {method} ...", flush=True)
        result = populate(dc, computers, method, batch_size=batch_size,
                          progress=lambda message: print(message, flush=True))
        print(f"  {result}")
        checked = verify(dc, computers, enumerate_all=False)
        print(f"  checked: {len(checked.server_added)} server-added attributes, the same on "
              "ldbadd and LDAP-created objects, readable by the plain user")
    except BaseException:
        dc.stop()
        raise
    return dc, {"method": result.method, "computers": result.count,
                "seconds": round(result.seconds, 1), "adds_per_second": round(result.rate, 1),
                "detail": result.detail, "dc_start_seconds": round(dc.startup_seconds, 1)}


def run_live(args: argparse.Namespace, info: dict[str, Any]) -> int:
    """The main mode: DC, populate, warm-up, rounds, table."""
    adba_command, stand_in = choose_adba_command(args.adba_command)
    if stand_in:
        print(f"NOTE: measuring 'adba {adba_command}' as a stand-in: this checkout has no "
              f"'adba {ADBA_COMMAND}' (or --adba-command chose another)")
    computers = generate_computers(args.computers, seed=args.seed)
    dc, populated = start_populated_dc(args.ip, computers, args.populate_method, args.batch_size)
    with dc:
        password_file = _write_password(dc.workdir / "reader.pw", dc.user_password)
        contenders = live_contenders(dc, password_file, adba_command, stand_in)
        if args.no_ldap3:
            contenders = [c for c in contenders if c.key != "ldap3"]
        print("\nwarm-up (one run each, output checked) ...", flush=True)
        facts = warm_up(contenders, args.computers + 1, dc.workdir)
        print(f"measuring {args.repeat} rounds ...", flush=True)
        measure_rounds(contenders, args.repeat)
        with tempfile.TemporaryDirectory(prefix="adba-bench-") as tmp:
            recorded: dict[str, Any] = {}
            snapshot_contender = None
            if args.with_snapshot:
                snapshot = Path(tmp) / "snapshot.json"
                recorded = record_from_dc(dc, password_file, snapshot)
                dc.stop()  # the snapshot runs need no DC: give them the machine
                snapshot_contender = measure_snapshot(snapshot, args.repeat)
    info["load_average_after"] = [round(x, 2) for x in os.getloadavg()]
    _note_tree_change(info)
    by_key = {c.key: c for c in contenders}
    summaries = [Summary.of(c) for c in contenders]
    if snapshot_contender is not None:
        summaries.append(Summary.of(snapshot_contender))
    base = next(s for s in summaries if s.key == "ldapsearch")
    print(f"\n{args.computers:,} computers (+ the DC's own account), {args.repeat} rounds, "
          f"populated in {populated['seconds']} s ({populated['adds_per_second']:,.0f} adds/s)")
    print_table(summaries, base)
    adba = next(s for s in summaries if s.key == "adba")
    ratio = adba.median_wall / base.median_wall
    peak_rss = max(s.max_rss_mb for s in summaries if s.key.startswith("adba"))
    paired = paired_ratio(by_key["adba"], by_key["ldapsearch"])
    print(f"\nadba/ldapsearch wall-time ratio: {ratio:.2f} (ratio of medians; median of the "
          f"per-round ratios {paired:.2f})")
    if "ldap3" in by_key:
        ldap3_ratio = Summary.of(by_key["ldap3"]).median_wall / base.median_wall
        print(f"ldap3 loop/ldapsearch: {ldap3_ratio:.2f}")
    print(f"load average after: {info['load_average_after']}")
    missed = check_targets(ratio, peak_rss, args.computers, max_ratio=args.max_ratio,
                           max_rss_mb=args.max_rss_mb)
    if args.json:
        _save_json(args.json, {
            "mode": "live", "computers": args.computers, "repeat": args.repeat,
            "adba_command": adba_command, "adba_stand_in": stand_in,
            "adba_argv": by_key["adba"].argv, "machine": info, "populate": populated,
            "warm_up": facts, "ratio_of_medians": ratio, "median_paired_ratio": paired,
            "snapshot": recorded, "summaries": [asdict(s) for s in summaries],
            "samples": {c.key: [asdict(s) for s in c.samples] for c in
                        [*contenders, *([snapshot_contender] if snapshot_contender else [])]}})
    return 1 if args.check and missed else 0


# --- snapshot modes --------------------------------------------------------------------------


def write_synthetic_snapshot(computers: Sequence[Computer], path: Path) -> None:
    """Write a snapshot holding ``computers`` without any DC.

    The forest part is the bundled sample (recorded from the test DC); the computers are the
    generated ones, written by adba's own snapshot writer, exactly as ``adba snapshot
    --computers`` writes them.
    """
    from adba.adapters.snapshot import read_snapshot, write_snapshot
    from adba.cli.sources import demo_path

    raw = read_snapshot(demo_path())
    base = raw.computers_base or "DC=contoso,DC=test"
    domain = ".".join(part.split("=", 1)[1] for part in base.split(","))
    rows = ({k: [v.encode("utf-8") for v in vals]
             for k, vals in computer.attributes(domain).items()} for computer in computers)
    with path.open("w", encoding="utf-8") as handle:
        write_snapshot(raw, handle, rows, base)


def record_from_dc(dc: RunningDC, password_file: Path, path: Path) -> dict[str, Any]:
    """Save ``dc`` (computers included) to ``path`` with ``adba snapshot --computers``."""
    recorder = Contender("record", "adba snapshot --computers", [
        sys.executable, "-m", "adba", *_fill(
            ADBA_RECORD_ARGS, ip=dc.ip, user=dc.user_upn, password_file=str(password_file),
            ca_file=str(dc.ca_file), output=str(path))], adba_env())
    print("recording a snapshot with 'adba snapshot --computers' ...", flush=True)
    sample = recorder.run()
    size = path.stat().st_size
    print(f"  {path.name}: {size / 1e6:.1f} MB in {sample.wall:.1f} s, "
          f"peak RSS {sample.maxrss_mb:.1f} MB", flush=True)
    return {"snapshot_bytes": size, "record_seconds": round(sample.wall, 2),
            "record_peak_rss_mb": round(sample.maxrss_mb, 1)}


def record_snapshot(args: argparse.Namespace, path: Path) -> dict[str, Any]:
    """Fill a DC with ``args.rss_only`` computers and save it with ``adba snapshot``."""
    computers = generate_computers(args.rss_only, seed=args.seed)
    if args.synthetic:
        write_synthetic_snapshot(computers, path)
        return {"synthetic": True}
    dc, populated = start_populated_dc(args.ip, computers, args.populate_method, args.batch_size)
    with dc:
        password_file = _write_password(dc.workdir / "reader.pw", dc.user_password)
        recorded = record_from_dc(dc, password_file, path)
    return {"populate": populated, **recorded}


def measure_snapshot(snapshot: Path, repeat: int) -> Contender:
    """Warm-up plus ``repeat`` runs of ``adba coverage --snapshot`` (no DC involved)."""
    contender = Contender("adba-snapshot", "adba coverage --snapshot", [
        sys.executable, "-m", "adba", *_fill(ADBA_SNAPSHOT_ARGS, snapshot=str(snapshot),
                                             output=os.devnull)], adba_env(), ADBA_OK_CODES)
    print(f"\nadba coverage --snapshot {snapshot.name}: warm-up + {repeat} runs", flush=True)
    contender.run()
    measure_rounds([contender], repeat)
    return contender


def run_snapshot(args: argparse.Namespace, info: dict[str, Any]) -> int:
    """``--from-snapshot FILE`` or ``--rss-only N``: adba coverage on a snapshot, no DC."""
    recorded: dict[str, Any] = {}
    with tempfile.TemporaryDirectory(prefix="adba-bench-") as tmp:
        if args.from_snapshot is not None:
            snapshot = Path(args.from_snapshot).resolve()
            if not snapshot.is_file():
                raise BenchError(f"no such snapshot: {snapshot}")
        else:
            snapshot = Path(args.keep_snapshot).resolve() if args.keep_snapshot else \
                Path(tmp) / "snapshot.json"
            recorded = record_snapshot(args, snapshot)
        contender = measure_snapshot(snapshot, args.repeat)
    _note_tree_change(info)
    summary = Summary.of(contender)
    print_table([summary], None)
    computers = args.rss_only or 0
    missed = check_targets(None, summary.max_rss_mb, computers, max_ratio=args.max_ratio,
                           max_rss_mb=args.max_rss_mb)
    if args.json:
        _save_json(args.json, {"mode": "snapshot", "computers": computers, "snapshot": str(snapshot),
                               "machine": info, "recorded": recorded, "summary": asdict(summary),
                               "samples": [asdict(s) for s in contender.samples]})
    return 1 if args.check and missed else 0


def _save_json(path: str, document: dict[str, Any]) -> None:
    Path(path).write_text(json.dumps(document, indent=2) + "\n", encoding="utf-8")
    print(f"results saved to {path}")


# --- command line ----------------------------------------------------------------------------


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    """The benchmark's options."""
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0],
        epilog="Example: python bench/coverage_bench.py --computers 20000 --repeat 5")
    parser.add_argument("--computers", type=int, default=20000,
                        help="computer accounts to create (default 20000)")
    parser.add_argument("--repeat", type=int, default=5, help="measured rounds (default 5)")
    parser.add_argument("--ip", default=DEFAULT_IP, help=f"loopback address (default {DEFAULT_IP})")
    parser.add_argument("--adba-command", default=None,
                        help=f"adba subcommand to measure (default {ADBA_COMMAND}, or "
                             f"{ADBA_FALLBACK_COMMAND} while {ADBA_COMMAND} does not exist)")
    parser.add_argument("--populate-method", choices=("ldbadd", "ldap"), default="ldbadd")
    parser.add_argument("--batch-size", type=int, default=DEFAULT_BATCH,
                        help="entries per ldbadd transaction")
    parser.add_argument("--seed", type=int, default=2024, help="computer generator seed")
    parser.add_argument("--no-ldap3", action="store_true", help="skip the ldap3 baseline")
    parser.add_argument("--json", metavar="FILE", help="save machine facts and every sample")
    parser.add_argument("--check", action="store_true", help="exit 1 when a target is missed")
    parser.add_argument("--max-ratio", type=float, default=TARGET_RATIO)
    parser.add_argument("--max-rss-mb", type=float, default=TARGET_RSS_MB)
    snap = parser.add_argument_group("snapshot modes (adba coverage --snapshot, no live DC)")
    snap.add_argument("--with-snapshot", action="store_true",
                      help="after the live rounds, also record a snapshot of the same DC and "
                           "measure adba coverage --snapshot on it (DC stopped)")
    snap.add_argument("--from-snapshot", metavar="FILE",
                      help="measure adba coverage on this snapshot")
    snap.add_argument("--rss-only", type=int, metavar="N",
                      help="fill a DC with N computers, record a snapshot with "
                           "'adba snapshot --computers', stop the DC, measure on the snapshot")
    snap.add_argument("--keep-snapshot", metavar="FILE",
                      help="with --rss-only: write the snapshot here and keep it")
    snap.add_argument("--synthetic", action="store_true",
                      help="with --rss-only: generate the snapshot without a DC (adba's own writer)")
    args = parser.parse_args(argv)
    if args.from_snapshot and args.rss_only:
        parser.error("--from-snapshot and --rss-only exclude each other")
    if args.repeat < 1 or args.computers < 2:
        parser.error("--repeat must be at least 1 and --computers at least 2")
    return args


def main(argv: Sequence[str] | None = None) -> int:
    """Run the benchmark; 0 on success (1 with --check and a missed target, 2 on error)."""
    args = parse_args(argv)
    info = machine_info()
    _print_machine(info)
    try:
        if args.from_snapshot or args.rss_only:
            return run_snapshot(args, info)
        return run_live(args, info)
    except (BenchError, PopulateError, HarnessError, NotImplementedError) as exc:
        print(f"coverage_bench: error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    raise SystemExit(main())
