"""Licences signed at test time (tests/support/xrml_signer.py) for what the real files cannot
show: tampering anywhere, compression, the chain, and every licence rule against an object."""

from __future__ import annotations

import base64
import io
import json
import re
from pathlib import Path

import pytest

from adba.adapters.ldif import parse_ldif
from adba.adapters.ldif_source import forest_from_records
from adba.adapters.snapshot import read_snapshot, write_snapshot
from adba.adapters.xrml import read_licence_blob
from adba.core.licences import Step, Verdict
from tests.conftest import run_adba, shared_testdata
from tests.support import xrml_signer as xs

SKU = xs.WS2022_CSVLK


@pytest.fixture(scope="module")
def blobs() -> xs.Blobs:
    return xs.object_licences(SKU, 4573, serial=12345)


def _flip_text(data: bytes, marker: bytes) -> bytes:
    at = data.index(marker) + len(marker)
    return data[:at] + (b"Y" if data[at:at + 1] != b"Y" else b"Z") + data[at + 1:]


def test_generated_licences_verify_and_one_changed_byte_fails(blobs: xs.Blobs) -> None:
    good = read_licence_blob(blobs.online).licences[0]
    assert good.signature.verdict is Verdict.VERIFIED
    assert good.signature.signer is not None
    assert good.signature.signer.fingerprint == xs.fingerprint(xs.test_key("leaf"))
    body = read_licence_blob(_flip_text(blobs.online, b"<r:title>")).licences[0]
    assert (body.signature.verdict, body.signature.step) == (Verdict.FAILED, Step.DIGEST)
    sig = re.search(rb"<SignatureValue>(.)", blobs.online)
    assert sig is not None
    at = sig.start(1)
    changed = blobs.online[:at] + (b"B" if blobs.online[at:at + 1] != b"B" else b"C") + \
        blobs.online[at + 1:]
    signed = read_licence_blob(changed).licences[0]
    assert (signed.signature.verdict, signed.signature.step) == (Verdict.FAILED, Step.SIGNATURE)


def test_whitespace_and_non_ascii_text_are_signed_as_written() -> None:
    key = xs.test_key("leaf")
    body = xs.licence_body(title="Prüfung  \u00e9\t<&>", info={"licenseType": "msft:sl/EUL/x"})
    lic = read_licence_blob(xs.single(xs.sign(body, key))).licences[0]
    assert lic.signature.verdict is Verdict.VERIFIED and lic.title == "Prüfung  \u00e9\t<&>"


def test_compressed_key_configuration_is_read() -> None:
    config = xs.config_licence([xs.Config(SKU, 4573)], xs.test_key("leaf"),
                               licence_id="{11111111-2222-3333-4444-555555555555}", compress=True)
    lic = read_licence_blob(xs.group(config)).licences[0]
    assert lic.key_config is not None and lic.key_config.compressed
    assert [c.act_config_id for c in lic.key_config.configurations] == [SKU]
    assert lic.signature.verdict is Verdict.VERIFIED


def test_sha1_refused_by_the_platform_is_could_not_verify(blobs: xs.Blobs,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    from cryptography.exceptions import UnsupportedAlgorithm
    from cryptography.hazmat.primitives.asymmetric import rsa

    cls = type(xs.test_key("leaf").public_key())
    assert issubclass(cls, rsa.RSAPublicKey)

    def refuse(*_: object, **__: object) -> None:
        raise UnsupportedAlgorithm("sha1 is not supported by this backend for RSA signing")

    monkeypatch.setattr(cls, "verify", refuse)
    # The fallback (the padding checked by hand) still decides.
    assert read_licence_blob(blobs.online).licences[0].signature.verdict is Verdict.VERIFIED
    monkeypatch.setattr(cls, "recover_data_from_signature", refuse)
    check = read_licence_blob(blobs.online).licences[0].signature
    assert check.verdict is Verdict.UNVERIFIABLE and "refuses" in check.detail


def _scan(tmp_path: Path, objects: list[tuple[str, dict[str, bytes]]], *args: str,
          pid: str = "03612-04573-000-012345-03-1033-20348.0000-1502024") -> tuple[int, dict]:
    ldif = tmp_path / "export.ldf"
    ldif.write_text(xs.licence_ldif(objects, pid=pid), encoding="utf-8")
    run = run_adba("scan", "--ldif", str(ldif), "--format", "json", *args)
    assert run.code in (0, 1, 2), run.stderr
    return run.code, json.loads(run.stdout)


def _rules(doc: dict) -> dict[str, set[str]]:
    out: dict[str, set[str]] = {}
    for f in doc["findings"]:
        out.setdefault(f["subject"].split(",", 1)[0].removeprefix("CN="), set()).add(f["rule_id"])
    return out


def test_consistent_licences_raise_nothing_and_show_the_chain(tmp_path: Path,
                                                              blobs: xs.Blobs) -> None:
    code, doc = _scan(tmp_path, [("ao-good", xs.online_set(blobs))])
    assert code == 0, doc["findings"]
    assert not any(r.startswith("ADBA-LIC") for r in _rules(doc).get("ao-good", set()))
    obj = doc["data"]["objects"][0]
    online = obj["licences"]["msSPP-OnlineLicense"]["licences"][0]
    leaf = xs.fingerprint(xs.test_key("leaf"))
    assert online["signature"] == {"verdict": "verified", "step": None, "signer": leaf,
                                   "key_bits": 2048,
                                   "detail": f"integrity verified under key {leaf[:16]}"}
    assert online["certified_by"]["attribute"] == "msSPP-IssuanceLicense"
    assert online["sku_id"] == SKU and online["pinned"] is None
    summary = obj["licence_summary"]
    assert summary["csvlk_config"]["found"] is True
    assert summary["csvlk_config"]["group_matches"] is True
    assert summary["csvlk_config"]["serial_in_range"] is True
    assert set(summary["signers"]) == {leaf, xs.fingerprint(xs.test_key("root"))}
    ldif = tmp_path / "export.ldf"
    text = run_adba("scan", "--ldif", str(ldif)).stdout
    assert f"integrity verified under key {leaf}" in text
    assert "signer certified by msSPP-IssuanceLicense" in text
    assert "group 4573 matches the PID" in text


def test_each_contradiction_is_its_own_high_finding(tmp_path: Path, blobs: xs.Blobs) -> None:
    leaf = xs.test_key("leaf")
    other_sku = "0724cb7d-3437-4cb7-93cb-830375d0079d"
    # the licence id the use licences name, so that only what is tested differs
    cfg_id = read_licence_blob(blobs.config).licences[0].licence_id or ""
    no_entry = xs.group(xs.config_licence([xs.Config(other_sku, 206)], leaf,
                                          licence_id="{22222222-2222-2222-2222-222222222222}"))
    gvlk_only = xs.group(xs.config_licence([xs.Config(SKU, 4573, key_type="Volume:GVLK")], leaf,
                                           licence_id=cfg_id))
    wrong_group = xs.group(xs.config_licence([xs.Config(SKU, 206)], leaf, licence_id=cfg_id))
    out_of_range = xs.group(xs.config_licence([xs.Config(SKU, 4573, start=900, end=950)], leaf,
                                              licence_id=cfg_id))
    other_online = xs.group(xs.use_licence(other_sku, leaf, kind="msft:sl/EUL/ACTIVATED/PUBLIC",
                                           config_id=cfg_id, issuance_id="{x}"))
    tampered = _flip_text(blobs.online, b"<r:title>")
    objects = [
        ("no-entry", {**xs.online_set(blobs), "msSPP-ConfigLicense": no_entry}),
        ("gvlk-only", {**xs.online_set(blobs), "msSPP-ConfigLicense": gvlk_only}),
        ("wrong-group", {**xs.online_set(blobs), "msSPP-ConfigLicense": wrong_group}),
        ("out-of-range", {**xs.online_set(blobs), "msSPP-ConfigLicense": out_of_range}),
        ("other-sku", {**xs.online_set(blobs), "msSPP-OnlineLicense": other_online}),
        ("tampered", {**xs.online_set(blobs), "msSPP-OnlineLicense": tampered}),
        ("wrong-kind", {**xs.online_set(blobs), "msSPP-ConfigLicense": blobs.phone}),
        ("not-xml", {**xs.online_set(blobs), "msSPP-IssuanceLicense": b"\x00\x01binary"}),
    ]
    code, doc = _scan(tmp_path, objects)
    assert code == 2
    lic = {cn: {r for r in rules if r.startswith("ADBA-LIC")} for cn, rules in _rules(doc).items()}
    assert lic["no-entry"] == {"ADBA-LIC-004", "ADBA-LIC-009"}
    assert lic["gvlk-only"] == {"ADBA-LIC-004"}
    assert lic["wrong-group"] == {"ADBA-LIC-005"}
    assert lic["out-of-range"] == {"ADBA-LIC-005"}
    assert lic["other-sku"] == {"ADBA-LIC-003"}
    assert lic["tampered"] == {"ADBA-LIC-001"}
    assert lic["wrong-kind"] == {"ADBA-LIC-008", "ADBA-LIC-009"}
    assert lic["not-xml"] == {"ADBA-LIC-002"}
    by_rule = {(f["subject"].split(",", 1)[0], f["rule_id"]): f for f in doc["findings"]}
    changed = by_rule[("CN=tampered", "ADBA-LIC-001")]
    assert changed["severity"] == "high"
    assert any("failed at the digest step" in e for e in changed["evidence"])
    assert by_rule[("CN=wrong-group", "ADBA-LIC-005")]["severity"] == "high"


def test_the_public_forgery_files_give_high_findings_from_the_licences_alone(
        tmp_path: Path) -> None:
    phone = shared_testdata("xrml", "phone.xrm-ms").read_bytes()
    config = shared_testdata("xrml", "pkeyconfig.xrm-ms").read_bytes()
    code, doc = _scan(tmp_path, [("ao-copied", {"msSPP-PhoneLicense": phone,
                                                "msSPP-ConfigLicense": config})])
    assert code == 2
    found = {f["rule_id"]: f for f in doc["findings"] if f["rule_id"].startswith("ADBA-LIC")}
    assert set(found) == {"ADBA-LIC-003", "ADBA-LIC-004", "ADBA-LIC-006"}
    assert all(f["severity"] == "high" for f in found.values())
    assert any("df96023b-dcd9-4be2-afa0-c6c871159ebe" in e and "RETAIL" in e
               for e in found["ADBA-LIC-003"]["evidence"])
    obj = doc["data"]["objects"][0]
    # The licences themselves are genuine: their signatures verify.
    assert {lic["signature"]["verdict"] for blob in obj["licences"].values()
            for lic in blob["licences"]} == {"verified"}
    assert obj["licence_summary"]["csvlk_config"]["found"] is False


@pytest.mark.parametrize(("name", "signer", "code"), [
    ("phone.xrm-ms", "631f512d89639f7a925a403b002954c8399a443e12bd45c21b825f2ab7b6f96e", 2),
    ("pkeyconfig.xrm-ms", "4e3eb9c90054f024378f10596abc67d30e756222b7cc4e3afb48a7d9e852dc04", 2),
    ("office2019-issuance.xrm",
     "b35232caffd47b34f07ee6d35c88af14fff44f36f38e8e83f6a7518bf31d600d", 0),
])
def test_licence_command_prints_the_signer_of_each_real_file(name: str, signer: str,
                                                             code: int) -> None:
    path = shared_testdata("xrml", name)
    run = run_adba("licence", str(path))
    assert run.code == code, run.stderr
    assert f"integrity verified under key {signer}" in run.stdout
    doc = json.loads(run_adba("licence", str(path), "--format", "json").stdout)
    assert {lic["signature"]["signer"] for lic in doc["data"]["licences"]} == {signer}
    assert (doc["data"]["known_forgery"] is not None) == (code == 2)


def test_licence_command_on_an_edited_copy_names_the_step(tmp_path: Path) -> None:
    data = shared_testdata("xrml", "office2019-issuance.xrm").read_bytes()
    edited = tmp_path / "edited.xrm-ms"
    edited.write_bytes(data.replace(b"Issuance License", b"Issuance Licensf", 1))
    run = run_adba("licence", str(edited))
    assert run.code == 2
    assert "FAILED at the digest step" in run.stdout and "ADBA-LIC-001" in run.stdout


def test_licence_command_refuses_what_is_not_a_regular_file(tmp_path: Path) -> None:
    run = run_adba("licence", str(tmp_path))
    assert run.code == 3
    assert run.stderr.strip().startswith(f"adba: error: {tmp_path}: is a directory")


def test_snapshot_keeps_the_licence_bytes_and_reads_them_again(blobs: xs.Blobs,
                                                               tmp_path: Path) -> None:
    text = xs.licence_ldif([("ao", xs.online_set(blobs))])
    raw = forest_from_records(parse_ldif(text.encode()), "x.ldf")
    out = io.StringIO()
    write_snapshot(raw, out)
    snap = tmp_path / "snap.json"
    snap.write_text(out.getvalue())
    doc = json.loads(out.getvalue())
    stored = doc["children"][0]["blobs"]["msSPP-OnlineLicense"][0]
    assert base64.b64decode(stored["b64"]) == blobs.online
    back = read_snapshot(snap)
    assert back.children[0].blobs == raw.children[0].blobs
    # A snapshot that kept only the digest (an older adba): said so, nothing guessed.
    for child in doc["children"]:
        for values in child.get("blobs", {}).values():
            for value in values:
                value.pop("b64")
    snap.write_text(json.dumps(doc))
    run = run_adba("scan", "--snapshot", str(snap))
    assert "(content not in this source)" in run.stdout
    data = json.loads(run_adba("scan", "--snapshot", str(snap), "--format", "json").stdout)
    assert data["data"]["objects"][0]["licences"]["msSPP-OnlineLicense"]["read"] is False
    assert data["data"]["objects"][0]["licence_summary"]["digest_only"] == [
        "msSPP-OnlineLicense", "msSPP-ConfigLicense", "msSPP-IssuanceLicense"]
    # Bytes that do not match their digest are refused.
    stored["b64"] = base64.b64encode(blobs.online + b" ").decode()
    doc["children"][0]["blobs"]["msSPP-OnlineLicense"][0] = stored
    snap.write_text(json.dumps(doc))
    bad = run_adba("scan", "--snapshot", str(snap))
    assert bad.code == 3 and "do not match their size and sha256" in bad.stderr


def test_a_pin_needs_a_source_and_marks_the_signer(blobs: xs.Blobs) -> None:
    from adba.core.datafile import DataFileError
    from adba.core.licence_data import validate_licence_data
    from adba.core.licences import signer_chain

    leaf = xs.fingerprint(xs.test_key("leaf"))
    doc = {"format": "adba-licence-data", "format_version": 1,
           "sources": [{"id": "lab", "description": "harvested from a lab DC's spp\\tokens"}],
           "forged_files": [], "pins": [{"fingerprint": leaf, "owner": "the test lab"}]}
    with pytest.raises(DataFileError, match=r"pins\[0\]\.source"):
        validate_licence_data(doc, "test")
    doc["pins"][0]["source"] = ["lab"]
    data = validate_licence_data(doc, "test")
    chain = signer_chain((("msSPP-OnlineLicense", read_licence_blob(blobs.online)),), data.pins)
    assert chain[0].pinned is not None and chain[0].pinned.owner == "the test lab"
    assert "lab DC" in chain[0].pinned.source


def test_packaged_indicators_each_name_their_source() -> None:
    from adba.adapters.licence_data_file import packaged_licence_data

    data = packaged_licence_data()
    assert {f.attribute for f in data.forged_files} == {"msSPP-ConfigLicense", "msSPP-PhoneLicense"}
    assert all("adba-offline" in f.sources for f in data.forged_files)
    for item in data.forged_files:  # the digests are those of the public files (../shared)
        name = "pkeyconfig.xrm-ms" if item.attribute == "msSPP-ConfigLicense" else "phone.xrm-ms"
        import hashlib

        raw = shared_testdata("xrml", name).read_bytes()
        assert (hashlib.sha256(raw).hexdigest(), len(raw)) == (item.sha256, item.size)


def test_rules_list_and_show_the_licence_rules() -> None:
    listed = run_adba("rules", "list")
    assert listed.code == 0 and all(f"ADBA-LIC-{n:03d}" in listed.stdout for n in range(1, 11))
    shown = run_adba("rules", "show", "adba-lic-004")
    assert shown.code == 0 and "no entry for the object's CSVLK" in shown.stdout
