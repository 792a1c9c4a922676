"""Password sources, the hidden prompt, timeouts, and that no secret reaches any output."""

from __future__ import annotations

import os
import pty
import select
import socket
import sys
import threading
import time
from pathlib import Path

from tests.conftest import REPO, live_args, run_adba
from tests.testdc import RunningDC


def test_password_file(main_dc: RunningDC, tmp_path: Path) -> None:
    secret = tmp_path / "pw"
    secret.write_text(main_dc.user_password + "\n")
    run = run_adba("scan", *live_args(main_dc, "--password-file", str(secret), "--format", "json"))
    assert run.code == 2, run.stderr


def test_debug_output_never_contains_the_password(main_dc: RunningDC) -> None:
    ok = run_adba("scan", *live_args(main_dc, "--debug", "--verbose"),
                  password=main_dc.user_password)
    assert ok.code == 2
    assert "bound to" in ok.stderr  # the debug log did run
    bad = run_adba("scan", *live_args(main_dc, "--debug"), password="Secret-Wrong-Pw-42")
    assert bad.code == 3 and "Traceback" in bad.stderr
    for run, secret in ((ok, main_dc.user_password), (bad, "Secret-Wrong-Pw-42")):
        assert secret not in run.stdout and secret not in run.stderr


def test_hidden_prompt_in_a_terminal(main_dc: RunningDC) -> None:
    """Run adba in a pseudo-terminal, answer its prompt, and check nothing echoes."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("ADBA_")}
    env.update(NO_COLOR="1", COLUMNS="200")
    pid, fd = pty.fork()
    if pid == 0:  # child
        os.chdir(REPO)
        os.execve(sys.executable, [sys.executable, "-m", "adba", "scan", *live_args(main_dc)], env)
    output = b""
    deadline = time.monotonic() + 60
    answered = False
    while time.monotonic() < deadline:
        ready, _, _ = select.select([fd], [], [], 0.5)
        if ready:
            try:
                chunk = os.read(fd, 4096)
            except OSError:
                break
            if not chunk:
                break
            output += chunk
        if not answered and b"Password for reader@contoso.test:" in output:
            os.write(fd, main_dc.user_password.encode() + b"\n")
            answered = True
    _, status = os.waitpid(pid, 0)
    os.close(fd)
    text = output.decode("utf-8", "replace")
    assert answered, text
    assert os.waitstatus_to_exitcode(status) == 2, text
    assert "Contoso WS2022 CSVLK" in text
    assert main_dc.user_password not in text


def test_server_that_never_answers_times_out() -> None:
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(5)
    port = listener.getsockname()[1]
    accepted: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        listener.settimeout(0.2)
        while not stop.is_set():
            try:
                accepted.append(listener.accept()[0])  # accept, then say nothing
            except TimeoutError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    try:
        started = time.monotonic()
        run = run_adba("scan", "--server", f"127.0.0.1:{port}", "--user", "a@b.test",
                       "--timeout", "2", password="irrelevant")
        elapsed = time.monotonic() - started
    finally:
        stop.set()
        thread.join(2)
        for conn in accepted:
            conn.close()
        listener.close()
    assert run.code == 3
    lines = run.stderr.strip().splitlines()
    assert len(lines) == 1, run.stderr
    assert f"127.0.0.1:{port}" in lines[0] and "2 s" in lines[0]
    assert elapsed < 30
