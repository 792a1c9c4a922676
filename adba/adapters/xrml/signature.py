"""Verifying one licence's XML signature: licence transform, ``lwc14n``, SHA-1, RSA.

The result is one of three, never a guess: *verified* under the key in ``KeyInfo`` (named by
its fingerprint, the SHA-256 of the modulus bytes), *failed* at a named step (structure, digest
or signature), or *could not verify* because the platform refuses SHA-1.
"""

from __future__ import annotations

import base64
import binascii
import hashlib

from adba.adapters.xrml.c14n import canonicalize
from adba.adapters.xrml.names import DSIG, LICENSE_TRANSFORM, LWC14N, REL, RSA_SHA1, SHA1
from adba.adapters.xrml.tree import Node
from adba.core.licences import KeyInfo, SignatureCheck, Step, Verdict

MIN_BITS, MAX_BITS = 1024, 16384
_SHA1_DIGEST_INFO = bytes.fromhex("3021300906052b0e03021a05000414")


class StructureError(ValueError):
    """The signature is not in the one form SPP licences use."""


def b64(text: str, what: str) -> bytes:
    """Strict base64 (whitespace allowed) or :class:`StructureError`."""
    try:
        return base64.b64decode("".join(text.split()), validate=True)
    except (binascii.Error, ValueError):
        raise StructureError(f"{what} is not base64") from None


def rsa_key(key_value: Node | None, what: str) -> tuple[KeyInfo, int, int]:
    """(key info, modulus, exponent) of an ``RSAKeyValue`` parent (a ``KeyValue`` element)."""
    rsa = key_value.find(DSIG, "RSAKeyValue") if key_value is not None else None
    modulus = rsa.find(DSIG, "Modulus") if rsa is not None else None
    exponent = rsa.find(DSIG, "Exponent") if rsa is not None else None
    if modulus is None or exponent is None:
        raise StructureError(f"{what} has no RSA key (Modulus, Exponent)")
    raw = b64(modulus.text(), f"{what} Modulus")
    n = int.from_bytes(raw, "big")
    e = int.from_bytes(b64(exponent.text(), f"{what} Exponent"), "big")
    return KeyInfo(fingerprint=hashlib.sha256(raw).hexdigest(), bits=n.bit_length(),
                   exponent=e), n, e


def _one(node: Node | None, uri: str, local: str, where: str) -> Node:
    found = node.find_all(uri, local) if node is not None else []
    if len(found) != 1:
        raise StructureError(f"{where} has {len(found)} {local} elements, not one")
    return found[0]


def _algorithm(node: Node, expected: str, what: str) -> None:
    value = node.attribute("Algorithm")
    if value != expected:
        raise StructureError(f"{what} is {value!r}, not {expected}")


def _sha1(data: bytes) -> bytes:
    return hashlib.sha1(data, usedforsecurity=False).digest()


def verify_licence(licence: Node) -> SignatureCheck:
    """Verify the signature of one ``r:license`` element (in its document, for context)."""
    try:
        return _verify(licence)
    except StructureError as exc:
        return SignatureCheck(Verdict.FAILED, Step.STRUCTURE, None, str(exc))


def _verify(licence: Node) -> SignatureCheck:
    issuers = licence.find_all(REL, "issuer")
    signed = [(i, s) for i in issuers for s in i.find_all(DSIG, "Signature")[:1]]
    if len(signed) != 1:
        raise StructureError(f"the licence has {len(signed)} signed issuers, not one")
    issuer, signature = signed[0]
    info = _one(signature, DSIG, "SignedInfo", "Signature")
    _algorithm(_one(info, DSIG, "CanonicalizationMethod", "SignedInfo"), LWC14N,
               "CanonicalizationMethod")
    _algorithm(_one(info, DSIG, "SignatureMethod", "SignedInfo"), RSA_SHA1, "SignatureMethod")
    reference = _one(info, DSIG, "Reference", "SignedInfo")
    if reference.attribute("URI") not in (None, ""):
        raise StructureError("the Reference names a URI; SPP licences sign the licence itself")
    transforms = _one(reference, DSIG, "Transforms", "Reference").find_all(DSIG, "Transform")
    if [t.attribute("Algorithm") for t in transforms] != [LICENSE_TRANSFORM, LWC14N]:
        raise StructureError("the Transforms are not the licence transform followed by lwc14n")
    _algorithm(_one(reference, DSIG, "DigestMethod", "Reference"), SHA1, "DigestMethod")
    expected = b64(_one(reference, DSIG, "DigestValue", "Reference").text(), "DigestValue")
    if len(expected) != 20:
        raise StructureError(f"the DigestValue has {len(expected)} bytes, not 20 (SHA-1)")
    value = b64(_one(signature, DSIG, "SignatureValue", "Signature").text(), "SignatureValue")
    key_info = _one(signature, DSIG, "KeyInfo", "Signature")
    key, n, e = rsa_key(_one(key_info, DSIG, "KeyValue", "KeyInfo"), "KeyInfo")
    if not MIN_BITS <= key.bits <= MAX_BITS or e < 3 or e % 2 == 0 or n % 2 == 0:
        raise StructureError(f"the signer key ({key.bits} bits, e={e}) is not a usable RSA key")
    if len(value) != (key.bits + 7) // 8:
        raise StructureError(f"the SignatureValue has {len(value)} bytes; the {key.bits}-bit key "
                         f"needs {(key.bits + 7) // 8}")
    # The licence transform: this licence alone, without its signature and other issuers.
    skip = frozenset([id(signature), *(id(i) for i in issuers if i is not issuer)])
    try:
        digest = _sha1(canonicalize(licence, skip))
        signed_digest = _sha1(canonicalize(info))
    except ValueError as exc:  # hashlib under a FIPS policy without SHA-1
        return SignatureCheck(Verdict.UNVERIFIABLE, None, key, f"SHA-1 is unavailable: {exc}")
    if digest != expected:
        return SignatureCheck(Verdict.FAILED, Step.DIGEST, key,
                              "the licence's SHA-1 digest does not match its DigestValue: "
                              "the licence was changed after it was signed")
    return _rsa(value, signed_digest, n, e, key)


def _rsa(value: bytes, digest: bytes, n: int, e: int, key: KeyInfo) -> SignatureCheck:
    from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import padding, rsa, utils

    public = rsa.RSAPublicNumbers(e, n).public_key()
    failed = SignatureCheck(Verdict.FAILED, Step.SIGNATURE, key,
                            "the RSA signature over SignedInfo does not verify under the "
                            "KeyInfo key")
    try:
        public.verify(value, digest, padding.PKCS1v15(), utils.Prehashed(hashes.SHA1()))
    except InvalidSignature:
        return failed
    except UnsupportedAlgorithm:
        try:  # a platform policy refusing SHA-1 signatures: check the padding by hand
            recovered = public.recover_data_from_signature(value, padding.PKCS1v15(), None)
        except InvalidSignature:
            return failed
        except UnsupportedAlgorithm as exc:
            return SignatureCheck(Verdict.UNVERIFIABLE, None, key,
                                  f"this platform's cryptography refuses RSA with SHA-1: {exc}")
        if recovered != _SHA1_DIGEST_INFO + digest:
            return failed
    return SignatureCheck(Verdict.VERIFIED, None, key,
                          f"integrity verified under key {key.fingerprint[:16]}")
