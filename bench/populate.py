"""Fill a test DC with N realistic computer accounts, as fast as Samba allows.

The benchmark needs tens of thousands of computer objects in a real Samba AD DC
(:mod:`tests.testdc`).  Three ways to create them are implemented and can be compared with
``--compare`` (rates measured on this project's machine are in ``docs/performance.md``):

``ldbadd`` (the default, by far the fastest)
    LDIF written straight into the running DC's ``sam.ldb`` with
    ``ldbadd -H <workdir>/private/sam.ldb --configfile=<smb.conf> -o batch_mode:1``, a few
    thousand entries per call.  ``ldbadd`` loads Samba's whole ``dsdb`` module stack, so the
    objects get everything an LDAP add gives them (objectSid from the DC's RID pool,
    objectGUID, objectCategory, sAMAccountType, primaryGroupID 515, the default security
    descriptor, replication metadata).  ``batch_mode`` matters: without it ldb wraps every add
    in a nested sub-transaction and copies the ever-growing index lists (objectClass=computer,
    objectCategory, primaryGroupID=515, ...) each time, and the rate falls to 60-85 adds/s
    beyond 10,000 computers.  Writing while the DC runs is what ``samba-tool ... -H sam.ldb``
    does too (the database is locked per transaction); doing it with the DC stopped was
    measured at the same rate, so the harness is not stopped and restarted for it.
``ldbadd-nobatch``
    The same without ``batch_mode``, to show what it buys.
``ldap``
    ldap3 adds as Administrator over validated LDAPS, ``--connections`` connections in
    parallel (threads).  The DC runs ``samba -M single``, so parallel connections help little.
``samba-tool``
    ``samba-tool computer create NAME -H sam.ldb``, one process per computer.  It cannot set
    operatingSystem, dNSHostName or lastLogonTimestamp, so it only serves as a comparison.

Every method's objects are checked (``verify``): a plain Domain User sees all of them through
LDAPS, with distinct objectSids, and the attributes the server added to an ``ldbadd`` object
are exactly those it added to one created over LDAP.

Run (root, Samba installed; ``scripts/test.sh`` installs it)::

    python bench/populate.py --computers 20000             # fill one DC, verify, report, stop
    python bench/populate.py --computers 2000 --compare    # each method on its own fresh DC
"""

from __future__ import annotations

import argparse
import os
import random
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

import ldap3  # noqa: E402

from tests.testdc import DCSpec, RunningDC, start_dc  # noqa: E402

__all__ = [
    "DEFAULT_BATCH",
    "LDBADD_OPTIONS",
    "METHODS",
    "OS_MIX",
    "Computer",
    "OsRelease",
    "PopulateError",
    "PopulateResult",
    "Verification",
    "add_over_ldap",
    "computers_ldif",
    "computers_parent_dn",
    "filetime",
    "generate_computers",
    "populate",
    "populate_ldap",
    "populate_ldbadd",
    "populate_samba_tool",
    "verify",
]

Progress = Callable[[str], None]

#: Computer accounts go where Windows puts joined machines by default.
COMPUTERS_RDN = "CN=Computers"
#: Default loopback address of ``populate.py``'s own DC (the coverage benchmark uses .21).
DEFAULT_IP = "127.0.0.22"
#: Entries per ``ldbadd`` call (one ldb transaction each); 2,000-5,000 measured best.
DEFAULT_BATCH = 5000
#: The ``ldbadd`` methods' ldb options; see the module docstring.
LDBADD_OPTIONS: tuple[str, ...] = ("batch_mode:1",)
_FILETIME_UNIX_OFFSET = 11_644_473_600  # seconds from 1601-01-01 to 1970-01-01
_UAC_WORKSTATION_TRUST = 0x1000
_UAC_ACCOUNTDISABLE = 0x2
_SAM_MACHINE_ACCOUNT = 805306369
_DOMAIN_COMPUTERS_RID = 515


class PopulateError(RuntimeError):
    """Creating or verifying the computer objects failed."""


@dataclass(frozen=True)
class OsRelease:
    """An ``operatingSystem``/``operatingSystemVersion`` pair and how common it is."""

    name: str
    version: str
    weight: int
    server: bool
    stale_share: float
    """Fraction of machines with this OS whose last logon is older than 90 days."""


#: A plausible mid-2020s enterprise mix (weights are relative).
OS_MIX: tuple[OsRelease, ...] = (
    OsRelease("Windows 10 Enterprise", "10.0 (19045)", 30, False, 0.15),
    OsRelease("Windows 11 Enterprise", "10.0 (22631)", 25, False, 0.05),
    OsRelease("Windows 11 Pro", "10.0 (26100)", 6, False, 0.10),
    OsRelease("Windows 10 Enterprise LTSC", "10.0 (17763)", 5, False, 0.10),
    OsRelease("Windows 7 Professional", "6.1 (7601)", 3, False, 0.60),
    OsRelease("Windows Server 2022 Datacenter", "10.0 (20348)", 10, True, 0.05),
    OsRelease("Windows Server 2019 Standard", "10.0 (17763)", 12, True, 0.10),
    OsRelease("Windows Server 2025 Standard", "10.0 (26100)", 3, True, 0.02),
    OsRelease("Windows Server 2012 R2 Standard", "6.3 (9600)", 6, True, 0.40),
)


@dataclass(frozen=True)
class Computer:
    """One generated computer account."""

    name: str
    """NetBIOS name without the trailing ``$`` (also the cn)."""
    operating_system: str
    operating_system_version: str
    last_logon_timestamp: int | None
    """FILETIME (100-ns ticks since 1601); ``None`` for a machine that never logged on."""
    user_account_control: int

    def attributes(self, dns_domain: str) -> dict[str, list[str]]:
        """The LDAP attributes to add (objectClass included)."""
        attrs = {
            "objectClass": ["computer"],
            "cn": [self.name],
            "sAMAccountName": [f"{self.name}$"],
            "dNSHostName": [f"{self.name.lower()}.{dns_domain}"],
            "operatingSystem": [self.operating_system],
            "operatingSystemVersion": [self.operating_system_version],
            "userAccountControl": [str(self.user_account_control)],
        }
        if self.last_logon_timestamp is not None:
            attrs["lastLogonTimestamp"] = [str(self.last_logon_timestamp)]
        return attrs


def filetime(unix_seconds: float) -> int:
    """A Unix time as an AD FILETIME (100-ns ticks since 1601-01-01 UTC)."""
    return int((unix_seconds + _FILETIME_UNIX_OFFSET) * 10_000_000)


def generate_computers(count: int, *, seed: int = 2024, now: float | None = None) -> list[Computer]:
    """``count`` deterministic computers with a realistic OS, logon-age and disabled mix.

    About 4 % never logged on, the OS-dependent ``stale_share`` of the rest last logged on
    91-1,100 days ago (the others within the last 14 days, the ``lastLogonTimestamp``
    replication window), and about a third of the stale ones and 1 % of the others are
    disabled (userAccountControl 4098 instead of 4096).  Workstations are ``WS-nnnnnn``,
    servers ``SRV-nnnnnn``.
    """
    rng = random.Random(seed)
    now = time.time() if now is None else now
    weights = [release.weight for release in OS_MIX]
    computers: list[Computer] = []
    for index in range(count):
        release = rng.choices(OS_MIX, weights)[0]
        name = f"{'SRV' if release.server else 'WS'}-{index:06d}"
        roll = rng.random()
        if roll < 0.04:
            last_logon, stale = None, False
        elif rng.random() < release.stale_share:
            last_logon, stale = filetime(now - rng.uniform(91, 1100) * 86400), True
        else:
            last_logon, stale = filetime(now - rng.uniform(0, 14) * 86400), False
        disabled = rng.random() < (0.35 if stale else 0.01)
        uac = _UAC_WORKSTATION_TRUST | (_UAC_ACCOUNTDISABLE if disabled else 0)
        computers.append(Computer(name, release.name, release.version, last_logon, uac))
    return computers


def computers_parent_dn(dc: RunningDC) -> str:
    """Where the computers are created: ``CN=Computers,<domain DN>``."""
    return f"{COMPUTERS_RDN},{dc.base_dn}"


def dns_domain(dc: RunningDC) -> str:
    """The DC's DNS domain (lower-case realm)."""
    return dc.spec.realm.lower()


def computers_ldif(computers: Iterable[Computer], parent_dn: str, domain: str) -> str:
    """LDIF add records (no ``changetype``: ``ldbadd`` adds) for ``computers``."""
    records = []
    for computer in computers:
        lines = [f"dn: CN={computer.name},{parent_dn}"]
        for name, values in computer.attributes(domain).items():
            lines.extend(f"{name}: {value}" for value in values)
        records.append("\n".join(lines) + "\n")
    return "\n".join(records) + "\n"


@dataclass(frozen=True)
class PopulateResult:
    """How long creating ``count`` computers took with one method."""

    method: str
    count: int
    seconds: float
    detail: str = ""

    @property
    def rate(self) -> float:
        """Adds per second."""
        return self.count / self.seconds if self.seconds > 0 else float("inf")

    def __str__(self) -> str:
        extra = f" ({self.detail})" if self.detail else ""
        return (f"{self.method}: {self.count:,} computers in {self.seconds:.1f} s = "
                f"{self.rate:,.0f} adds/s{extra}")


def _stderr(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def _tool(name: str) -> str:
    for directory in (*os.environ.get("PATH", "").split(os.pathsep), "/usr/bin", "/usr/sbin",
                      "/bin", "/sbin"):
        candidate = Path(directory or ".") / name
        if candidate.is_file() and os.access(candidate, os.X_OK):
            return str(candidate)
    raise PopulateError(f"{name} not found (apt-get install ldb-tools samba)")


def add_over_ldap(dc: RunningDC, computers: Sequence[Computer], *, connections: int = 1) -> None:
    """Add ``computers`` as Administrator over LDAPS, round-robin over ``connections`` threads.

    Raises:
        PopulateError: the server refused an add (its message is included).
    """
    parent, domain = computers_parent_dn(dc), dns_domain(dc)
    errors: list[str] = []

    def worker(offset: int) -> None:
        conn = dc.admin_connection(get_info=ldap3.NONE)
        try:
            for computer in computers[offset::connections]:
                if errors:
                    return
                dn = f"CN={computer.name},{parent}"
                if not conn.add(dn, attributes=computer.attributes(domain)):
                    errors.append(f"adding {dn} failed: {conn.result.get('description')} "
                                  f"{conn.result.get('message')}")
                    return
        finally:
            conn.unbind()

    threads = [threading.Thread(target=worker, args=(k,), daemon=True) for k in range(connections)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if errors:
        raise PopulateError(errors[0])


def populate_ldap(dc: RunningDC, computers: Sequence[Computer], *, connections: int = 4,
                  progress: Progress = _stderr) -> PopulateResult:
    """Create ``computers`` with ldap3 over LDAPS, ``connections`` in parallel."""
    start = time.perf_counter()
    step = max(1000, connections * 250)
    for first in range(0, len(computers), step):
        add_over_ldap(dc, computers[first:first + step], connections=connections)
        done = min(first + step, len(computers))
        elapsed = time.perf_counter() - start
        progress(f"  ldap: {done:,}/{len(computers):,} ({done / elapsed:,.0f} adds/s)")
    return PopulateResult("ldap", len(computers), time.perf_counter() - start,
                          f"ldap3 over LDAPS, {connections} connections")


def populate_ldbadd(dc: RunningDC, computers: Sequence[Computer], *,
                    batch_size: int = DEFAULT_BATCH, options: Sequence[str] = LDBADD_OPTIONS,
                    progress: Progress = _stderr) -> PopulateResult:
    """Create ``computers`` by ``ldbadd`` into the running DC's ``sam.ldb``.

    Each call adds ``batch_size`` entries in one ldb transaction.  The LDIF files are written
    to the DC's workdir and removed afterwards.

    Raises:
        PopulateError: ``ldbadd`` failed (its stderr is included); the failing batch is
            rolled back as a whole.
    """
    ldbadd = _tool("ldbadd")
    parent, domain = computers_parent_dn(dc), dns_domain(dc)
    ldif_file = dc.workdir / "bench-computers.ldif"
    argv_head = [ldbadd, "-H", str(dc.sam_ldb), f"--configfile={dc.smb_conf}"]
    for option in options:
        argv_head += ["-o", option]
    start = time.perf_counter()
    try:
        for first in range(0, len(computers), batch_size):
            batch = computers[first:first + batch_size]
            ldif_file.write_text(computers_ldif(batch, parent, domain), encoding="utf-8")
            proc = subprocess.run([*argv_head, str(ldif_file)], capture_output=True, text=True,
                                  env=dc.env(), check=False, stdin=subprocess.DEVNULL)
            if proc.returncode != 0:
                raise PopulateError(f"ldbadd failed (rc {proc.returncode}) on the batch starting "
                                    f"at {batch[0].name}: {(proc.stderr or proc.stdout)[-2000:]}")
            done = first + len(batch)
            elapsed = time.perf_counter() - start
            progress(f"  ldbadd: {done:,}/{len(computers):,} ({done / elapsed:,.0f} adds/s)")
    finally:
        ldif_file.unlink(missing_ok=True)
    mode = ", ".join(options) if options else "no options"
    return PopulateResult("ldbadd", len(computers), time.perf_counter() - start,
                          f"sam.ldb while the DC runs, {batch_size:,} per transaction, {mode}")


def populate_samba_tool(dc: RunningDC, computers: Sequence[Computer], *,
                        progress: Progress = _stderr) -> PopulateResult:
    """Create ``computers`` with ``samba-tool computer create`` (names only, see module doc)."""
    start = time.perf_counter()
    for done, computer in enumerate(computers, 1):
        dc.samba_tool("computer", "create", computer.name, "-H", str(dc.sam_ldb))
        if done % 10 == 0 or done == len(computers):
            progress(f"  samba-tool: {done:,}/{len(computers):,} "
                     f"({done / (time.perf_counter() - start):,.1f} adds/s)")
    return PopulateResult("samba-tool", len(computers), time.perf_counter() - start,
                          "one process per computer; no OS, DNS name or logon attributes")


METHODS = ("ldbadd", "ldbadd-nobatch", "ldap", "samba-tool")


def populate(dc: RunningDC, computers: Sequence[Computer], method: str = "ldbadd", *,
             batch_size: int = DEFAULT_BATCH, connections: int = 4,
             progress: Progress = _stderr) -> PopulateResult:
    """Create ``computers`` in ``dc`` with ``method`` (one of :data:`METHODS`).

    For ``ldbadd`` (and ``ldbadd-nobatch``, the same without ``batch_mode``, for comparison)
    the first computer is added over LDAP instead, as the reference that :func:`verify`
    compares the ``ldbadd`` objects with (its time is included).
    """
    if method == "ldbadd":
        start = time.perf_counter()
        add_over_ldap(dc, computers[:1])
        result = populate_ldbadd(dc, computers[1:], batch_size=batch_size, progress=progress)
        return PopulateResult(result.method, len(computers), time.perf_counter() - start,
                              result.detail)
    if method == "ldbadd-nobatch":
        start = time.perf_counter()
        add_over_ldap(dc, computers[:1])
        result = populate_ldbadd(dc, computers[1:], batch_size=batch_size, options=(),
                                 progress=progress)
        return PopulateResult(method, len(computers), time.perf_counter() - start, result.detail)
    if method == "ldap":
        return populate_ldap(dc, computers, connections=connections, progress=progress)
    if method == "samba-tool":
        return populate_samba_tool(dc, computers, progress=progress)
    raise ValueError(f"unknown populate method {method!r}; choose from {METHODS}")


@dataclass(frozen=True)
class Verification:
    """What a plain Domain User sees of the generated computers."""

    visible: int
    """Computers (objectCategory=computer) the reader enumerated, the DC's own included."""
    distinct_sids: int
    server_added: tuple[str, ...]
    """Attribute names the server added to the reference object (sorted)."""

    def __str__(self) -> str:
        return (f"a plain user sees {self.visible:,} computers ({self.distinct_sids:,} distinct "
                f"objectSids); the server added the same {len(self.server_added)} attributes "
                "to the sampled objects as to one created over LDAP")


def verify(dc: RunningDC, computers: Sequence[Computer], *, expected: int | None = None,
           enumerate_all: bool = True, samples: int = 3) -> Verification:
    """Check, as the plain user ``reader`` over LDAPS, that the computers look normal.

    The attributes the server added (everything beyond what the generator supplied) to
    ``computers[0]`` and to ``samples`` others must be the same set, and every one must be a
    machine account (sAMAccountType 805306369) in Domain Computers (primaryGroupID 515).
    With ``enumerate_all``, a paged search of ``(objectCategory=computer)`` must return
    ``expected`` entries (default: ``len(computers) + 1``, the DC itself) with distinct SIDs.

    Raises:
        PopulateError: anything differs.
    """
    if not computers:
        raise PopulateError("nothing to verify")
    parent, domain = computers_parent_dn(dc), dns_domain(dc)
    conn = dc.reader_connection(get_info=ldap3.NONE)
    try:
        def added_names(computer: Computer) -> tuple[str, ...]:
            dn = f"CN={computer.name},{parent}"
            if not conn.search(dn, "(objectClass=*)", ldap3.BASE, attributes=["*"]):
                raise PopulateError(f"the reader cannot read {dn}: {conn.result.get('description')}")
            attrs = conn.response[0]["raw_attributes"]
            account_type = int(attrs["sAMAccountType"][0])
            group = int(attrs["primaryGroupID"][0])
            if account_type != _SAM_MACHINE_ACCOUNT or group != _DOMAIN_COMPUTERS_RID:
                raise PopulateError(f"{dn}: sAMAccountType {account_type}, primaryGroupID {group}")
            supplied = {name.lower() for name in computer.attributes(domain)}
            return tuple(sorted(n for n in attrs if n.lower() not in supplied))

        reference = added_names(computers[0])
        picks = random.Random(7).sample(range(1, len(computers)), min(samples, len(computers) - 1))
        for index in picks:
            got = added_names(computers[index])
            if got != reference:
                raise PopulateError(
                    f"{computers[index].name} has server-added attributes {got}, the LDAP-created "
                    f"reference {computers[0].name} has {reference}")
        visible = distinct = 0
        if enumerate_all:
            sids: set[bytes] = set()
            for entry in conn.extend.standard.paged_search(
                    dc.base_dn, "(objectCategory=computer)", attributes=["objectSid"],
                    paged_size=1000, generator=True):
                if entry.get("type") == "searchResEntry":
                    visible += 1
                    sids.add(bytes(entry["raw_attributes"]["objectSid"][0]))
            distinct = len(sids)
            want = len(computers) + 1 if expected is None else expected
            if visible != want or distinct != visible:
                raise PopulateError(f"the reader sees {visible:,} computers with {distinct:,} "
                                    f"distinct SIDs, expected {want:,}")
    finally:
        conn.unbind()
    return Verification(visible, distinct, reference)


def _fresh_dc(ip: str) -> RunningDC:
    return start_dc(DCSpec(ip=ip))


def main(argv: Sequence[str] | None = None) -> int:
    """Command line: fill one DC (or compare the methods) and report adds/s."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--computers", type=int, default=20000, help="how many (default 20000)")
    parser.add_argument("--method", choices=METHODS, default="ldbadd")
    parser.add_argument("--compare", action="store_true",
                        help="run every method on its own fresh DC (samba-tool: at most "
                             "--samba-tool-max computers)")
    parser.add_argument("--samba-tool-max", type=int, default=30)
    parser.add_argument("--batch-size", type=int, default=DEFAULT_BATCH,
                        help=f"entries per ldbadd call (default {DEFAULT_BATCH})")
    parser.add_argument("--connections", type=int, default=4,
                        help="parallel LDAP connections for --method ldap (default 4)")
    parser.add_argument("--ip", default=DEFAULT_IP, help=f"loopback address (default {DEFAULT_IP})")
    parser.add_argument("--seed", type=int, default=2024)
    parser.add_argument("--no-verify", action="store_true")
    args = parser.parse_args(argv)
    if args.computers < 2:
        parser.error("--computers must be at least 2")

    computers = generate_computers(args.computers, seed=args.seed)
    methods = METHODS if args.compare else (args.method,)
    results: list[tuple[PopulateResult, Verification | None]] = []
    for method in methods:
        subset = computers[:args.samba_tool_max] if method == "samba-tool" and args.compare \
            else computers
        _stderr(f"== {method}: starting a DC on {args.ip}")
        with _fresh_dc(args.ip) as dc:
            _stderr(f"   DC ready in {dc.startup_seconds:.1f} s ({dc.workdir})")
            result = populate(dc, subset, method, batch_size=args.batch_size,
                              connections=args.connections)
            _stderr(f"   {result}")
            checked = None
            if not args.no_verify and method != "samba-tool":
                checked = verify(dc, subset)
                _stderr(f"   verified: {checked}")
            results.append((result, checked))
    print(f"\n{'method':<15} {'computers':>10} {'seconds':>9} {'adds/s':>8}  details")
    for result, _checked in results:
        print(f"{result.method:<15} {result.count:>10,} {result.seconds:>9.1f} "
              f"{result.rate:>8,.0f}  {result.detail}")
    return 0


def _run_cli() -> int:
    try:
        return main()
    except PopulateError as exc:
        print(f"populate: error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    raise SystemExit(_run_cli())

