"""The pure-Python baseline: a plain ldap3 paged loop over the computers.

Binds like ``adba`` does (simple bind over validated LDAPS), pages through
``(objectCategory=computer)`` 1,000 entries at a time asking for the attributes the coverage
report needs, touches every value and prints how many entries it saw.  Nothing else: no
decoding, no report.  It is what ``docs/performance.md`` compares ``adba`` with, next to
``ldapsearch``.  ``coverage_bench.py`` runs it as a child process::

    python bench/ldap3_baseline.py --server 127.0.0.21 --user reader@contoso.test \\
        --password-file pw --ca-file ca.pem --base DC=contoso,DC=test
"""

from __future__ import annotations

import argparse
import ssl
import sys
from collections.abc import Sequence

import ldap3
from ldap3.protocol.rfc2696 import paged_search_control

ATTRIBUTES = ("cn", "operatingSystem", "operatingSystemVersion", "dNSHostName",
              "lastLogonTimestamp", "userAccountControl")
FILTER = "(objectCategory=computer)"
PAGE_SIZE = 1000


def count_computers(server: str, user: str, password: str, ca_file: str, base: str) -> int:
    """Page through every computer under ``base``; return how many entries arrived."""
    tls = ldap3.Tls(validate=ssl.CERT_REQUIRED, ca_certs_file=ca_file)
    conn = ldap3.Connection(ldap3.Server(server, port=636, use_ssl=True, tls=tls,
                                         get_info=ldap3.NONE),
                            user=user, password=password, authentication=ldap3.SIMPLE,
                            auto_bind=ldap3.AUTO_BIND_NO_TLS, read_only=True)
    count = 0
    values = 0
    cookie: bytes | None = b""
    try:
        while cookie is not None:
            conn.search(base, FILTER, ldap3.SUBTREE, attributes=list(ATTRIBUTES),
                        controls=[paged_search_control(False, PAGE_SIZE, cookie)])
            for entry in conn.response:
                if entry.get("type") == "searchResEntry":
                    count += 1
                    values += sum(len(v) for v in entry["raw_attributes"].values())
            control = conn.result.get("controls", {}).get("1.2.840.113556.1.4.319", {})
            cookie = control.get("value", {}).get("cookie") or None
    finally:
        conn.unbind()
    return count


def main(argv: Sequence[str] | None = None) -> int:
    """Command line; prints the number of computers."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--server", required=True)
    parser.add_argument("--user", required=True)
    parser.add_argument("--password-file", required=True)
    parser.add_argument("--ca-file", required=True)
    parser.add_argument("--base", required=True)
    args = parser.parse_args(argv)
    with open(args.password_file, encoding="utf-8") as handle:
        password = handle.read().rstrip("\r\n")
    print(count_computers(args.server, args.user, password, args.ca_file, args.base))
    return 0


if __name__ == "__main__":
    sys.exit(main())
