"""Real-DC test harness for ``adba``: throw-away Samba AD DCs on loopback addresses.

No pytest dependency: tests and the benchmark script both use it.  Typical use::

    from tests.testdc import ActivationObjectSeed, DCSpec, start_dc

    spec = DCSpec(ip="127.0.0.9", objects=(ActivationObjectSeed("ao1", {...}),))
    with start_dc(spec) as dc:
        conn = dc.reader_connection()          # plain Domain User, validated LDAPS
        conn.search(dc.ao_container_dn, "(objectClass=msSPP-ActivationObject)")

What :func:`start_dc` builds (details in :class:`DCSpec` and the function docstrings):

* a forest ``spec.realm`` provisioned with ``--dns-backend=NONE`` and a random Administrator
  password, Samba bound to ``spec.ip`` only (IPv4; the address is added to ``lo`` when needed
  and removed again by ``stop()``), everything it writes under the workdir;
* LDAPS with a harness-generated CA (``dc.ca_file``); the server certificate names only
  ``dc.host`` (``<hostname>.<realm>``) and ``dc.ip``.  ``dc.host`` does not resolve (no
  ``/etc/hosts`` edits): ``dc.server(name=...)`` / ``dc.connect(..., name=...)`` connect to the
  IP while validating another name (``name="localhost"`` fails validation);
* the plain Domain User ``reader`` (``dc.user_upn``/``dc.user_down_level``/``dc.user_password``);
* unless ``spec.windows_default_sd=False``: the msSPP classes' ``defaultSecurityDescriptor``
  repaired in the schema (Samba 4.17's copy does not parse, so activation objects would get
  only inherited ACEs and a plain user would see their DNs but no attributes);
* ``spec.spp_containers``, each container created over LDAP with an explicit DACL, like
  forestprep operations 91/92 (inherited ACEs from ``CN=Services`` are added by the DC):
  ``"forestprep"`` - ``CN=Microsoft SPP`` (class ``container``) and ``CN=Activation Objects``
  (class ``msSPP-ActivationObjectsContainer``), explicit ACEs :data:`FORESTPREP_ACES`;
  ``"no-au-read"`` - both containers with no explicit ACE (only the inherited EA/DA ones);
  ``"missing"`` - neither.  With ``base_schema="2008_R2"`` (no msSPP classes, schema
  objectVersion 47) only ``CN=Microsoft SPP`` is created;
* ``spec.extra_container_aces`` appended to ``CN=Activation Objects``' explicit DACL, then
  ``spec.objects`` added as Administrator (the server enforces its own schema ranges; a refusal
  raises :class:`SeedError` with the server's message), then ``spec.extra_ldif``.

Set ``ADBA_TESTDC_KEEP=1`` to keep harness-created workdirs (``/tmp/adba-dc-*``) after
``stop()``.  If the Python process dies without ``stop()``, samba exits by itself (it runs
with ``-i`` and sees EOF on stdin), but a loopback address the harness added stays.
"""

from .certs import TlsFiles, issue_server_certificate, write_tls_files
from .dc import (
    FORESTPREP_ACES,
    SPP_CLASS_DEFAULT_SD,
    SPP_CONTAINER_MODES,
    ActivationObjectSeed,
    DCSpec,
    DCStartError,
    HarnessError,
    RunningDC,
    SambaUnavailableError,
    SeedError,
    join_dc,
    samba_available,
    sddl_to_binary,
    start_dc,
)

__all__ = [
    "FORESTPREP_ACES",
    "SPP_CLASS_DEFAULT_SD",
    "SPP_CONTAINER_MODES",
    "ActivationObjectSeed",
    "DCSpec",
    "DCStartError",
    "HarnessError",
    "RunningDC",
    "SambaUnavailableError",
    "SeedError",
    "TlsFiles",
    "issue_server_certificate",
    "join_dc",
    "samba_available",
    "sddl_to_binary",
    "start_dc",
    "write_tls_files",
]
