"""Benchmark: reading 10,000 client reports, against simply reading their bytes with Python.

Generates N reports from the fixtures in ``fixtures/clients`` (a collector document, slmgr
/dlv text, a CIM JSON export and an events JSON export, each with its own computer name), then
measures in one run, several repetitions each:

- ``raw read``: open and read every file's bytes in Python (the floor);
- ``parse``: adba's dispatcher (``read_report``) on every file, in-process;
- ``adba diagnose``: the whole command (``--demo`` forest, JSON to /dev/null) as a process.

Run: ``python bench/reports_bench.py --reports 10000 --repeat 3`` (no DC, no root needed).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from adba.adapters.reports import expand_inputs, read_report  # noqa: E402

CLIENTS = REPO / "fixtures" / "clients"
TEMPLATES = ("collector-ws2022-adba.adba.json", "slmgr-dlv-ws2022-adba.txt",
             "wmi-product-single.json", "spp-events-ps7.json")


def generate(folder: Path, count: int) -> int:
    """Write ``count`` reports into ``folder``; returns the total bytes written."""
    total = 0
    templates = [(name, (CLIENTS / name).read_bytes()) for name in TEMPLATES]
    for index in range(count):
        name, data = templates[index % len(templates)]
        if name.startswith("collector"):
            doc = json.loads(data.decode("utf-8-sig"))
            doc["computer"] = f"PC-{index:05d}"
            data = json.dumps(doc).encode()
        target = folder / f"{index:05d}-{name}"
        target.write_bytes(data)
        total += len(data)
    return total


def time_raw(paths: list[Path]) -> float:
    """Seconds to read every file's bytes."""
    start = time.perf_counter()
    for path in paths:
        with path.open("rb") as handle:
            handle.read()
    return time.perf_counter() - start


def time_parse(folder: Path) -> tuple[float, int, int]:
    """Seconds to read and parse every report; (seconds, read, unreadable)."""
    start = time.perf_counter()
    ok = bad = 0
    for item in expand_inputs([str(folder)]):
        try:
            read_report(item)
            ok += 1
        except Exception:  # counted: the benchmark reports it
            bad += 1
    return time.perf_counter() - start, ok, bad


def time_cli(folder: Path) -> float:
    """Seconds for the whole ``adba diagnose`` command."""
    start = time.perf_counter()
    subprocess.run([sys.executable, "-m", "adba", "diagnose", str(folder), "--demo",
                    "--format", "json", "-o", os.devnull], check=False, cwd=REPO,
                   stderr=subprocess.DEVNULL)
    return time.perf_counter() - start


def main(argv: list[str] | None = None) -> int:
    """Generate, measure, print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reports", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="adba-reports-") as tmp:
        folder = Path(tmp)
        size = generate(folder, args.reports)
        paths = sorted(folder.iterdir())
        raw, parse, cli = [], [], []
        counts = (0, 0)
        for _ in range(args.repeat):
            raw.append(time_raw(paths))
            seconds, ok, bad = time_parse(folder)
            parse.append(seconds)
            counts = (ok, bad)
            cli.append(time_cli(folder))
    r, p, c = (statistics.median(x) for x in (raw, parse, cli))
    print(f"{args.reports:,} reports, {size / 1e6:.1f} MB, {args.repeat} rounds "
          f"(read {counts[0]:,}, unreadable {counts[1]:,})")
    print(f"{'':28}{'median s':>10}{'per report ms':>15}{'x raw read':>12}")
    for label, value in (("raw read (Python)", r), ("parse (read_report)", p),
                         ("adba diagnose (process)", c)):
        print(f"{label:28}{value:10.2f}{value / args.reports * 1000:15.3f}{value / r:12.1f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
