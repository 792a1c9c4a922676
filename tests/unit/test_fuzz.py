"""Fuzzing every reader with hypothesis: mutated real artefacts and arbitrary bytes.

Each target has one property: a hostile input ends in the reader's own refusal
(``UnreadableReport``, ``InputFileError``, ``LdifError``, ``SecurityDescriptorError``...) or in a
result the rest of adba can use (diagnosed and encoded as JSON), never in another exception.

The CI run is short (``ADBA_FUZZ_EXAMPLES``, default 40 per target); the long run is

    ADBA_FUZZ_EXAMPLES=20000 python -m pytest -q tests/unit/test_fuzz.py -p no:cacheprovider

Every crash found becomes a regression test (an ``@example`` here, or a test of its own).
"""

from __future__ import annotations

import datetime
import json
import os
from pathlib import Path

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from adba.adapters.catalog_file import load_catalog
from adba.adapters.computer_records import computer_from_attributes
from adba.adapters.decode import decode_activation_object, decode_forest
from adba.adapters.input_files import SNAPSHOT_MAX
from adba.adapters.ldif import LdifError, parse_ldif
from adba.adapters.ldif_source import forest_from_records
from adba.adapters.records import RawEntry
from adba.adapters.reports.registry import Input, read_input
from adba.adapters.snapshot import read_snapshot
from adba.cli.render_json import diagnose_report_json, dumps
from adba.cli.sources import demo_path
from adba.core.client import UnreadableReport
from adba.core.epid import epid_text_problems, parse_extended_pid
from adba.core.phone_ids import split_confirmation_id, split_installation_id
from adba.core.security_descriptor import SecurityDescriptorError, parse_security_descriptor
from adba.errors import AdbaError
from tests.conftest import REPO
from tests.unit.diag_support import correlator

EXAMPLES = int(os.environ.get("ADBA_FUZZ_EXAMPLES", "40"))
FUZZ = settings(max_examples=EXAMPLES, deadline=None, derandomize=not os.environ.get(
    "ADBA_FUZZ_RANDOM"), suppress_health_check=[HealthCheck.too_slow,
                                                 HealthCheck.function_scoped_fixture])

FIXTURES = REPO / "fixtures"
SEEDS = sorted(p for p in [*FIXTURES.glob("real/*/*"), *FIXTURES.glob("clients/*")]
               if p.is_file() and p.name != "manifest.json" and p.suffix != ".md")
REPORT_SEEDS = [p for p in SEEDS if p.stat().st_size < 200_000]
LDIF_SEEDS = sorted((FIXTURES / "ldif").glob("*.ldf"))


REPORT_TOKENS = [b"\x1b[31m", b"\xff\xfe", b"\x00", b"{", b"[" * 2000, b"\r", b"\xed\xa0\x80",
                 b"Name: ", b"9" * 40, "\u202e".encode(), b"\\ud800"]
"""What the insertions of :func:`mutate` choose from when they are not random bytes."""


def mutate(draw: st.DrawFn, data: bytearray, tokens: list[bytes], *,
           random_inserts: bool = True, truncate: bool = True) -> bytes:
    """Up to six mutations of ``data``: byte flips, cuts, repeats, insertions (random bytes or
    one of ``tokens``) and, with ``truncate``, an end cut off."""
    ops = ["flip", "cut", "repeat", "insert"] + (["truncate"] if truncate else [])
    for _ in range(draw(st.integers(0, 6))):
        if not data:
            break
        op = draw(st.sampled_from(ops))
        at = draw(st.integers(0, len(data) - 1))
        if op == "flip":
            data[at] = draw(st.integers(0, 255))
        elif op == "cut":
            del data[at:at + draw(st.integers(1, 400))]
        elif op == "repeat":
            data[at:at] = data[at:at + draw(st.integers(1, 200))] * draw(st.integers(1, 20))
        elif op == "insert":
            data[at:at] = draw(st.binary(min_size=1, max_size=64)) \
                if random_inserts and draw(st.booleans()) else draw(st.sampled_from(tokens))
        else:
            del data[at:]
    return bytes(data)


@st.composite
def mutated(draw: st.DrawFn, seeds: list[Path]) -> bytes:
    """A real artefact with up to six mutations: byte flips, cuts, repeats, insertions."""
    return mutate(draw, bytearray(draw(st.sampled_from(seeds)).read_bytes()), REPORT_TOKENS)


def _read_and_use(data: bytes, source: str = "fuzz.txt") -> None:
    """Read, diagnose and encode: only the reader's refusal may stop it."""
    try:
        reports = read_input(Input(source, data))
    except UnreadableReport as exc:
        assert exc.reason and "\n" not in exc.reason.strip()
        return
    judge = correlator()
    for report in reports:
        diags = judge.diagnose(report)
        dumps({"report": diagnose_report_json(report, diags)}).encode("utf-8")


@FUZZ
@given(mutated(REPORT_SEEDS))
@example(b'{"event": "<Event\\ud800 xmlns=\'http://schemas.microsoft.com/win/2004/08/events/'
         b'event\'><System><Provider Name=\'Microsoft-Windows-Security-SPP\'/></System></Event>",'
         b' "host": "PC1", "sourcetype": "XmlWinEventLog:Application"}')
def test_fuzz_report_readers_with_mutated_real_artefacts(data: bytes) -> None:
    _read_and_use(data)


@FUZZ
@given(st.binary(max_size=4096))
@example(b"[" * 100_000)
@example(b"Volume activation expiration: 99999999999 minute(s)")
@example(b"ElfFile\x00" + b"\x00" * 4000)
@example(b"\xff\xfe" + "Name: x\r\n".encode("utf-16-le"))
def test_fuzz_report_readers_with_arbitrary_bytes(data: bytes) -> None:
    _read_and_use(data)


EVTX_SEEDS = sorted(p for p in (FIXTURES / "real" / "evtx").glob("*.evtx")
                    if p.stat().st_size <= 100_000)


@FUZZ
@given(mutated(EVTX_SEEDS))
def test_fuzz_evtx_reader(data: bytes) -> None:
    _read_and_use(data, "fuzz.evtx")


@FUZZ
@given(mutated(LDIF_SEEDS))
def test_fuzz_ldif(data: bytes) -> None:
    try:
        records = parse_ldif(data, "fuzz.ldf")
    except LdifError:
        return
    try:
        decode_forest(forest_from_records(records, "fuzz.ldf"))
    except AdbaError:
        return


def test_a_deeply_nested_snapshot_is_refused_in_one_line(tmp_path: Path) -> None:
    target = tmp_path / "snapshot.json"
    target.write_bytes(b"[" * 100_000 + demo_path().read_bytes())
    with pytest.raises(AdbaError, match="nested too deeply"):
        read_snapshot(target)


@FUZZ
@given(st.data())
def test_fuzz_snapshot(tmp_path_factory: pytest.TempPathFactory, data: st.DataObject) -> None:
    original = demo_path().read_bytes()
    mutated_bytes = data.draw(mutated([demo_path()]))
    assert len(mutated_bytes) < SNAPSHOT_MAX
    target = tmp_path_factory.mktemp("snap") / "snapshot.json"
    target.write_bytes(mutated_bytes if mutated_bytes != original else original[:-10])
    try:
        raw = read_snapshot(target)
        decode_forest(raw)
        if raw.computers is not None:
            list(raw.computers)
    except AdbaError:
        return


@FUZZ
@given(st.binary(max_size=512))
def test_fuzz_security_descriptor(data: bytes) -> None:
    try:
        sd = parse_security_descriptor(data)
    except SecurityDescriptorError:
        return
    for ace in sd.dacl or ():
        ace.sddl()


PID_CHARS = st.text(alphabet="0123456789-. X", max_size=70)


@FUZZ
@given(st.one_of(PID_CHARS, st.text(max_size=80)))
@example("03612-00206-531-000123-03-1033-14393.0000-0000000")
@example("03612-00206-531-000123-03-1033-14393.0000-3662099")
def test_fuzz_pid_and_phone_id_decoders(text: str) -> None:
    parsed = parse_extended_pid(text)
    if parsed is not None:
        epid_text_problems(text, datetime.date(2026, 12, 1))
    for split in (split_installation_id, split_confirmation_id):
        groups = split(text)
        if groups is not None:
            json.dumps(groups.__dict__ if hasattr(groups, "__dict__") else str(groups))


def _licence_seeds() -> list[bytes]:
    from tests.support import xrml_signer as xs

    made = xs.object_licences(xs.WS2022_CSVLK, 4573, serial=12345)
    return [made.online, made.config, made.issuance, made.phone]


LICENCE_TOKENS = [b"<!DOCTYPE r [<!ENTITY a 'x'>]>", b"&a;", b"<![CDATA[x]]>", b"<!-- c -->",
                  b"<?pi x?>", b"xmlns:r=\"urn:other\" ", b"\xff\xfe", b"\x00",
                  b"<r:grant>" * 50, "\u202e".encode()]


@st.composite
def mutated_licence(draw: st.DrawFn) -> bytes:
    """A test-signed licence with up to six mutations (flips, cuts, repeats, insertions)."""
    return mutate(draw, bytearray(draw(st.sampled_from(_licence_seeds()))), LICENCE_TOKENS,
                  random_inserts=False, truncate=False)


@FUZZ
@given(st.one_of(mutated_licence(), st.binary(max_size=2048)))
@example(b"\xef\xbb\xbf")
@example(b"<r:license xmlns:r='urn:mpeg:mpeg21:2003:01-REL-R-NS'/>")
def test_fuzz_xrml_reader(data: bytes) -> None:
    """Whatever the bytes: a LicenceDocument (readable or with its one-line error) that the
    renderers can print, never an exception."""
    from adba.adapters.xrml import read_licence_blob
    from adba.cli.render_licences import licence_json, signature_text
    from adba.core.licences import LicenceDocument

    doc = read_licence_blob(data)
    assert isinstance(doc, LicenceDocument)
    assert doc.error is None or "\n" not in doc.error
    for lic in doc.licences:
        json.dumps(licence_json(lic, None))
        signature_text(lic.signature)


PRODUCT_DB_SEED = json.dumps({
    "format": "adba-catalog", "format_version": 1,
    "csvlks": [{"sku_id": "{661F7658-7035-4B4C-9F35-010682943EC2}", "name": "Contoso key",
                "enables": ["Windows Server 2022"]}]}, indent=1).encode()


@FUZZ
@given(st.data())
def test_fuzz_product_db(tmp_path_factory: pytest.TempPathFactory, data: st.DataObject) -> None:
    """A user product file (--product-db): refused with InputFileError, or a usable catalog."""
    seed = tmp_path_factory.mktemp("db") / "seed.json"
    seed.write_bytes(PRODUCT_DB_SEED)
    target = seed.with_name("products.json")
    target.write_bytes(data.draw(mutated([seed])))
    try:
        catalog = load_catalog(target, use_env=False)
    except AdbaError:
        return
    assert catalog is not None


GUID_ATTRIBUTES = ["objectGUID", "msSPP-CSVLKSkuId", "msSPP-KMSIds"]
TEXT_ATTRIBUTES = ["cn", "displayName", "msSPP-CSVLKPid", "msSPP-CSVLKPartialProductKey",
                   "msSPP-InstallationId", "msSPP-ConfirmationId", "whenCreated", "whenChanged",
                   "uSNChanged", "objectClass"]


@FUZZ
@given(st.dictionaries(st.sampled_from(GUID_ATTRIBUTES + TEXT_ATTRIBUTES),
                       st.lists(st.one_of(st.binary(max_size=40),
                                          st.text(max_size=40).map(str.encode)), max_size=4),
                       max_size=len(GUID_ATTRIBUTES + TEXT_ATTRIBUTES)),
       st.text(max_size=60))
@example({"objectGUID": [b"\x01" * 15], "msSPP-KMSIds": [b"\x02" * 17],
          "whenCreated": [b"99999999999999.0Z"], "uSNChanged": [b"9" * 40]}, "CN=x")
def test_fuzz_activation_object_decoder(attributes: dict[str, list[bytes]], dn: str) -> None:
    """Raw LDAP values of any length and content (GUIDs, times, numbers) decode or are
    reported on the object; the GUID decoder never raises."""
    decoded = decode_activation_object(RawEntry(dn or "CN=x", attributes))
    json.dumps(str(decoded))


@FUZZ
@given(st.dictionaries(st.sampled_from(["cn", "operatingSystem", "operatingSystemVersion",
                                        "lastLogonTimestamp", "pwdLastSet", "dNSHostName",
                                        "userAccountControl", "whenChanged"]),
                       st.lists(st.binary(max_size=40), max_size=3), max_size=8))
@example({"lastLogonTimestamp": [b"9" * 30], "pwdLastSet": [b"-1"]})
def test_fuzz_computer_records(attributes: dict[str, list[bytes]]) -> None:
    """A computer account's raw values (coverage) decode without an exception."""
    computer_from_attributes("CN=PC1,DC=contoso,DC=test", attributes)


DIFF_SEED = FIXTURES / "diff" / "scan-changed.json"


def _diff_against_seed(target: Path) -> None:
    """Read ``target`` as the new side of a diff against the seed; only a refusal may stop it."""
    from adba.adapters.diff_input import diff_input, read_envelope
    from adba.core.diff import compare, verdict

    seed = read_envelope(DIFF_SEED)
    old, _ = diff_input(DIFF_SEED, "scan", "scan", seed["data"], seed["findings"], None)
    try:
        doc = read_envelope(target)
        new, _ = diff_input(target, doc["command"], doc["command"], doc["data"],
                            doc.get("findings"), None)
    except AdbaError as exc:
        assert "\n" not in str(exc)
        return
    verdict(compare(old, new))


@FUZZ
@given(mutated([DIFF_SEED]))
def test_fuzz_diff_inputs_with_a_mutated_envelope(tmp_path_factory: pytest.TempPathFactory,
                                                  data: bytes) -> None:
    target = tmp_path_factory.mktemp("diff") / "new.json"
    target.write_bytes(data)
    _diff_against_seed(target)


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner,
                                                                 max_size=4), max_leaves=20)


@FUZZ
@given(st.sampled_from(["objects", "containers", "coverage", "forest", "source", "findings",
                        "objects.0", "objects.0.licences", "objects.0.enables",
                        "containers.activation_objects.dacl", "findings.0"]), JSON_VALUES)
def test_fuzz_diff_inputs_with_hostile_fields(tmp_path_factory: pytest.TempPathFactory,
                                             where: str, value: object) -> None:
    doc = json.loads(DIFF_SEED.read_text(encoding="utf-8"))
    parts = where.split(".")
    node: object = doc if parts[0] == "findings" else doc["data"]
    for part in parts[:-1]:
        node = node[int(part)] if isinstance(node, list) else node[part]  # type: ignore[index]
    last = parts[-1]
    if isinstance(node, list):
        node[int(last)] = value
    else:
        node[last] = value  # type: ignore[index]
    target = tmp_path_factory.mktemp("diff") / "new.json"
    target.write_text(json.dumps(doc), encoding="utf-8")
    _diff_against_seed(target)


def test_a_deeply_nested_diff_input_is_refused_in_one_line(tmp_path: Path) -> None:
    from adba.adapters.diff_input import read_envelope

    target = tmp_path / "deep.json"
    target.write_bytes(b'{"schema_version": "1.0", "command": "scan", "data": ' + b"[" * 100_000)
    with pytest.raises(AdbaError, match=r"nested too deeply|not valid JSON"):
        read_envelope(target)
    target.write_bytes(b"[" * 100_000 + b"]" * 100_000)
    with pytest.raises(AdbaError, match="nested too deeply"):
        read_envelope(target)
