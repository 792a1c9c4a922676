"""The "Sicily" NTLM bind that Windows domain controllers offer (MS-ADTS 5.1.1.1.3).

Sicily carries raw NTLM messages in three BindRequests of its own authentication choices
(``[9]`` package discovery, ``[10]`` negotiate, ``[11]`` response); the DC answers in a
SicilyBindResponse, whose data (the package list, then the NTLM CHALLENGE) travels where an
LDAP result has its matchedDN. It is what ldap3's ``NTLM`` and ldp.exe's NTLM bind use.

adba builds the NTLM messages with pyspnego (its own MD4, so OpenSSL 3 is no obstacle):

* over LDAPS/StartTLS, no signing or sealing (the TLS session protects the traffic) and the
  ``tls-server-end-point`` channel-binding token inside the AUTHENTICATE message, which a DC
  that enforces channel binding (``LdapEnforceChannelBinding = 2``) requires;
* on plain port 389, NTLM sealing: after the bind every LDAP message travels as a 4-byte length
  plus the sealed message, the same framing as a SASL security layer (NTLM over Sicily offers
  no signing without sealing).

Samba implements only SASL GSS-SPNEGO; it closes the connection on a Sicily bind.
"""

from __future__ import annotations

from typing import Any

from ldap3.protocol.rfc4511 import (
    LDAPDN,
    AuthenticationChoice,
    BindRequest,
    SicilyNegotiate,
    SicilyPackageDiscovery,
    SicilyResponse,
    Version,
)

from adba.adapters.ldap.paged_stream import BerError
from adba.adapters.ldap.sasl import (
    SaslBindError,
    SaslOutcome,
    channel_bindings,
    finish_bind,
    has_flag,
    read_bind_response,
    send_bind_request,
)

SICILY = "Sicily"


class SicilyNotOffered(SaslBindError):
    """The server does not implement the Sicily bind or does not offer NTLM through it."""


def _request(name: str, choice: str, data: bytes) -> Any:
    types = {"sicilyPackageDiscovery": SicilyPackageDiscovery, "sicilyNegotiate": SicilyNegotiate,
             "sicilyResponse": SicilyResponse}
    request = BindRequest()
    request["version"] = Version(3)
    request["name"] = LDAPDN(name)
    request["authentication"] = AuthenticationChoice().setComponentByName(choice, types[choice](data))
    return request


def _exchange(connection: Any, request: Any, buffer: bytearray, step: str) -> dict[str, Any]:
    try:
        msgid = send_bind_request(connection, request)
        return read_bind_response(connection, msgid, buffer)
    except SaslBindError as exc:
        if step == "discovery" and "closed" in str(exc):
            raise SicilyNotOffered(
                "the server closed the connection on the Sicily package discovery") from exc
        raise
    except BerError as exc:
        raise SaslBindError(f"malformed answer to the Sicily {step}: {exc}") from exc


def sicily_packages(answer: dict[str, Any]) -> list[str]:
    """The package names of a package-discovery answer (``NTLM;...``)."""
    raw: bytes = answer.get("matched") or b""
    text = raw.decode("ascii", "replace").strip("\x00 ")
    return [name.strip() for name in text.split(";") if name.strip()]


def sicily_bind(connection: Any, *, hostname: str, user: str, password: str,
                tls_socket: Any | None) -> SaslOutcome:
    """Bind ``connection`` (open, not bound) with NTLM through Sicily; seal on plain LDAP.

    Raises :class:`SicilyNotOffered` when the DC has no Sicily NTLM, ``SaslBindError`` (with the
    LDAP result) when it refuses the bind, pyspnego's errors for local failures.
    """
    import spnego

    over_tls = tls_socket is not None
    buffer = bytearray()
    discovery = _exchange(connection, _request("", "sicilyPackageDiscovery", b""), buffer,
                          "discovery")
    packages = sicily_packages(discovery)
    if discovery["result"] != 0 or "NTLM" not in [p.upper() for p in packages]:
        offered = ", ".join(packages) or "none"
        raise SicilyNotOffered(f"the server offers no NTLM through Sicily (packages: {offered})",
                               discovery if discovery["result"] != 0 else None)
    req = spnego.ContextReq.none
    if not over_tls:
        req = (spnego.ContextReq.integrity | spnego.ContextReq.confidentiality
               | spnego.ContextReq.sequence_detect)
    bindings = channel_bindings(tls_socket) if over_tls else None
    context = spnego.client(user, password, hostname=hostname, service="ldap",
                            channel_bindings=bindings, context_req=req, protocol="ntlm")
    negotiate = context.step()
    challenge = _exchange(connection, _request("NTLM", "sicilyNegotiate", negotiate or b""), buffer,
                          "negotiate")
    if challenge["result"] != 0 or not challenge["matched"].startswith(b"NTLMSSP\x00"):
        raise SaslBindError(f"Sicily negotiate refused: {challenge['description']}", challenge)
    authenticate = context.step(challenge["matched"])
    answer = _exchange(connection, _request("", "sicilyResponse", authenticate or b""), buffer,
                       "response")
    if answer["result"] != 0:
        # A SicilyBindResponse puts its error text where LDAP has the diagnostic message.
        raise SaslBindError(f"bind refused: {answer['description']}", answer)
    protection = "none"
    if not over_tls:
        if not (context.complete and has_flag(context, "confidentiality")):
            raise SaslBindError("the server did not agree to seal the session")
        protection = "sealed"
    finish_bind(connection, buffer, context, protection)
    return SaslOutcome(SICILY, "ntlm", protection)


__all__ = ["SICILY", "SicilyNotOffered", "sicily_bind", "sicily_packages"]
