"""What kind of licence a product holds, from what slmgr and WMI print about it.

ADBA activates one kind only: a volume edition installed with its KMS client setup key (GVLK).
Every other kind needs its own explanation and, above all, its own fix: telling a KMS host to
install a GVLK would remove its host key, an evaluation edition cannot take a volume key at all,
and an ESU add-on is activated with its own MAK by design.

The classifier reads ``Description`` (``..., <CHANNEL> channel``), the channel parsed from it,
``ProductKeyChannel`` (``Volume:GVLK``, ``Volume:CSVLK``, ``Retail:TB:Eval``...), ``Name``
(``Windows(R), ServerStandardEval edition``, ``..., Client-ESU-Year1 add-on for ...``) and whether
the product runs a KMS host. slmgr itself tells SKUs apart by the same substrings of Description
(``VOLUME_KMSCLIENT``, ``VOLUME_KMS``, ``TIMEBASED_``, ``VIRTUAL_MACHINE_ACTIVATION``, ``MAK``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

from adba.core.client import ProductStatus
from adba.core.fast_init import fast_init
from adba.core.kept import Kept


class ProductKind(StrEnum):
    """The licence kinds diagnoses tell apart (the JSON ``kind`` values)."""

    KMS_CLIENT = "kms-client"
    """A volume edition with its GVLK: what ADBA (or KMS) activates."""
    KMS_HOST = "kms-host"
    """A KMS host key (CSVLK) is installed: the machine activates others."""
    EVALUATION = "evaluation"
    ESU = "esu-addon"
    SUBSCRIPTION = "subscription"
    HOME = "home"
    MAK = "mak"
    RETAIL = "retail"
    OEM = "oem"
    AVMA = "avma"
    UNKNOWN = "unknown"
    """Nothing in the report says which key is installed."""

    @property
    def label(self) -> str:
        """How the kind reads in a sentence."""
        return _LABELS[self]


_LABELS = {
    ProductKind.KMS_CLIENT: "volume edition with its KMS client key (GVLK)",
    ProductKind.KMS_HOST: "KMS host key (CSVLK)",
    ProductKind.EVALUATION: "evaluation edition",
    ProductKind.ESU: "Extended Security Updates add-on",
    ProductKind.SUBSCRIPTION: "subscription licence",
    ProductKind.HOME: "Home edition",
    ProductKind.MAK: "Multiple Activation Key (MAK)",
    ProductKind.RETAIL: "retail key",
    ProductKind.OEM: "OEM key",
    ProductKind.AVMA: "Automatic Virtual Machine Activation (AVMA) key",
    ProductKind.UNKNOWN: "key of unknown kind",
}


@fast_init
@dataclass(frozen=True)
class Classification:
    """A product's kind, whether it is a server edition, and the text that decided it."""

    kind: ProductKind
    server: bool | None
    """True for a Windows Server edition, False for a client edition, None if unknown."""
    reason: str
    """The field and value the kind was read from, for evidence lines."""
    edition: str | None = None
    """The edition id from Name (``ServerStandardEval``, ``Enterprise``, ``Core``...)."""


_EDITION_RE = re.compile(r",\s*(?P<edition>[A-Za-z0-9]+)\s+edition\b", re.IGNORECASE)
_ESU_RE = re.compile(r"(?:^|[^A-Za-z])ESU(?:[^A-Za-z]|$)")
_EVAL_NAME_RE = re.compile(r"Eval(?:uation)?(?:[^a-z]|$)")
_HOME_EDITIONS = frozenset({
    "core", "coren", "coresinglelanguage", "corecountryspecific", "coreconnected",
    "coreconnectedn", "coreconnectedsinglelanguage", "coreconnectedcountryspecific", "corearm",
})


def edition_id(name: str | None) -> str | None:
    """The edition id in ``Windows(R), <Edition> edition`` (None when the name has none)."""
    match = _EDITION_RE.search(name or "")
    return match["edition"] if match else None


def is_server(p: ProductStatus, os_name: str | None = None) -> bool | None:
    """Whether the product is a Windows Server edition (None when nothing says)."""
    texts = [t for t in (p.name, p.description, os_name) if t]
    if not texts:
        return None
    return any("server" in t.lower() for t in texts)


_KEPT: Kept[tuple[object, ...], Classification] = Kept(1024)
"""Classifications by the fields they depend on (a fleet has few distinct products)."""


def classify(p: ProductStatus, os_name: str | None = None) -> Classification:
    """The licence kind of one product; ``os_name`` is the report's OS name, when known.

    Order matters: an ESU add-on carries a MAK, an evaluation edition a retail-channel
    time-based key, and a KMS host may also show a Validation URL; each is told apart before
    the plain channel decides. The answer depends only on the product's name, description,
    channel, key channel and KMS-host marks and on ``os_name``: it is kept by those.
    """
    key = (p.name, p.description, p.channel, p.product_key_channel, p.is_kms_host,
           p.kms_host is not None, os_name)
    return _KEPT.get(key, lambda: _classify(p, os_name),
                     keep=sum(len(t) for t in key if isinstance(t, str)) <= 2000)


def _classify(p: ProductStatus, os_name: str | None) -> Classification:
    name = p.name or ""
    desc = (p.description or "").upper()
    channel = (p.channel or "").upper()
    key_channel = (p.product_key_channel or "").lower()
    server = is_server(p, os_name)
    edition = edition_id(p.name)

    def kind(k: ProductKind, reason: str) -> Classification:
        return Classification(k, server, reason, edition)

    if _ESU_RE.search(name):
        return kind(ProductKind.ESU, f"Name: {name}")
    gvlk = key_channel == "volume:gvlk" or "VOLUME_KMSCLIENT" in desc or channel == "VOLUME_KMSCLIENT"
    kms_channel = ("VOLUME_KMS" in desc and "VOLUME_KMSCLIENT" not in desc) or \
        (channel.startswith("VOLUME_KMS") and channel != "VOLUME_KMSCLIENT")
    if key_channel == "volume:csvlk" or kms_channel:
        return kind(ProductKind.KMS_HOST, _field(p, "Volume:CSVLK", "VOLUME_KMS"))
    if (p.is_kms_host or p.kms_host is not None) and not gvlk:
        return kind(ProductKind.KMS_HOST, "the report shows this product's KMS host block")
    if "TIMEBASED_EVAL" in desc or "TIMEBASED_EVAL" in channel or "eval" in key_channel or \
            _EVAL_NAME_RE.search(edition or "") or _EVAL_NAME_RE.search(name):
        return kind(ProductKind.EVALUATION, _field(p, "eval", "TIMEBASED_EVAL", "Eval"))
    if "TIMEBASED_SUB" in desc or "TIMEBASED_SUB" in channel or "subscription" in key_channel:
        return kind(ProductKind.SUBSCRIPTION, _field(p, "subscription", "TIMEBASED_SUB"))
    if gvlk:
        return kind(ProductKind.KMS_CLIENT, _field(p, "Volume:GVLK", "VOLUME_KMSCLIENT"))
    home = (edition or "").lower() in _HOME_EDITIONS and not server
    if home or (os_name and re.search(r"\bHome\b", os_name) and not server):
        return kind(ProductKind.HOME, f"Name: {name}" if home else f"OS: {os_name}")
    if "VIRTUAL_MACHINE_ACTIVATION" in desc or "VIRTUAL_MACHINE_ACTIVATION" in channel or \
            "avma" in key_channel:
        return kind(ProductKind.AVMA, _field(p, "avma", "VIRTUAL_MACHINE_ACTIVATION"))
    if "mak" in key_channel or "MAK" in channel or "VOLUME_MAK" in desc:
        return kind(ProductKind.MAK, _field(p, "mak", "MAK"))
    if key_channel.startswith("oem") or channel.startswith("OEM") or ", OEM" in desc:
        return kind(ProductKind.OEM, _field(p, "oem", "OEM"))
    if key_channel.startswith("retail") or channel.startswith("RETAIL") or "RETAIL" in desc:
        return kind(ProductKind.RETAIL, _field(p, "retail", "RETAIL"))
    return kind(ProductKind.UNKNOWN, "the report names no key channel")


def _field(p: ProductStatus, key_channel_word: str, *desc_words: str) -> str:
    """The first field that holds one of the words, as ``Field: value``."""
    if p.product_key_channel and key_channel_word.lower() in p.product_key_channel.lower():
        return f"Product Key Channel: {p.product_key_channel}"
    for label, value in (("Description", p.description), ("channel", p.channel),
                         ("Name", p.name)):
        if value and any(w.upper() in value.upper() for w in desc_words):
            return f"{label}: {value}"
    return f"Description: {p.description}" if p.description else "the report's licence fields"


ADBA_KINDS = frozenset({ProductKind.KMS_CLIENT, ProductKind.UNKNOWN})
"""Kinds that may be ADBA clients (UNKNOWN: nothing says otherwise)."""
