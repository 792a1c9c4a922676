"""Every domain controller of the forest, and each one's copy of the ADBA configuration.

The DC list comes from the directory itself: the ``nTDSDSA`` objects under
``CN=Sites,<ConfigNC>`` (one per DC; ``nTDSDSARO`` for read-only DCs), their parent server
object's ``dNSHostName`` and the site above it; it is cross-checked with the domains'
``_ldap._tcp.dc._msdcs`` SRV records when DNS is asked (``--domain``/``--dns-server``).
Each DC is then read in a bounded thread pool with the same options and credentials, by the
reader ``adba scan`` uses (:func:`adba.adapters.ldap.reader.read_forest`).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from typing import Any

from ldap3.core.exceptions import LDAPException
from ldap3.utils.dn import parse_dn

from adba.adapters.ldap.connection import ConnectOptions, SessionInfo, connect_endpoint
from adba.adapters.ldap.directory import ReadOnlyDirectory
from adba.adapters.ldap.target import Endpoint, Transport, is_ip_address
from adba.adapters.records import RawForest
from adba.core.consistency import DomainController
from adba.errors import AdbaError

log = logging.getLogger("adba.ldap")

NTDS_ATTRIBUTES = ("objectClass", "options", "msDS-isRODC")
SERVER_ATTRIBUTES = ("dNSHostName", "serverReference")
MAX_DCS = 5000  # pages of 500: more DCs than any forest has
DEFAULT_WORKERS = 8


@dataclass
class DcRead:
    """What reading one DC gave: its raw copy and own NTDS settings, or the error."""

    dc: DomainController
    raw: RawForest | None = None
    options: int | None = None
    error: str | None = None
    seconds: float = 0.0


def _rdn_value(component: tuple[str, str, str]) -> str:
    return component[1].replace("\\,", ",").replace("\\\\", "\\")


def _parse(dn: str) -> list[tuple[str, str, str]]:
    """The DN's components; none for a DN that does not parse (a hostile or broken server)."""
    try:
        return list(parse_dn(dn, escape=False, strip=True))
    except (LDAPException, ValueError, IndexError):
        return []


def _parent(dn: str) -> tuple[str, str | None]:
    """The DN of the server object above an nTDSDSA object, and the site's name
    (``CN=NTDS Settings,CN=<server>,CN=Servers,CN=<site>,CN=Sites,...``)."""
    parts = _parse(dn)
    server = dn.split(",", 1)[1] if "," in dn and parts else ""
    site = _rdn_value(parts[3]) if len(parts) > 3 else None
    return server.strip(), site


def _first(entry: Any, name: str) -> str | None:
    for key, values in (entry.attributes if entry is not None else {}).items():
        if key.lower() == name.lower() and values:
            return bytes(values[0]).decode("utf-8", "replace")
    return None


def _is_rodc(entry: Any) -> bool:
    classes = {bytes(v).decode("utf-8", "replace").lower()
               for v in entry.attributes.get("objectClass", [])}
    flag = (_first(entry, "msDS-isRODC") or "").upper()
    return "ntdsdsaro" in classes or flag == "TRUE"


def _int(text: str | None) -> int | None:
    try:
        return int(text) if text is not None else None
    except ValueError:
        return None


def domain_of(server_reference: str | None, host: str) -> str:
    """The DNS domain a DC belongs to: from its computer account's DN (``DC=`` parts of the
    server object's ``serverReference``), else the host name without its first label."""
    if server_reference:
        labels = [v for a, v, _s in _parse(server_reference) if a.upper() == "DC"]
        if labels:
            return ".".join(labels).lower()
    return host.split(".", 1)[1].lower() if "." in host else host.lower()


def directory_dcs(directory: ReadOnlyDirectory, config_nc: str) -> list[tuple[DomainController,
                                                                             str]]:
    """Every DC the directory knows, with the DNS domain each belongs to.

    An nTDSDSA object whose server object has no ``dNSHostName`` is listed under the server's
    name (it will fail to connect, which the report shows).
    """
    found: list[tuple[DomainController, str]] = []
    for entry in directory.search(f"CN=Sites,{config_nc}", "(objectClass=nTDSDSA)", "sub",
                                  NTDS_ATTRIBUTES, page_size=500, max_pages=MAX_DCS // 500):
        server_dn, site = _parent(entry.dn)
        server = directory.read(server_dn, SERVER_ATTRIBUTES) if server_dn else None
        parts = _parse(server_dn) if server_dn else []
        name = (_first(server, "dNSHostName") or (_rdn_value(parts[0]) if parts else entry.dn))
        dc = DomainController(name=name.lower().rstrip("."), site=site, rodc=_is_rodc(entry),
                              origin="directory", ntds_dn=entry.dn,
                              options=_int(_first(entry, "options")))
        found.append((dc, domain_of(_first(server, "serverReference"), dc.name)))
    found.sort(key=lambda item: item[0].name)
    return found


def own_settings(directory: ReadOnlyDirectory) -> tuple[str | None, int | None, bool | None,
                                                       str | None]:
    """The DC's own nTDSDSA object (rootDSE ``dsServiceName``): its DN, ``options``, whether it
    is read-only and its site, as the DC itself serves them."""
    root = directory.root_dse(["dsServiceName"])
    ntds_dn = _first(root, "dsServiceName")
    if not ntds_dn:
        return None, None, None, None
    entry = directory.read(ntds_dn, NTDS_ATTRIBUTES)
    if entry is None:
        return ntds_dn, None, None, None
    return ntds_dn, _int(_first(entry, "options")), _is_rodc(entry), _parent(ntds_dn)[1]


def endpoint_of(dc: DomainController, transport: Transport) -> Endpoint:
    """Where to connect to ``dc``."""
    return Endpoint(host=dc.name, port=dc.port or transport.default_port, address=dc.address)


def resolve_names(dcs: Sequence[DomainController], resolver: Any) -> list[DomainController]:
    """Give each DC named by DNS name an address from ``resolver`` (``--dns-server``), so a
    DC unknown to this machine's own resolver is still reached; names it does not know stay
    as they are (the connection then reports them)."""
    from adba.adapters.ldap.discovery import address_of

    out = []
    for dc in dcs:
        if dc.address is None and not is_ip_address(dc.name):
            dc = replace(dc, address=address_of(dc.name, resolver))
        out.append(dc)
    return out


def srv_hosts(domains: Sequence[str], resolver: Any) -> tuple[dict[str, set[str]], list[str]]:
    """Targets of each domain's ``_ldap._tcp.dc._msdcs`` SRV records (an empty set when DNS
    says there are none), and the lookups that failed otherwise (as text: those domains are
    left out of the cross-check, which the report says)."""
    import dns.exception
    import dns.rdatatype
    import dns.resolver

    from adba.adapters.ldap.discovery import srv_name

    hosts: dict[str, set[str]] = {}
    failures: list[str] = []
    for domain in sorted(set(domains)):
        name = srv_name(domain)
        try:
            answer = resolver.resolve(name, dns.rdatatype.SRV)
        except (dns.resolver.NXDOMAIN, dns.resolver.NoAnswer):
            hosts[domain] = set()
            continue
        except dns.exception.DNSException as exc:
            failures.append(f"{name}: {type(exc).__name__}")
            continue
        hosts[domain] = {str(r.target).rstrip(".").lower() for r in answer
                         if str(r.target) not in ("", ".")}
    return hosts, failures


def read_one(dc: DomainController, options: ConnectOptions, ends_at: float,
             progress: Callable[[str], None],
             bound: tuple[ReadOnlyDirectory, SessionInfo] | None = None) -> DcRead:
    """Connect to ``dc`` (or use the session already ``bound`` to it), read its copy with the
    scan's reader and its own NTDS settings; any failure is kept as the DC's error."""
    from adba.adapters.ldap.reader import read_forest

    started = time.monotonic()
    result = DcRead(dc)
    directory: ReadOnlyDirectory | None = None
    try:
        if bound is None:
            directory, session = connect_endpoint(endpoint_of(dc, options.transport), options,
                                                  ends_at)
        else:
            directory, session = bound
        result.raw = read_forest(directory, session, lambda msg: progress(f"{dc.name}: {msg}"))
        ntds_dn, result.options, rodc, site = own_settings(directory)
        result.dc = replace(dc, ntds_dn=dc.ntds_dn or ntds_dn,
                            rodc=dc.rodc if dc.rodc is not None else rodc,
                            site=dc.site or site)
    except (AdbaError, LDAPException, OSError, ValueError) as exc:
        result.raw = None
        result.error = getattr(exc, "message", None) or str(exc) or type(exc).__name__
        log.warning("%s: %s", dc.name, result.error)
    finally:
        if directory is not None:
            directory.close()
    result.seconds = time.monotonic() - started
    return result


def read_all(dcs: Sequence[DomainController], options: ConnectOptions, *, ends_at: float,
             progress: Callable[[str], None], workers: int = DEFAULT_WORKERS,
             bound: dict[str, tuple[ReadOnlyDirectory, SessionInfo]] | None = None
             ) -> list[DcRead]:
    """Read every DC, at most ``workers`` at a time; results in the order of ``dcs``.

    ``bound`` maps a DC name to a session already open to it (the DC the list came from),
    which is used instead of a second connection and closed when done.
    """
    sessions = dict(bound or {})
    with ThreadPoolExecutor(max_workers=max(1, min(workers, len(dcs) or 1)),
                            thread_name_prefix="adba-dc") as pool:
        futures = [pool.submit(read_one, dc, options, ends_at, progress, sessions.pop(dc.name,
                                                                                        None))
                   for dc in dcs]
        results = [f.result() for f in futures]
    for directory, _session in sessions.values():  # a bound session no DC of the list used
        directory.close()
    return results
