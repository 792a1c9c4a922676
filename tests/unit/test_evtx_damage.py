"""Damaged .evtx files, made from a real log in fixtures/real/evtx: the parser steps over the
damage, the note says what was lost, and the events of the intact chunks are still read."""

from __future__ import annotations

from pathlib import Path

import pytest

from adba.adapters.reports.evtx import read_evtx, spp_chunks_only
from adba.core.client import UnreadableReport

LOG = Path(__file__).resolve().parents[2] / "fixtures" / "real" / "evtx" / "win11-24h2-8198-application.evtx"
CHUNK = 65536


def test_dropping_chunks_without_spp_records_keeps_every_spp_event() -> None:
    for path in sorted(LOG.parent.glob("*.evtx")):
        data = path.read_bytes()
        filtered, chunks, kept = spp_chunks_only(data)
        assert kept <= chunks
        assert [len(r.events) for r in read_evtx(data, path.name)] == \
            [len(r.events) for r in read_evtx(filtered, path.name)]


def test_a_chunk_with_a_broken_header_is_skipped_with_a_note() -> None:
    data = bytearray(LOG.read_bytes())
    whole, = read_evtx(bytes(data), LOG.name)
    data[4096 + 2 * CHUNK:4096 + 2 * CHUNK + 8] = b"XXXXXXXX"
    damaged, = read_evtx(bytes(data), LOG.name)
    assert 0 < len(damaged.events) < len(whole.events)
    assert any("damaged part skipped" in note for note in damaged.notes)


def test_records_overwritten_with_zeros_are_counted_as_lost() -> None:
    data = bytearray(LOG.read_bytes())
    data[4096 + CHUNK + 3000:4096 + CHUNK + 3600] = bytes(600)
    damaged, = read_evtx(bytes(data), LOG.name)
    assert damaged.events
    assert any("record(s) the chunk headers announce could not be read" in n for n in damaged.notes)


def test_a_header_alone_or_no_spp_event_is_refused() -> None:
    data = LOG.read_bytes()
    with pytest.raises(UnreadableReport, match="no Security-SPP event"):
        read_evtx(data[:4096], "header-only.evtx")
    with pytest.raises(UnreadableReport, match="no ElfFile header"):
        read_evtx(b"ElfFilX" + data[7:], "bad.evtx")


def test_the_record_prefilter_knows_every_security_spp_marker() -> None:
    """A record whose Provider element names Security-SPP by any marker passes the prefilter
    (it must never drop one); another provider does not."""
    from adba.adapters.reports.evtx import _SPP_MARKERS, _may_be_spp

    def record(provider: str) -> str:
        return ('{"Event":{"System":{"Provider":{"#attributes":{"Name":"' + provider
                + '"}},"EventID":1003}}}')

    for marker in _SPP_MARKERS:
        assert _may_be_spp(record(f"Microsoft-Windows-{marker}"))
        assert _may_be_spp(record(marker))
    assert not _may_be_spp(record("Microsoft-Windows-Winlogon"))
    assert _may_be_spp('{"no provider element": "Security-SPP"}')  # (the whole text searched)
