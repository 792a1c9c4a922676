"""Benchmark ``adba consistency`` on N DCs against the slowest single DC's ``adba scan``.

One command, from a fresh clone (root; Samba installed, e.g. by ``bash scripts/test.sh``;
run it under the DC lock, since it starts DCs on fixed loopback addresses)::

    flock /work/adba-dc.lock python bench/consistency_bench.py --names 4 --repeat 5

What it does, in one run:

1. starts the two-DC lab of the tests (:func:`tests.testdc.start_dc` + :func:`join_dc`) on
   127.0.0.51/52 in a forest of its own, seeded with the integration tests' ten activation
   objects plus ``--objects`` more (each with three licence blobs), both DCs in Samba's
   ``standard`` process model (one process per connection, as a DC serving many clients);
   each DC's certificate also names ``--names``/2 aliases, served by a small DNS server, so
   ``--names`` DCs are listed (the two DCs, then the same two under further names);
2. per round (``--repeat``, order rotating): ``adba scan --server <DC>`` for each of the two
   DCs, and ``adba consistency --dc ... --dns-server ...`` on all ``--names`` entries, each a
   fresh process measured by ``bench/measure_child.py`` (wall, CPU, peak RSS);
   ``--discover`` measures ``adba consistency --server DC1`` (DC list from the directory,
   DNS cross-check) instead of the ``--dc`` list;
3. prints, per round, consistency's wall time divided by the slowest of that round's single
   scans, the median of those ratios, and the target (at most 1.5).  ``--json FILE`` saves
   every sample; ``--check`` exits 1 when the target is missed.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from bench.coverage_bench import (  # noqa: E402
    ADBA_OK_CODES,
    BenchError,
    Contender,
    adba_env,
    machine_info,
)
from tests.integration import seeds  # noqa: E402
from tests.support.dns_server import DnsServer  # noqa: E402
from tests.testdc import ActivationObjectSeed, DCSpec, join_dc, start_dc  # noqa: E402

TARGET_RATIO = 1.5
FIRST_IP, SECOND_IP = "127.0.0.51", "127.0.0.52"
REALM = "BENCH.TEST"


def _objects(extra: int) -> tuple[ActivationObjectSeed, ...]:
    template = dict(seeds.MAIN_OBJECTS[0].attributes)
    more = tuple(ActivationObjectSeed(f"ao-bench-{i:03d}", {**template, "displayName": [
        f"Bench object {i}"]}) for i in range(extra))
    return (*seeds.MAIN_OBJECTS, *more)


def _aliases(host: str, count: int) -> tuple[str, ...]:
    return tuple(f"{host}-alias{i}.{REALM.lower()}" for i in range(1, count + 1))


def run(args: argparse.Namespace) -> dict[str, Any]:
    """Start the lab, measure, stop it; return every sample and the ratios."""
    per_dc = max(0, (args.names - 2 + 1) // 2)
    first_aliases, second_aliases = _aliases("dc51", per_dc), _aliases("dc52", per_dc)
    spec = DCSpec(ip=FIRST_IP, realm=REALM, netbios="BENCH", hostname="dc51",
                  objects=_objects(args.objects), tls_aliases=first_aliases,
                  process_model="standard")
    print(f"starting the two-DC lab ({len(spec.objects)} activation objects) ...", flush=True)
    first = start_dc(spec)
    try:
        second = join_dc(first, SECOND_IP, "dc52", tls_aliases=second_aliases)
        try:
            print(f"  DC1 {first.startup_seconds:.1f} s, DC2 joined in "
                  f"{second.startup_seconds:.1f} s", flush=True)
            return _measure(args, first, second, first_aliases, second_aliases)
        finally:
            second.stop()
    finally:
        first.stop()


def _measure(args: argparse.Namespace, first: Any, second: Any, first_aliases: Sequence[str],
             second_aliases: Sequence[str]) -> dict[str, Any]:
    fqdn1, fqdn2 = first.host, second.host
    records: dict[str, list[tuple[str, str]]] = {
        f"_ldap._tcp.dc._msdcs.{REALM.lower()}": [("SRV", f"0 100 389 {fqdn1}."),
                                                  ("SRV", f"0 100 389 {fqdn2}.")],
        fqdn1: [("A", first.ip)], fqdn2: [("A", second.ip)],
        **{name: [("A", first.ip)] for name in first_aliases},
        **{name: [("A", second.ip)] for name in second_aliases},
    }
    names = [first.ip, second.ip]
    for a, b in zip(first_aliases, second_aliases, strict=True):
        names.extend([a, b])
    names = names[:args.names]
    workdir = Path(tempfile.mkdtemp(prefix="adba-bench-"))
    password_file = workdir / "password"
    fd = os.open(password_file, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(first.user_password)
    common = ["--user", first.user_upn, "--password-file", str(password_file), "--ca-file",
              str(first.ca_file), "--format", "json", "-o", os.devnull]
    env = adba_env()
    with DnsServer(records) as dns:
        scans = [Contender(f"scan-{dc.host}", f"adba scan --server {dc.ip}",
                           [sys.executable, "-m", "adba", "scan", "--server", dc.ip, *common],
                           env, ADBA_OK_CODES) for dc in (first, second)]
        target = (["--server", first.ip] if args.discover else
                  [part for name in names for part in ("--dc", name)])
        consistency = Contender(
            "consistency", f"adba consistency ({'directory' if args.discover else len(names)} "
            "DCs)", [sys.executable, "-m", "adba", "consistency", *target, "--dns-server",
                     dns.address, *common], env, frozenset({0}))
        contenders = [*scans, consistency]
        for contender in contenders:  # warm-up, and a consistent lab (exit 0) checked
            sample = contender.run()
            print(f"  warm-up {contender.label}: {sample.wall:.2f} s", flush=True)
        ratios = []
        for round_no in range(args.repeat):
            shift = round_no % len(contenders)
            order = [*contenders[shift:], *contenders[:shift]]
            for contender in order:
                contender.samples.append(contender.run())
            slowest = max(s.samples[-1].wall for s in scans)
            ratio = consistency.samples[-1].wall / slowest
            ratios.append(ratio)
            print(f"  round {round_no + 1}/{args.repeat}: scans "
                  + ", ".join(f"{s.samples[-1].wall:.2f} s" for s in scans)
                  + f"; consistency {consistency.samples[-1].wall:.2f} s; ratio {ratio:.2f}",
                  flush=True)
    result = {
        "names": names if not args.discover else "directory", "objects": args.objects,
        "ratios": ratios, "median_ratio": statistics.median(ratios),
        "samples": {c.key: [s.__dict__ for s in c.samples] for c in contenders},
    }
    print(f"\n{'contender':<44} {'median s':>9} {'min s':>7} {'CPU s':>7} {'RSS MB':>7}")
    for c in contenders:
        walls = [s.wall for s in c.samples]
        print(f"{c.label:<44} {statistics.median(walls):>9.2f} {min(walls):>7.2f} "
              f"{statistics.median(s.cpu for s in c.samples):>7.2f} "
              f"{max(s.maxrss_mb for s in c.samples):>7.1f}")
    print(f"\nconsistency / slowest single scan (median of {len(ratios)} rounds): "
          f"{result['median_ratio']:.2f} (target <= {TARGET_RATIO})")
    return result


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    """Command-line options."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--names", type=int, default=4,
                        help="DC entries for consistency: the two DCs, then aliases (default 4)")
    parser.add_argument("--objects", type=int, default=20,
                        help="activation objects beyond the ten seeded ones (default 20)")
    parser.add_argument("--repeat", type=int, default=5, help="measured rounds (default 5)")
    parser.add_argument("--discover", action="store_true",
                        help="consistency finds the DCs in the directory (--server DC1)")
    parser.add_argument("--json", help="write every sample to this file")
    parser.add_argument("--check", action="store_true",
                        help=f"exit 1 when the median ratio is above {TARGET_RATIO}")
    args = parser.parse_args(argv)
    if args.names < 2:
        parser.error("--names must be at least 2")
    return args


def main(argv: Sequence[str] | None = None) -> int:
    """Run the benchmark."""
    args = parse_args(argv)
    info = machine_info()
    print(f"machine: {info['nproc']} CPU(s) ({info['cpu']}), load average {info['load_average']}", flush=True)
    try:
        result = run(args)
    except BenchError as exc:
        print(f"consistency_bench: {exc}", file=sys.stderr)
        return 2
    if args.json:
        Path(args.json).write_text(json.dumps({"machine": info, **result}, indent=2))
    if args.check and result["median_ratio"] > TARGET_RATIO:
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
