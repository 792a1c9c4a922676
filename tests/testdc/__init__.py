"""Real-DC test harness for ``adba``: throw-away Samba AD DCs on loopback addresses.

No pytest dependency: tests and the benchmark script both use it.  Typical use::

    from tests.testdc import ActivationObjectSeed, DCSpec, start_dc

    spec = DCSpec(ip="127.0.0.9", objects=(ActivationObjectSeed("ao1", {...}),))
    with start_dc(spec) as dc:
        conn = dc.reader_connection()          # plain Domain User, validated LDAPS
        conn.search(dc.ao_container_dn, "(objectClass=msSPP-ActivationObject)")

What :func:`start_dc` builds (details in :class:`DCSpec` and ``docs`` of each function):

* a forest ``spec.realm`` provisioned with ``--dns-backend=NONE`` and a random Administrator
  password, Samba bound to ``spec.ip`` only (IPv4; the address is added to ``lo`` when needed
  and removed again by ``stop()``);
* LDAPS with a harness-generated CA (``dc.ca_file``); the server certificate names only
  ``dc.host`` (``<hostname>.<realm>``) and ``dc.ip``.  ``dc.host`` does not resolve: use
  ``dc.server(name=dc.host)`` / ``dc.connect(..., name=...)`` to connect to the IP while
  validating another name (``name="localhost"`` fails validation);
* the plain Domain User ``reader`` (``dc.user_upn``/``dc.user_down_level``/``dc.user_password``);
* ``spec.spp_containers``:
  ``"forestprep"`` - ``CN=Microsoft SPP`` (class ``container``) and ``CN=Activation Objects``
  (class ``msSPP-ActivationObjectsContainer``), each with :data:`FORESTPREP_ACES` added;
  ``"no-au-read"`` - both containers, only inherited ACEs;
  ``"missing"`` - neither.  With ``base_schema="2008_R2"`` (no msSPP classes) only
  ``CN=Microsoft SPP`` is created;
* ``spec.extra_container_aces`` added to ``CN=Activation Objects``, then ``spec.objects`` added
  as Administrator (the server enforces its schema ranges), then ``spec.extra_ldif``.
"""

from .certs import TlsFiles, write_tls_files
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
    "samba_available",
    "sddl_to_binary",
    "start_dc",
    "write_tls_files",
]
