"""Test PKI for the Samba test DCs: one private CA and one server certificate per DC.

The server certificate names exactly the DC's FQDN (DNS SAN) and its IP address (IP SAN) and
nothing else, so a client that validates against the CA succeeds for those two names and fails
for any other (``localhost`` included).
"""

from __future__ import annotations

import datetime as _dt
import ipaddress
import os
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

__all__ = ["TlsFiles", "issue_server_certificate", "write_tls_files"]

_KEY_SIZE = 2048


@dataclass(frozen=True)
class TlsFiles:
    """Paths of the PEM files written by :func:`write_tls_files`."""

    ca_file: Path
    """CA certificate (give this to clients as the trust anchor; also Samba's ``tls cafile``)."""
    cert_file: Path
    """Server certificate (Samba's ``tls certfile``)."""
    key_file: Path
    """Server private key, unencrypted, mode 0600 (Samba's ``tls keyfile``)."""
    ca_key_file: Path
    """CA private key, mode 0600 (kept so tests can issue more certificates if they need to)."""


def _new_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=_KEY_SIZE)


def _write_private(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` creating it with mode 0600 from the start."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        os.write(fd, data)
    finally:
        os.close(fd)
    os.chmod(path, 0o600)


def _key_pem(key: rsa.RSAPrivateKey) -> bytes:
    return key.private_bytes(
        encoding=serialization.Encoding.PEM,
        format=serialization.PrivateFormat.TraditionalOpenSSL,
        encryption_algorithm=serialization.NoEncryption(),
    )


def _load_ca(ca_file: Path, ca_key_file: Path) -> tuple[x509.Certificate, rsa.RSAPrivateKey]:
    cert = x509.load_pem_x509_certificate(ca_file.read_bytes())
    key = serialization.load_pem_private_key(ca_key_file.read_bytes(), password=None)
    assert isinstance(key, rsa.RSAPrivateKey)
    return cert, key


def _new_ca(name: str, not_before: _dt.datetime,
            not_after: _dt.datetime) -> tuple[x509.Certificate, rsa.RSAPrivateKey]:
    ca_key = _new_key()
    ca_subject = x509.Name(
        [
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "adba tests"),
            x509.NameAttribute(NameOID.COMMON_NAME, name),
        ]
    )
    ca_ski = x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key())
    ca_cert = (
        x509.CertificateBuilder()
        .subject_name(ca_subject)
        .issuer_name(ca_subject)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(not_before)
        .not_valid_after(not_after)
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(ca_ski, critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    return ca_cert, ca_key


def _server_certificate(ca_cert: x509.Certificate, ca_key: rsa.RSAPrivateKey, fqdn: str, ip: str,
                        not_before: _dt.datetime, not_after: _dt.datetime,
                        aliases: tuple[str, ...] = ()) -> tuple[x509.Certificate, rsa.RSAPrivateKey]:
    key = _new_key()
    ca_ski = x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key())
    cert = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, fqdn)]))
        .issuer_name(ca_cert.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(not_before)
        .not_valid_after(not_after)
        .add_extension(
            x509.SubjectAlternativeName([x509.DNSName(fqdn), *map(x509.DNSName, aliases),
                                         x509.IPAddress(ipaddress.ip_address(ip))]),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=False,
                key_encipherment=True,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=False,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(ca_ski),
            critical=False,
        )
        .sign(ca_key, hashes.SHA256())
    )
    return cert, key


def _write(directory: Path, ca_cert: x509.Certificate, ca_key: rsa.RSAPrivateKey,
           cert: x509.Certificate, key: rsa.RSAPrivateKey) -> TlsFiles:
    directory.mkdir(parents=True, exist_ok=True)
    files = TlsFiles(
        ca_file=directory / "ca.pem",
        cert_file=directory / "cert.pem",
        key_file=directory / "key.pem",
        ca_key_file=directory / "ca-key.pem",
    )
    files.ca_file.write_bytes(ca_cert.public_bytes(serialization.Encoding.PEM))
    files.cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    _write_private(files.key_file, _key_pem(key))
    _write_private(files.ca_key_file, _key_pem(ca_key))
    return files


def write_tls_files(
    directory: Path,
    fqdn: str,
    ip: str,
    *,
    ca_name: str = "adba test CA",
    valid_days: int = 30,
    aliases: tuple[str, ...] = (),
) -> TlsFiles:
    """Create a CA and a server certificate for ``fqdn``/``ip`` in ``directory``.

    The server certificate carries the SANs ``DNS:<fqdn>`` and ``IP:<ip>`` only, the
    ``serverAuth`` extended key usage, and an authority key identifier, so it also passes
    OpenSSL's strict X.509 checks.  Private keys are written with mode 0600 (Samba refuses a
    key file that others can read).

    Args:
        directory: where to write ``ca.pem``, ``ca-key.pem``, ``cert.pem`` and ``key.pem``
            (created if missing).
        fqdn: the DC's DNS name, e.g. ``dc1.contoso.test``.
        ip: the DC's IP address, e.g. ``127.0.0.9``.
        ca_name: common name of the CA.
        valid_days: validity of both certificates, counted from one hour ago.
        aliases: more DNS names for the server certificate (none by default).

    Returns:
        The paths of the files written.
    """
    now = _dt.datetime.now(_dt.UTC)
    not_before = now - _dt.timedelta(hours=1)
    not_after = now + _dt.timedelta(days=valid_days)
    ca_cert, ca_key = _new_ca(f"{ca_name} ({fqdn})", not_before, not_after)
    cert, key = _server_certificate(ca_cert, ca_key, fqdn, ip, not_before, not_after, aliases)
    return _write(directory, ca_cert, ca_key, cert, key)


def issue_server_certificate(directory: Path, fqdn: str, ip: str, ca: TlsFiles, *,
                             valid_days: int = 30, aliases: tuple[str, ...] = ()) -> TlsFiles:
    """A server certificate for ``fqdn``/``ip`` signed by an existing harness CA (``ca``, e.g.
    the first DC's :class:`TlsFiles`), written to ``directory`` with a copy of that CA: a second
    DC of the same forest then validates against the same ``ca.pem`` as the first."""
    now = _dt.datetime.now(_dt.UTC)
    ca_cert, ca_key = _load_ca(ca.ca_file, ca.ca_key_file)
    cert, key = _server_certificate(ca_cert, ca_key, fqdn, ip, now - _dt.timedelta(hours=1),
                                    now + _dt.timedelta(days=valid_days), aliases)
    return _write(directory, ca_cert, ca_key, cert, key)
