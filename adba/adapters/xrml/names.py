"""Namespace URIs and algorithm identifiers of SPP's XrML licences."""

from __future__ import annotations

REL = "urn:mpeg:mpeg21:2003:01-REL-R-NS"
MX = "urn:mpeg:mpeg21:2003:01-REL-MX-NS"
SL = "http://www.microsoft.com/DRM/XrML2/SL/v2"
TM = "http://www.microsoft.com/DRM/XrML2/TM/v2"
DSIG = "http://www.w3.org/2000/09/xmldsig#"
PKEY = "http://www.microsoft.com/DRM/PKEY/Configuration/2.0"

LWC14N = "http://www.microsoft.com/xrml/lwc14n"
LICENSE_TRANSFORM = "urn:mpeg:mpeg21:2003:01-REL-R-NS:licenseTransform"
RSA_SHA1 = "http://www.w3.org/2000/09/xmldsig#rsa-sha1"
SHA1 = "http://www.w3.org/2000/09/xmldsig#sha1"
