"""The three public Microsoft-signed licence files (read from ../shared/testdata/xrml, never
copied into the repository) prove the lwc14n canonicaliser and the verifier; edited copies
fail at the step they touch."""

from __future__ import annotations

import base64
import hashlib
import re

import pytest

from adba.adapters.xrml import read_licence_blob
from adba.adapters.xrml.c14n import canonicalize
from adba.adapters.xrml.names import DSIG, REL
from adba.adapters.xrml.text import decode_xml_bytes
from adba.adapters.xrml.tree import parse_tree
from adba.core.licences import Step, Verdict
from tests.conftest import shared_testdata

# Signer fingerprints (SHA-256 of the modulus) measured in ../shared/reference/xrml-licences.md.
PHONE_SIGNER = "631f512d89639f7a925a403b002954c8399a443e12bd45c21b825f2ab7b6f96e"
PKEYCONFIG_SIGNER = "4e3eb9c90054f024378f10596abc67d30e756222b7cc4e3afb48a7d9e852dc04"
ISSUANCE_SIGNER = "b35232caffd47b34f07ee6d35c88af14fff44f36f38e8e83f6a7518bf31d600d"
ISSUANCE_CERTIFIES = "841a618e2cb0c1e29d1a39fcade8f172b5bbaeed5d6611fb54089fd2a6b03408"


def _bytes(name: str) -> bytes:
    return shared_testdata("xrml", name).read_bytes()


@pytest.mark.parametrize("name", ["phone.xrm-ms", "pkeyconfig.xrm-ms", "office2019-issuance.xrm"])
def test_canonical_form_hashes_to_the_digest_microsoft_signed(name: str) -> None:
    """The canonicaliser alone, without the RSA step: SHA-1 of each licence in lwc14n form
    (its signature left out) equals its DigestValue, and SignedInfo's form verifies below."""
    text, _ = decode_xml_bytes(_bytes(name))
    root = parse_tree(text)
    licences = [root] if root.local == "license" else root.find_all(REL, "license")
    assert licences
    for lic in licences:
        issuer = lic.find(REL, "issuer")
        assert issuer is not None
        signature = issuer.find(DSIG, "Signature")
        assert signature is not None
        digest_node = signature.iter(DSIG, "DigestValue")[0]
        digest = hashlib.sha1(canonicalize(lic, frozenset([id(signature)]))).digest()
        assert base64.b64encode(digest).decode() == digest_node.text()


def test_phone_licence_group_verifies_under_its_signer() -> None:
    doc = read_licence_blob(_bytes("phone.xrm-ms"))
    assert doc.error is None and doc.group and doc.encoding == "utf-8-bom"
    assert [lic.licence_type for lic in doc.licences] == ["msft:sl/EUL/PHONE/PUBLIC",
                                                          "msft:sl/EUL/PHONE/PRIVATE"]
    for lic in doc.licences:
        assert lic.signature.verdict is Verdict.VERIFIED, lic.signature.detail
        assert lic.signature.signer is not None
        assert lic.signature.signer.fingerprint == PHONE_SIGNER
        assert lic.signature.signer.bits == 2048
        assert lic.sku_id == "df96023b-dcd9-4be2-afa0-c6c871159ebe"
        assert lic.trusted_roots == (PHONE_SIGNER,)
    public = doc.licences[0]
    assert public.channel == "RETAIL"
    assert public.link("pkeyConfigLicenseId") == "{06a4dd30-84b7-4fd2-b859-f1eddb0858f5}"


def test_pkeyconfig_verifies_and_its_tables_are_read() -> None:
    doc = read_licence_blob(_bytes("pkeyconfig.xrm-ms"))
    (lic,) = doc.licences
    assert lic.signature.verdict is Verdict.VERIFIED, lic.signature.detail
    assert lic.signature.signer is not None and lic.signature.signer.fingerprint == PKEYCONFIG_SIGNER
    assert lic.licence_id == "{06a4dd30-84b7-4fd2-b859-f1eddb0858f5}"
    config = lic.key_config
    assert config is not None and config.error is None and not config.compressed
    # The counts measured in the reference notes (§1.4): no CSVLK configuration at all.
    assert (len(config.configurations), len(config.ranges), len(config.public_key_groups)) == \
        (231, 1547, 211)
    assert not any(c.key_type == "Volume:CSVLK" for c in config.configurations)
    assert any(c.key_type == "Volume:GVLK" for c in config.configurations)


def test_office_issuance_licence_verifies_and_certifies_a_key() -> None:
    doc = read_licence_blob(_bytes("office2019-issuance.xrm"))
    assert not doc.group and doc.encoding == "utf-8"
    (lic,) = doc.licences
    assert lic.signature.verdict is Verdict.VERIFIED, lic.signature.detail
    assert lic.signature.signer is not None and lic.signature.signer.fingerprint == ISSUANCE_SIGNER
    assert lic.category == "msft:sl/ISSUANCE"
    assert lic.certified_keys == (ISSUANCE_CERTIFIES,)


def _edit(data: bytes, old: bytes, new: bytes) -> bytes:
    assert data.count(old) >= 1
    return data.replace(old, new, 1)


def test_a_changed_byte_in_the_licence_body_fails_at_the_digest_step() -> None:
    data = _edit(_bytes("phone.xrm-ms"), b"UL phone License (Public)", b"UL phone License (Publik)")
    first, second = read_licence_blob(data).licences
    assert first.signature.verdict is Verdict.FAILED and first.signature.step is Step.DIGEST
    assert second.signature.verdict is Verdict.VERIFIED  # the other licence is untouched


def test_a_changed_byte_in_the_configuration_payload_fails_at_the_digest_step() -> None:
    data = bytearray(_bytes("pkeyconfig.xrm-ms"))
    at = data.index(b'name="pkeyConfigData">') + 5000
    data[at] = ord("A") if data[at] != ord("A") else ord("B")
    (lic,) = read_licence_blob(bytes(data)).licences
    assert lic.signature.verdict is Verdict.FAILED and lic.signature.step is Step.DIGEST


def test_a_changed_signature_value_fails_at_the_signature_step() -> None:
    data = _bytes("office2019-issuance.xrm")
    match = re.search(rb"<SignatureValue>([^<]{40})", data)
    assert match is not None
    head = match.group(1)
    changed = head[:-1] + (b"A" if head[-1:] != b"A" else b"B")
    (lic,) = read_licence_blob(_edit(data, head, changed)).licences
    assert lic.signature.verdict is Verdict.FAILED and lic.signature.step is Step.SIGNATURE


def test_a_changed_digest_value_fails_at_the_digest_step() -> None:
    data = _bytes("office2019-issuance.xrm")
    match = re.search(rb"<DigestValue>([^<]{8})", data)
    assert match is not None
    head = match.group(1)
    (lic,) = read_licence_blob(_edit(data, head, head[:-1] + (
        b"A" if head[-1:] != b"A" else b"B"))).licences
    assert lic.signature.step is Step.DIGEST


def test_a_removed_signature_algorithm_fails_at_the_structure_step() -> None:
    data = _edit(_bytes("office2019-issuance.xrm"), b"xmldsig#rsa-sha1", b"xmldsig#rsa-md5")
    (lic,) = read_licence_blob(data).licences
    assert lic.signature.verdict is Verdict.FAILED and lic.signature.step is Step.STRUCTURE
    assert "SignatureMethod" in lic.signature.detail
