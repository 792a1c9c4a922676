"""Benchmark: reading 10,000 client reports, against simply reading their bytes with Python.

Generates N reports from a mix of the fixtures (a collector document, slmgr /dlv text, a CIM JSON
export and an events JSON export from ``fixtures/clients``; real Format-List output, real slmgr
text, real Event Viewer text and, one report in ``--evtx-every``, a real Application .evtx log
from ``fixtures/real``), then measures in one run, several repetitions each:

- ``raw read``: open and read every file's bytes in Python (the floor);
- ``parse, one core``: adba's dispatcher (``read_reports``) on every file, in-process;
- ``parse, all cores``: ``read_all`` (every core when there are many files);
- ``adba diagnose``: the whole command (``--demo`` forest, JSON to /dev/null) as a process.

Run: ``python bench/reports_bench.py --reports 10000 --repeat 3`` (no DC, no root needed).

adba's bytecode is compiled first (``compileall``, into its ``__pycache__`` folders, which git
ignores), as pip does when it installs a package and as Python does at a first import unless
``PYTHONDONTWRITEBYTECODE`` is set: the command is measured as installed, not recompiling its
modules from source at every start. ``--no-compile`` leaves the bytecode as it is.
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

from adba.adapters.reports import expand_inputs, read_reports  # noqa: E402
from adba.adapters.reports.batch import read_all  # noqa: E402

FIXTURES = REPO / "fixtures"
TEMPLATES = ("clients/collector-ws2022-adba.adba.json", "clients/slmgr-dlv-ws2022-adba.txt",
             "clients/wmi-product-single.json", "clients/spp-events-ps7.json",
             "real/powershell/win10-wmi-products-select-wrapped-url-indented.txt",
             "real/powershell/win10-1803-wmi-service-fl-full.txt",
             "real/slmgr/checkmk-ws2012r2-std-kmsclient-dli.txt",
             "real/event-text/ws2016-azure-8198-eventviewer.txt")
EVTX_TEMPLATES = ("real/evtx/*.evtx",)


def _evtx_files() -> list[Path]:
    found: list[Path] = []
    for pattern in EVTX_TEMPLATES:
        found.extend(sorted(p for p in FIXTURES.glob(pattern) if p.stat().st_size <= 2_200_000))
    return found


def generate(folder: Path, count: int, evtx_every: int) -> int:
    """Write ``count`` reports into ``folder``; returns the total bytes written."""
    total = 0
    templates = [(Path(name).name, (FIXTURES / name).read_bytes()) for name in TEMPLATES]
    logs = [(p.name, p.read_bytes()) for p in _evtx_files()]
    for index in range(count):
        if logs and evtx_every and index % evtx_every == evtx_every - 1:
            name, data = logs[(index // evtx_every) % len(logs)]
        else:
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
    """Seconds to read and parse every report on one core; (seconds, read, unreadable)."""
    start = time.perf_counter()
    ok = bad = 0
    for item in expand_inputs([str(folder)]):
        try:
            read_reports(item)
            ok += 1
        except Exception:  # counted: the benchmark reports it
            bad += 1
    return time.perf_counter() - start, ok, bad


def time_parse_all(folder: Path) -> float:
    """Seconds to read and parse every report with ``read_all`` on one worker per CPU (forced,
    whatever adba's default for this machine)."""
    start = time.perf_counter()
    for _item, _result in read_all(list(expand_inputs([str(folder)])), workers=os.cpu_count() or 1):
        pass
    return time.perf_counter() - start


def compile_bytecode() -> bool:
    """Compile adba's modules to bytecode in place; True when it worked."""
    done = subprocess.run([sys.executable, "-m", "compileall", "-q", str(REPO / "adba")],
                          check=False, stdout=subprocess.DEVNULL)
    return done.returncode == 0


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
    parser.add_argument("--evtx-every", type=int, default=100,
                        help="one report in N is a real .evtx log (0: none)")
    parser.add_argument("--no-compile", action="store_true",
                        help="leave adba's bytecode as it is (do not compile it first)")
    args = parser.parse_args(argv)
    compiled = not args.no_compile and compile_bytecode()
    with tempfile.TemporaryDirectory(prefix="adba-reports-") as tmp:
        folder = Path(tmp)
        size = generate(folder, args.reports, args.evtx_every)
        if hasattr(os, "sync"):
            os.sync()  # the 100+ MB just written go to disk now, not during the measurements
        paths = sorted(folder.iterdir())
        evtx = sum(1 for path in paths if path.suffix == ".evtx")
        raw, parse, parse_all, cli = [], [], [], []
        counts = (0, 0)
        for _ in range(args.repeat):
            raw.append(time_raw(paths))
            seconds, ok, bad = time_parse(folder)
            parse.append(seconds)
            counts = (ok, bad)
            parse_all.append(time_parse_all(folder))
            cli.append(time_cli(folder))
    r, p, pa, c = (statistics.median(x) for x in (raw, parse, parse_all, cli))
    print(f"{args.reports:,} reports ({evtx:,} .evtx), {size / 1e6:.1f} MB, {args.repeat} rounds, "
          f"{os.cpu_count()} cores (read {counts[0]:,}, unreadable {counts[1]:,}); adba's bytecode "
          + ("compiled first" if compiled else "not compiled first"))
    print(f"{'':30}{'median s':>10}{'per report ms':>15}{'x raw read':>12}")
    for label, value in (("raw read (Python)", r), ("parse, one core", p),
                         (f"parse, {os.cpu_count()} workers", pa), ("adba diagnose (process)", c)):
        print(f"{label:30}{value:10.2f}{value / args.reports * 1000:15.3f}{value / r:12.1f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
