"""Domain controller discovery through DNS SRV records (``_ldap._tcp.dc._msdcs.<domain>``)."""

from __future__ import annotations

import ipaddress
import random

import dns.exception
import dns.rdatatype
import dns.resolver

from adba.adapters.ldap.target import Endpoint, Transport
from adba.errors import DiscoveryError, UsageError


def make_resolver(dns_server: str | None, timeout: float) -> dns.resolver.Resolver:
    """A resolver using the system configuration, or only ``--dns-server IP[:PORT]``."""
    if dns_server:
        resolver = dns.resolver.Resolver(configure=False)
        address, port = _split_dns_server(dns_server)
        resolver.nameservers = [address]
        resolver.port = port
    else:
        try:
            resolver = dns.resolver.Resolver()
        except dns.resolver.NoResolverConfiguration as exc:
            raise DiscoveryError("no DNS resolver is configured on this machine",
                                 "pass --dns-server with a DC's address") from exc
    resolver.lifetime = timeout
    resolver.timeout = timeout
    return resolver


def _split_dns_server(text: str) -> tuple[str, int]:
    value = text.strip()
    port = 53
    if value.startswith("["):
        host, _, rest = value[1:].partition("]")
        if rest.startswith(":"):
            port = int(rest[1:]) if rest[1:].isdigit() else -1
    elif value.count(":") == 1:
        host, _, port_text = value.partition(":")
        port = int(port_text) if port_text.isdigit() else -1
    else:
        host = value
    try:
        ipaddress.ip_address(host)
    except ValueError as exc:
        raise UsageError(f"--dns-server {text!r} is not an IP address",
                         "give the address of a DNS server, e.g. 10.0.0.1 or 10.0.0.1:5353") from exc
    if not 0 < port < 65536:
        raise UsageError(f"--dns-server {text!r}: port must be a number from 1 to 65535")
    return host, port


def srv_name(domain: str) -> str:
    """The SRV name that locates a domain's DCs."""
    return f"_ldap._tcp.dc._msdcs.{domain.strip().rstrip('.')}"


def discover_dcs(domain: str, transport: Transport, resolver: dns.resolver.Resolver) -> list[Endpoint]:
    """DCs of ``domain`` in the order to try them: SRV priority, then weighted random (RFC 2782).

    Each DC's address is resolved through the same resolver, so ``--dns-server`` alone is
    enough even when the machine's own resolver does not know the domain.
    """
    name = srv_name(domain)
    try:
        answer = resolver.resolve(name, dns.rdatatype.SRV)
    except dns.resolver.NXDOMAIN as exc:
        raise DiscoveryError(f"DNS has no {name} records",
                             "check the domain name, or pass --server") from exc
    except dns.resolver.NoAnswer as exc:
        raise DiscoveryError(f"DNS answered without SRV records for {name}",
                             "pass --server") from exc
    except dns.exception.Timeout as exc:
        raise DiscoveryError(f"DNS did not answer for {name}",
                             "check --dns-server or the network, or pass --server") from exc
    except dns.exception.DNSException as exc:
        raise DiscoveryError(f"DNS lookup of {name} failed: {exc}", "pass --server") from exc
    records = [(r.priority, r.weight, str(r.target).rstrip("."), r.port) for r in answer]
    endpoints: list[Endpoint] = []
    for _priority, _weight, host, srv_port in _order(records):
        if host in ("", "."):
            continue
        port = transport.default_port if transport is Transport.LDAPS else srv_port
        endpoints.append(Endpoint(host=host, port=port, address=address_of(host, resolver)))
    if not endpoints:
        raise DiscoveryError(f"DNS lists no usable domain controller under {name}", "pass --server")
    return endpoints


def _order(records: list[tuple[int, int, str, int]]) -> list[tuple[int, int, str, int]]:
    ordered: list[tuple[int, int, str, int]] = []
    for priority in sorted({r[0] for r in records}):
        group = [r for r in records if r[0] == priority]
        while group:
            total = sum(r[1] for r in group)
            pick = random.uniform(0, total) if total else 0
            acc = 0.0
            chosen = group[0]
            for record in group:
                acc += record[1]
                if total and acc >= pick:
                    chosen = record
                    break
            ordered.append(chosen)
            group.remove(chosen)
    return ordered


def address_of(host: str, resolver: dns.resolver.Resolver) -> str | None:
    """The first A (else AAAA) address of ``host`` through ``resolver``; None when unknown."""
    for rdtype in (dns.rdatatype.A, dns.rdatatype.AAAA):
        try:
            answer = resolver.resolve(host, rdtype)
        except dns.exception.DNSException:
            continue
        for record in answer:
            return str(record)
    return None
