"""Connection, TLS, bind and discovery paths against the real DC: one line and exit code 3."""

from __future__ import annotations

import json
import socket

from tests.conftest import live_args, run_adba
from tests.support.dns_server import DnsServer
from tests.testdc import RunningDC


def _one_line_error(stderr: str) -> str:
    lines = [line for line in stderr.splitlines() if line.strip()]
    assert len(lines) == 1, stderr
    assert "Traceback" not in stderr
    assert lines[0].startswith("adba: error: ")
    return lines[0]


def test_wrong_password_is_one_line_exit_3(main_dc: RunningDC) -> None:
    run = run_adba("scan", *live_args(main_dc), password="Wrong-Password-123")
    assert run.code == 3
    line = _one_line_error(run.stderr)
    assert "refused the bind as reader@contoso.test" in line
    assert "password" in line
    assert run.stdout == ""
    assert "Wrong-Password-123" not in run.stderr


def test_wrong_password_json_envelope_has_the_error(main_dc: RunningDC) -> None:
    run = run_adba("scan", *live_args(main_dc, "--format", "json"), password="nope-nope-1")
    assert run.code == 3
    doc = json.loads(run.stdout)
    assert doc["status"] == "error" and doc["exit_code"] == 3 and doc["data"] is None
    assert doc["errors"][0]["type"] == "AuthFailed"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_unreachable_server_is_one_line_exit_3() -> None:
    port = _free_port()
    run = run_adba("scan", "--server", f"127.0.0.1:{port}", "--user", "x@contoso.test",
                   "--timeout", "3", password="irrelevant")
    assert run.code == 3
    line = _one_line_error(run.stderr)
    assert f"cannot reach 127.0.0.1:{port}: connection refused" in line
    assert "check the name and that TCP port" in line


def test_untrusted_certificate_without_ca_file(main_dc: RunningDC) -> None:
    run = run_adba("scan", "--server", main_dc.ip, "--user", main_dc.user_upn,
                   password=main_dc.user_password)
    assert run.code == 3
    line = _one_line_error(run.stderr)
    assert "is not trusted" in line and "--ca-file" in line


def test_certificate_name_mismatch_names_the_certificate_names(main_dc: RunningDC) -> None:
    records = {
        "_ldap._tcp.dc._msdcs.contoso.test": [("SRV", "0 100 389 wrongname.contoso.test.")],
        "wrongname.contoso.test": [("A", main_dc.ip)],
    }
    with DnsServer(records) as dns_server:
        run = run_adba("scan", "--domain", "contoso.test", "--dns-server", dns_server.address,
                       "--user", main_dc.user_upn, "--ca-file", str(main_dc.ca_file),
                       password=main_dc.user_password)
    assert run.code == 3
    line = _one_line_error(run.stderr)
    assert "does not name 'wrongname.contoso.test'" in line
    assert main_dc.host in line and main_dc.ip in line


def test_insecure_is_explicit_and_shown(main_dc: RunningDC) -> None:
    run = run_adba("scan", "--server", main_dc.ip, "--user", main_dc.user_upn, "--insecure",
                   password=main_dc.user_password)
    assert run.code == 2, run.stderr
    assert "CERTIFICATE NOT VALIDATED (--insecure)" in run.stdout


def test_simple_bind_in_cleartext_is_refused_before_connecting(main_dc: RunningDC) -> None:
    run = run_adba("scan", "--server", main_dc.ip, "--plain-ldap", "--auth", "simple",
                   "--user", main_dc.user_upn, password=main_dc.user_password)
    assert run.code == 3
    line = _one_line_error(run.stderr)
    assert "clear text" in line and "--starttls" in line


def test_dns_discovery_skips_a_dc_that_does_not_answer(main_dc: RunningDC) -> None:
    dead = "127.0.0.66"
    records = {
        "_ldap._tcp.dc._msdcs.contoso.test": [
            ("SRV", "0 100 389 dead.contoso.test."),
            ("SRV", "10 100 389 dc1.contoso.test."),
        ],
        "dead.contoso.test": [("A", dead)],
        "dc1.contoso.test": [("A", main_dc.ip)],
    }
    with DnsServer(records) as dns_server:
        run = run_adba("scan", "--domain", "contoso.test", "--dns-server", dns_server.address,
                       "--user", main_dc.user_upn, "--ca-file", str(main_dc.ca_file),
                       "--timeout", "3", "--format", "json", password=main_dc.user_password)
        assert "_ldap._tcp.dc._msdcs.contoso.test. SRV" in dns_server.queries
    assert run.code == 2, run.stderr
    assert "cannot reach dead.contoso.test:636" in run.stderr
    doc = json.loads(run.stdout)
    assert doc["data"]["source"]["server"] == "dc1.contoso.test"


def test_unknown_domain_in_dns_is_one_line_exit_3() -> None:
    with DnsServer({}) as dns_server:
        run = run_adba("scan", "--domain", "nowhere.test", "--dns-server", dns_server.address,
                       "--user", "x@nowhere.test", password="irrelevant")
    assert run.code == 3
    line = _one_line_error(run.stderr)
    assert "DNS has no _ldap._tcp.dc._msdcs.nowhere.test records" in line


def test_ldaps_to_the_plain_ldap_port_says_so(main_dc: RunningDC) -> None:
    run = run_adba("scan", "--server", f"{main_dc.ip}:389", "--user", main_dc.user_upn,
                   "--ca-file", str(main_dc.ca_file), "--timeout", "3",
                   password=main_dc.user_password)
    assert run.code == 3
    line = _one_line_error(run.stderr)
    assert f"TLS handshake with {main_dc.ip}:389 failed" in line
    assert "--starttls" in line
