"""Run one command and report its own wall time, CPU time and peak RSS (``ru_maxrss``).

Usage (``coverage_bench.py`` calls it; the flags keep this interpreter small)::

    python -S -I bench/measure_child.py TIMEOUT STDOUT STDERR -- ARGV...

prints ``wall user sys maxrss_kib exit_code killed`` on one line.  The command inherits this
process's environment; its stdin is /dev/null, its stdout and stderr go to the named files.

Why a separate, tiny process: Linux carries the *parent's* memory high-water mark into a
child's ``ru_maxrss``.  At ``execve`` the kernel records the peak RSS of the memory image
being replaced, and a forked (or vforked, as ``posix_spawn`` does) child's image is the
parent's.  Spawned straight from the benchmark (about 45 MB with ldap3 and the harness
loaded) every child would report at least 45 MB.  Forked from this script, run with
``python -S -I`` and importing only ``os``, ``sys``, ``time`` and ``signal``, the floor is
about 5 MB, below any contender measured (ldapsearch peaks at about 8 MB).
"""

import os
import signal
import sys
import time


def main() -> int:
    """Fork, exec, ``wait4``; print the child's resource usage."""
    args = sys.argv[1:]
    if len(args) < 5 or args[3] != "--":
        sys.stderr.write("usage: measure_child.py TIMEOUT STDOUT STDERR -- ARGV...\n")
        return 64
    timeout, out_path, err_path, argv = float(args[0]), args[1], args[2], args[4:]
    start = time.perf_counter()
    pid = os.fork()
    if pid == 0:  # the child: redirect, then become the command
        try:
            stdin = os.open(os.devnull, os.O_RDONLY)
            flags = os.O_WRONLY | os.O_CREAT | os.O_TRUNC
            stdout = os.open(out_path, flags, 0o600)
            stderr = os.open(err_path, flags, 0o600)
            os.dup2(stdin, 0)
            os.dup2(stdout, 1)
            os.dup2(stderr, 2)
            os.execv(argv[0], argv)
        except OSError as exc:
            os.write(2, f"measure_child: cannot run {argv[0]}: {exc}\n".encode())
        os._exit(127)
    killed = []

    def on_alarm(_signum: int, _frame: object) -> None:
        killed.append(True)
        os.kill(pid, signal.SIGKILL)  # not yet reaped, so the pid is still this child's

    signal.signal(signal.SIGALRM, on_alarm)
    signal.setitimer(signal.ITIMER_REAL, timeout)
    _, status, usage = os.wait4(pid, 0)
    wall = time.perf_counter() - start
    signal.setitimer(signal.ITIMER_REAL, 0)
    print(f"{wall:.6f} {usage.ru_utime:.6f} {usage.ru_stime:.6f} {usage.ru_maxrss} "
          f"{os.waitstatus_to_exitcode(status)} {int(bool(killed))}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
