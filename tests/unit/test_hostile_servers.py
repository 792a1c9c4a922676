"""Misbehaving LDAP servers: every live run ends within its deadline, in one line, small.

Each test runs ``adba`` as a user would against ``HostileLdapServer`` on loopback (plain LDAP
with NTLM sealed, or LDAPS with the test CA and a simple bind) and checks the exit code, the
one ``adba: error:`` line naming the server and what it did, and the child's peak memory.
The only time limit is the subprocess guard against a hang.
"""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import Run
from tests.support.child import run_measured
from tests.support.dns_server import DnsServer
from tests.support.hostile_ldap_server import HostileConfig, HostileLdapServer
from tests.testdc import TlsFiles, write_tls_files

NTLM_USER = "CONTOSO\\reader"
UPN = "reader@contoso.test"
RSS_LIMIT = 300 * 2**20
FAST = ("--timeout", "1", "--deadline", "30")


@pytest.fixture(scope="module")
def tls_files(tmp_path_factory: pytest.TempPathFactory) -> TlsFiles:
    return write_tls_files(tmp_path_factory.mktemp("hostiletls"), "dc1.contoso.test", "127.0.0.1")


def _one_line(run: Run, peak: int) -> str:
    assert run.code == 3, (run.stdout, run.stderr)
    lines = [line for line in run.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("adba: error: "), run.stderr
    assert "Error" not in lines[0] and "Traceback" not in run.stderr
    assert peak < RSS_LIMIT, f"peak RSS {peak / 2**20:.0f} MB"
    return lines[0]


def _plain(mode: str, *extra: str, command: str = "scan", **config: object) -> tuple[Run, int, str]:
    cfg = HostileConfig(mode=mode, **config)  # type: ignore[arg-type]
    with HostileLdapServer(cfg) as srv:
        server = f"127.0.0.1:{srv.ldap_port}"
        run, peak = run_measured(command, "--server", server, "--plain-ldap", "--auth", "ntlm",
                                 "--user", NTLM_USER, *(extra or FAST), password=cfg.password)
    return run, peak, server


def _ldaps(tls: TlsFiles, mode: str, *extra: str, command: str = "scan",
           **config: object) -> tuple[Run, int, str]:
    cfg = HostileConfig(mode=mode, cert_file=tls.cert_file, key_file=tls.key_file,
                        **config)  # type: ignore[arg-type]
    with HostileLdapServer(cfg) as srv:
        server = f"127.0.0.1:{srv.ldaps_port}"
        run, peak = run_measured(command, "--server", server, "--auth", "simple", "--user", UPN,
                                 "--ca-file", str(tls.ca_file), *(extra or FAST),
                                 password=cfg.password)
    return run, peak, server


@pytest.mark.parametrize(("mode", "said"), [
    ("silent", "sent nothing for 1 s"),
    ("garbage", "sent data that is not LDAP"),
    ("huge-length", "announced a 2,147,483,654-byte message (limit 4 MB)"),
    ("drip", "did not complete an answer within 6 s"),
    ("half-close", "closed the connection in the middle of a message"),
])
def test_misbehaviour_before_the_bind_on_plain_ldap(mode: str, said: str) -> None:
    run, peak, server = _plain(mode)
    line = _one_line(run, peak)
    assert f"adba: error: {server} {said}" in line, line
    assert "NTLM bind" not in line


@pytest.mark.parametrize("mode", ["silent", "drip", "huge-length"])
def test_misbehaviour_before_the_bind_over_ldaps(tls_files: TlsFiles, mode: str) -> None:
    run, peak, server = _ldaps(tls_files, mode)
    line = _one_line(run, peak)
    assert line.startswith(f"adba: error: {server} "), line


def test_the_run_deadline_ends_a_slow_drip() -> None:
    """Bytes every 0.5 s satisfy --timeout 5 and the 30 s operation deadline; --deadline 3 not."""
    run, peak, server = _plain("drip", "--timeout", "5", "--deadline", "3")
    line = _one_line(run, peak)
    assert f"{server}: the run's deadline of 3 s passed" in line and "--deadline" in line


def test_the_deadline_comes_from_adba_deadline_too() -> None:
    cfg = HostileConfig(mode="drip")
    with HostileLdapServer(cfg) as srv:
        run, peak = run_measured("scan", "--server", f"127.0.0.1:{srv.ldap_port}", "--plain-ldap",
                                 "--auth", "ntlm", "--user", NTLM_USER, "--timeout", "5",
                                 password=cfg.password, env={"ADBA_DEADLINE": "2"})
    assert "the run's deadline of 2 s passed" in _one_line(run, peak)


@pytest.mark.parametrize("value", ["0", "-1", "inf"])
def test_a_deadline_that_is_not_positive_is_refused(value: str) -> None:
    run, peak = run_measured("scan", "--server", "127.0.0.1:9", "--plain-ldap", "--auth", "ntlm",
                             "--user", NTLM_USER, "--deadline", value, password="x")
    assert "--deadline must be a positive number of seconds" in _one_line(run, peak)


@pytest.mark.parametrize("transport", ["plain", "ldaps"])
def test_a_repeated_paging_cookie_ends_the_search(tls_files: TlsFiles, transport: str) -> None:
    run, peak, server = (_plain("repeat-cookie") if transport == "plain"
                         else _ldaps(tls_files, "repeat-cookie"))
    line = _one_line(run, peak)
    assert f"{server} sent the same paged-results cookie twice" in line


def test_one_cookie_for_every_page_is_not_a_loop(tls_files: TlsFiles) -> None:
    """Samba sends the same cookie with each new page of a search: read to the end."""
    run, peak, _server = _ldaps(tls_files, "same-cookie", "--format", "json", *FAST, pages=5)
    assert run.code in (1, 2), run.stderr
    assert "adba: error" not in run.stderr and peak < RSS_LIMIT
    assert run.stdout.count("CN=05aaaaaa,CN=Activation Objects") >= 1


def test_endless_paging_ends_at_the_page_limit(tls_files: TlsFiles) -> None:
    run, peak, server = _ldaps(tls_files, "endless-cookie")
    line = _one_line(run, peak)
    assert f"{server} kept paging: more than 50 pages" in line


def test_a_repeated_cookie_for_the_computers_ends_coverage(tls_files: TlsFiles) -> None:
    """The pipelined computer reader (``adba coverage``) has the same check."""
    run, peak, server = _ldaps(tls_files, "computers-repeat-cookie", *FAST, command="coverage")
    line = _one_line(run, peak)
    assert f"{server} sent the same paged-results cookie twice" in line


def test_a_100_mb_attribute_is_refused_by_its_length(tls_files: TlsFiles) -> None:
    # building and sending 100 MB takes the server a while on a loaded machine: a longer
    # --timeout; the refusal comes from the announced length, before the value is read
    run, peak, server = _ldaps(tls_files, "huge-attribute", "--timeout", "20", "--deadline", "60")
    line = _one_line(run, peak)
    assert f"{server} announced a 100,000," in line and "(limit 4 MB)" in line


def test_a_licence_blob_above_the_schema_limit_is_refused(tls_files: TlsFiles) -> None:
    run, peak, server = _ldaps(tls_files, "ok", blob_size=6_000_000)
    line = _one_line(run, peak)
    assert f"{server} sent a 6,000,000-byte msSPP-" in line and "at most 5 MB" in line


def test_licence_blobs_at_the_schema_limit_are_read_in_linear_time(tls_files: TlsFiles) -> None:
    """Four 5 MB blobs in one message (20 MB): ldap3's own receive loop took half a minute."""
    run, peak, _server = _ldaps(tls_files, "ok", blob_size=5 * 2**20)
    assert run.code in (1, 2), run.stderr
    assert "adba: error" not in run.stderr
    assert peak < RSS_LIMIT, f"peak RSS {peak / 2**20:.0f} MB"


def test_wrong_length_guids_are_reported_not_fatal() -> None:
    run, peak, _server = _plain("bad-guids", "--format", "json", *FAST)
    assert run.code in (1, 2), run.stderr
    assert "adba: error" not in run.stderr and peak < RSS_LIMIT
    assert '"findings"' in run.stdout


class _Counter:
    """A listener that counts connections (the referral's target)."""

    def __init__(self) -> None:
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.sock.settimeout(0.2)
        self.port = self.sock.getsockname()[1]
        self.accepted = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            self.accepted += 1
            conn.close()

    def __enter__(self) -> _Counter:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(2)
        self.sock.close()


def test_referrals_are_reported_never_followed(tls_files: TlsFiles) -> None:
    with _Counter() as target:
        url = f"ldap://127.0.0.1:{target.port}/CN=Activation%20Objects"
        run, peak, server = _ldaps(tls_files, "referral", referral_url=url)
    line = _one_line(run, peak)
    assert f"{server} answered the search of CN=Activation Objects" in line
    assert "referral" in line and "does not follow" in line
    assert target.accepted == 0


@pytest.fixture()
def two_dcs() -> Iterator[tuple[HostileLdapServer, HostileLdapServer]]:
    with HostileLdapServer(HostileConfig(mode="silent")) as dead, \
            HostileLdapServer(HostileConfig(mode="ok")) as good:
        yield dead, good


def test_a_silent_dc_is_skipped_for_the_next(two_dcs: tuple[HostileLdapServer, HostileLdapServer],
                                             tmp_path: Path) -> None:
    dead, good = two_dcs
    records = {
        "_ldap._tcp.dc._msdcs.contoso.test": [("SRV", f"0 100 {dead.ldap_port} dc1.contoso.test."),
                                              ("SRV", f"10 100 {good.ldap_port} dc2.contoso.test.")],
        "dc1.contoso.test": [("A", "127.0.0.1")],
        "dc2.contoso.test": [("A", "127.0.0.1")],
    }
    with DnsServer(records) as dns:
        run, peak = run_measured("scan", "--domain", "contoso.test", "--dns-server", dns.address,
                                 "--plain-ldap", "--auth", "ntlm", "--user", NTLM_USER, *FAST,
                                 password=good.config.password)
    assert run.code in (1, 2), run.stderr
    assert f"dc1.contoso.test:{dead.ldap_port} sent nothing for 1 s; trying the next domain " \
           "controller" in run.stderr
    assert f"dc2.contoso.test:{good.ldap_port}" in run.stdout
    assert peak < RSS_LIMIT


@pytest.mark.parametrize("fmt", ["text", "json"])
def test_escapes_from_the_directory_never_reach_the_terminal(tls_files: TlsFiles,
                                                             fmt: str) -> None:
    """A DN, display name and partial key holding ESC, BEL, C1 and a bidi override are shown
    escaped; JSON escapes them too."""
    import re

    raw = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
    run, peak, _server = _ldaps(tls_files, "escapes", "--format", fmt, *FAST)
    assert run.code in (0, 1, 2), run.stderr
    assert "Traceback" not in run.stderr and peak < RSS_LIMIT
    for stream in (run.stdout, run.stderr):
        assert not raw.search(stream), repr(raw.search(stream))
    if fmt == "text":
        assert "Contoso \\x1b]0;owned" in run.stdout and "AB\\x1b]0;owned" in run.stdout
    else:
        assert "\\u001b]0;owned\\u0007" in run.stdout and "\\u202e" in run.stdout


def test_a_dripped_tls_handshake_ends_within_the_timeout(tls_files: TlsFiles) -> None:
    """Each byte of the handshake comes within --timeout; the whole never completes. Python's
    ssl bounds the whole handshake by the socket timeout, so --timeout ends it."""
    import time

    started = time.monotonic()
    run, peak, server = _ldaps(tls_files, "tls-drip", "--timeout", "1", "--deadline", "30")
    took = time.monotonic() - started
    line = _one_line(run, peak)
    assert f"cannot reach {server}: no answer to the TLS handshake within 1 s" in line, line
    assert took < 10, f"{took:.1f} s"


def test_the_run_deadline_ends_a_dripped_tls_handshake(tls_files: TlsFiles) -> None:
    """A run deadline shorter than --timeout ends the handshake too (the watchdog)."""
    run, peak, server = _ldaps(tls_files, "tls-drip", "--timeout", "5", "--deadline", "2")
    line = _one_line(run, peak)
    assert f"{server}: the run's deadline of 2 s passed during the TLS handshake" in line, line
