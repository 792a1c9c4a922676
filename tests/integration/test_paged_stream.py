"""The pipelined paged reader returns exactly what ldap3's paged search returns, page by page."""

from __future__ import annotations

import pytest

from adba.adapters.ldap.computers import COMPUTER_ATTRIBUTES, COMPUTER_FILTER
from adba.adapters.ldap.connection import ConnectOptions, connect
from adba.adapters.ldap.credentials import AuthMethod, Credentials
from adba.adapters.ldap.paged_stream import BerError, decode_done, decode_entry, frame_length
from adba.adapters.ldap.target import Transport
from tests.testdc import RunningDC


def _connect(dc: RunningDC, sealed: bool = False):  # type: ignore[no-untyped-def]
    if sealed:  # NTLM sealed on 389: every page travels wrapped
        return connect(ConnectOptions(server=dc.ip, domain=None, dns_server=None,
                                      transport=Transport.PLAIN, ca_file=None, insecure=False,
                                      timeout=10, auth=AuthMethod.NTLM,
                                      credentials=Credentials(dc.user_down_level,
                                                              dc.user_password)))
    return connect(ConnectOptions(server=dc.ip, domain=None, dns_server=None,
                                  transport=Transport.LDAPS, ca_file=str(dc.ca_file),
                                  insecure=False, timeout=10, auth=AuthMethod.SIMPLE,
                                  credentials=Credentials(dc.user_upn, dc.user_password)))


@pytest.mark.parametrize("sealed", [False, True], ids=["ldaps", "sealed-389"])
@pytest.mark.parametrize("page_size", [1, 4, 1000])
def test_stream_equals_search(main_dc: RunningDC, page_size: int, sealed: bool) -> None:
    directory, session = _connect(main_dc, sealed)
    assert session.auth.endswith("sealed, port 389") == sealed
    try:
        streamed = {e.dn: e.attributes for e in directory.stream(
            main_dc.base_dn, COMPUTER_FILTER, COMPUTER_ATTRIBUTES, page_size)}
        searched = {e.dn: e.attributes for e in directory.search(
            main_dc.base_dn, COMPUTER_FILTER, "sub", COMPUTER_ATTRIBUTES, page_size=page_size)}
        # The session is still usable afterwards.
        again = list(directory.search(main_dc.base_dn, "(cn=SRV22-01)", "sub", ["cn"]))
    finally:
        directory.close()
    assert len(streamed) == 15
    assert streamed == searched
    assert [e.attributes["cn"] for e in again] == [[b"SRV22-01"]]


def test_stream_reports_a_failed_search(main_dc: RunningDC) -> None:
    directory, _session = _connect(main_dc)
    try:
        with pytest.raises(Exception) as info:
            list(directory.stream("DC=nowhere,DC=invalid", COMPUTER_FILTER, ["cn"], 10))
    finally:
        directory.close()
    assert "search of DC=nowhere,DC=invalid failed" in str(info.value)


def test_ber_framing_and_decoding_reject_malformed_input() -> None:
    assert frame_length(bytearray(b"\x30")) is None
    assert frame_length(bytearray(b"\x30\x82\x01")) is None
    assert frame_length(bytearray(b"\x30\x03\x02\x01\x01")) == 5
    with pytest.raises(BerError):
        frame_length(bytearray(b"\x04\x00"))
    entry = bytes.fromhex("3018020102" "6413" "0403" "613d62" "300c" "300a" "0401" "78" "3105"
                          "0403" "616263")
    assert decode_entry(entry) == ("a=b", {"x": [b"abc"]})
    for cut in range(1, len(entry)):
        broken = entry[:cut]
        with pytest.raises(BerError):
            decode_entry(broken)
    done = bytes.fromhex("300c02010265070a010004000400")
    assert decode_done(done) == (0, "", b"")
