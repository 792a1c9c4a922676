"""Run ``python -m adba`` as a user would and measure its peak memory.

Linux keeps a process's peak RSS across ``exec`` and a forked child starts with its parent's,
so a child of the (large) test process would report the test process's size. A small
launcher process forks the ``adba`` process instead and reports its ``wait4`` peak.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile

from tests.conftest import REPO, Run

_LAUNCHER = """
import os, sys
pid = os.fork()
if pid == 0:
    os.execv(sys.executable, [sys.executable, "-m", "adba", *sys.argv[2:]])
_pid, status, usage = os.wait4(pid, 0)
with open(sys.argv[1], "w") as out:
    out.write(str(usage.ru_maxrss))
sys.exit(os.waitstatus_to_exitcode(status))
"""


def run_measured(*args: str, password: str | None = None, timeout: float = 60,
                 env: dict[str, str] | None = None) -> tuple[Run, int]:
    """The finished run and the peak RSS of the ``adba`` process in bytes. A run still going
    after ``timeout`` s is killed and fails the test (the guard against a hang)."""
    extra = env or {}
    env = {k: v for k, v in os.environ.items()
           if not k.startswith("ADBA_") and k not in ("NO_COLOR", "FORCE_COLOR")}
    env.update(NO_COLOR="1", COLUMNS="200", **extra)
    if password is not None:
        env["ADBA_PASSWORD"] = password
    with tempfile.TemporaryDirectory() as tmp:
        rss_file = os.path.join(tmp, "maxrss")
        proc = subprocess.Popen([sys.executable, "-c", _LAUNCHER, rss_file, *args],
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                stdin=subprocess.DEVNULL, env=env, cwd=REPO,
                                start_new_session=True)
        try:
            out, err = proc.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            out, err = proc.communicate()
            raise AssertionError(f"adba {' '.join(args)} still ran after {timeout:g} s: "
                                 f"{err.decode('utf-8', 'replace')[-2000:]}") from None
        with open(rss_file) as handle:
            peak = int(handle.read()) * 1024
    return Run(proc.returncode, out.decode("utf-8", "replace"),
               err.decode("utf-8", "replace")), peak
