"""Reading and verifying the XrML (``xrm-ms``) licences stored on activation objects.

:func:`read_licence_blob` turns the bytes of one ``msSPP-*License`` attribute (or a
``.xrm-ms`` file) into a :class:`~adba.core.licences.LicenceDocument`: never an exception,
whatever the bytes.
"""

from __future__ import annotations

from adba.adapters.xrml.reader import MAX_LICENCE_BYTES, read_licence_blob

__all__ = ["MAX_LICENCE_BYTES", "read_licence_blob"]
