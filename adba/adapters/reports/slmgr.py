"""Read what ``cscript //nologo slmgr.vbs`` printed: ``/dlv``, ``/dlv all``, ``/dli``,
``/ao-list``, ``/ato`` and ``/xpr``, into one :class:`~adba.core.client.ClientReport`.

The labels, their order and indentation are those of Microsoft's ``slmgr.vbs`` (English
built-in strings; see the facts file, section 3). The reader works line by line and is
deliberately tolerant of how the text got here:

* the Windows Script Host banner (``Microsoft (R) Windows Script Host Version ...`` and the
  copyright line) and echoed command prompts (``C:\\>slmgr /dlv``, ``PS C:\\> ...``) are skipped;
* indentation is ignored (copies often lose it); blocks are told apart by their headers;
* blank lines between fields are ignored;
* lines hard-wrapped by a console copy are re-joined: a row exactly 80 (or 120) characters
  long, or one shorter when the copy trimmed a trailing space, followed by a non-blank row
  that is not a slmgr line of its own, is continued by that row. Each re-join is noted;
* Vista/7 output (no ``Product Key Channel``, ``Configured Activation Type`` or ``Most recent
  activation information``) simply leaves those fields ``None``;
* dates (``Trusted time``, ``/xpr`` end dates) are locale-formatted; they are never parsed
  (``/xpr`` dates are kept as text in ``notes``);
* a file that ends inside a line (no final line break) is read up to there: that last line is
  used only when its value is complete by its own syntax (a whole GUID, a five-character
  partial key, a whole extended PID, an exact status text, ...). A half ``License Status``
  line is never turned into a status.

What becomes what:

* ``Name:`` starts a product block (``/dlv``, ``/dli``; several with ``/dlv all``); every value
  read into a product adds an :class:`~adba.core.client.Evidence` (source, ``line N`` or
  ``lines N-M`` for a re-joined line, the line's text). A block saying ``This license is not
  in use.`` (no product key; ``/dlv all`` lists dozens) is left out of ``products``, with a
  note naming it, as the WMI reader leaves out instances without a ``PartialProductKey``.
* ``AD Activation client information`` -> ``ad`` and ``vl_activation_type = AD``;
  ``Key Management Service client information`` -> ``kms`` and ``vl_activation_type = KMS``;
  ``Token-based Activation information`` -> ``vl_activation_type = TOKEN``;
  KMS host lines (``Key Management Service is enabled on this machine``, counters) ->
  ``is_kms_host``; any licence URL line (``Validation URL:`` etc.) -> ``has_validation_url``.
* ``/ao-list``: ``ao_list`` (``()`` for ``No objects found``; ``()`` and
  ``ao_list_unsupported_schema`` for the schema message). Output cut after the ``Activation
  Objects`` header leaves ``ao_list`` ``None`` with a note.
* ``Error: 0x<hex> <text>`` (also ``Error: <decimal>``, ``Error 0x<hex> occurred in ...``) ->
  ``errors`` with the HRESULT as an unsigned 32-bit number, whatever the wording. slmgr errors
  printed **without** a code (``Error: product key not found.``, ``Error: product not found.``,
  ``Error: Product activation failed.``, ...) are reported with the sentinel
  :data:`NO_HRESULT` (0xFFFFFFFF) and the message as ``text``.
* ``/ato``: ``Activating <Name> (<ID>) ...`` plus ``Product activated successfully.`` or an
  error; ``/xpr``: ``<Name>:`` plus the status sentence. These become products (name,
  activation ID, licence status) only when the file holds no ``/dlv``/``/dli`` product block,
  which would describe the same products in full.

Other UI languages: slmgr loads translated labels from ``slmgr\\<LANGID>\\slmgr.ini``. Such
output is refused with ``UnreadableReport("slmgr output in an unsupported language (looks like
German)")`` rather than half-read. It is recognised by (a) lines starting with a known
translated label -- only the German ``Lizenzstatus: Lizenziert`` was confirmed from public
scripts; the other labels in ``_LOCALIZED_LABELS`` are best guesses -- when they outnumber the
English core labels, or (b) text with no English slmgr line but at least two kinds of slmgr
values behind unknown labels (a GUID, an extended PID, a five-character partial key, a
``..., <CHANNEL> channel`` description, a ``..., <X> edition`` name), or (c) a product block
that has none of the English core labels but unknown ``label: value`` lines. The language is
guessed from the script (Cyrillic, CJK, ...) or from label words.
"""

from __future__ import annotations

import math
import re
import uuid
from dataclasses import dataclass, field
from typing import Any

from adba.core.client import (
    ActivationType,
    AdActivation,
    AoListEntry,
    ClientReport,
    Evidence,
    KmsClient,
    KmsHost,
    LicenseStatus,
    ProductStatus,
    ReportedError,
    UnreadableReport,
)

__all__ = ["NO_HRESULT", "WRAP_WIDTHS", "read_slmgr", "sniff_slmgr"]

NO_HRESULT = 0xFFFFFFFF
"""``ReportedError.hresult`` of an error slmgr printed without a code (the text says which).
0xFFFFFFFF is not an SPP or Win32 error code."""

WRAP_WIDTHS = (80, 120)
"""Console widths whose hard-wrapped rows are re-joined."""

# --------------------------------------------------------------------------------------------
# English slmgr strings (built-in defaults of slmgr.vbs)

_LABELS: dict[str, str] = {
    "Software licensing service version:": "service_version",
    "Name:": "name",
    "Description:": "description",
    "Additional Information:": "ignored",
    "Activation ID:": "activation_id",
    "Application ID:": "application_id",
    "Extended PID:": "extended_pid",
    "Product Key Channel:": "product_key_channel",
    "Installation ID:": "installation_id",
    "Processor Certificate URL:": "url",
    "Machine Certificate URL:": "url",
    "Use License URL:": "url",
    "Product Key Certificate URL:": "url",
    "Validation URL:": "url",
    "Partial Product Key:": "partial_product_key",
    "License Status:": "license_status",
    "Volume activation expiration:": "grace",
    "Timebased activation expiration:": "grace",
    "Automatic VM activation expiration:": "grace",
    "Time remaining:": "grace",
    "Notification Reason:": "reason",
    "Evaluation End Date:": "ignored",
    "Remaining Windows rearm count:": "ignored",
    "Remaining App rearm count:": "ignored",
    "Remaining SKU rearm count:": "ignored",
    "Trusted time:": "ignored",
    "Configured Activation Type:": "activation_type",
    "Most recent activation information:": "recent",
    "Activation Object name:": "ao_name",
    "AO DN:": "ao_dn",
    "AO extended PID:": "ao_pid",
    "AO activation ID:": "ao_activation_id",
    "Client Machine ID (CMID):": "cmid",
    "Registered KMS SRV record lookup domain:": "kms_lookup_domain",
    "Registered KMS machine name:": "kms_registered",
    "KMS machine name from DNS:": "kms_discovered",
    "DNS auto-discovery:": "kms_not_discovered",
    "KMS machine IP address:": "kms_ip",
    "KMS machine extended PID:": "kms_pid",
    "Activation interval:": "kms_activation_interval",
    "Renewal interval:": "kms_renewal_interval",
    "KMS host caching:": "kms_caching",
    "Current count:": "kms_host",
    "Listening on Port:": "kms_host",
    "KMS priority:": "kms_host",
    "Total requests received:": "kms_host",
    "Failed requests received:": "kms_host",
    "License ID (ILID):": "ignored",
    "Version ID (ILvID):": "ignored",
    "Grant Number:": "ignored",
    "Certificate Thumbprint:": "ignored",
    "Guest IAID:": "ignored",
    "Host machine name:": "ignored",
    "Activation time:": "ignored",
    "Host Digital PID2:": "ignored",
}

_SENTENCES: dict[str, str] = {
    "This license is not in use.": "not_in_use",
    "AD Activation client information": "ad_header",
    "Key Management Service client information": "kms_header",
    "Token-based Activation information": "token_header",
    "Automatic VM Activation client information": "ignored",
    "KMS host caching is enabled": "kms_caching_on",
    "KMS host caching is disabled": "kms_caching_off",
    "Key Management Service is enabled on this machine": "kms_host",
    "DNS publishing enabled": "kms_host",
    "DNS publishing disabled": "kms_host",
    "Key Management Service cumulative requests received from clients": "kms_host",
    "Please use slmgr.vbs /ato to activate and update KMS client information in order to "
    "update values.": "ignored",
    "Activation Objects": "ao_header",
    "No objects found": "ao_none",
    "Active Directory-Based Activation is not supported in the current Active Directory "
    "schema.": "ao_schema",
    "Product activated successfully.": "activated",
    "Operation completed successfully.": "ignored",
    "Command completed successfully.": "ignored",
    "Please restart the system for the changes to take effect.": "ignored",
    "Uninstalled product key successfully.": "ignored",
    "Product key from registry cleared successfully.": "ignored",
    "Invalid combination of command parameters.": "ignored",
}

_PREFIXES: tuple[tuple[str, str], ...] = (
    ("Microsoft (R) Windows Script Host Version", "banner"),
    ("Microsoft (R) Windows Script Host, Version", "banner"),
    ("Copyright (C) Microsoft Corporation", "banner"),
    ("Requests with License Status ", "kms_host"),
    ("Warning: ", "warning"),
    ("Processing the license for ", "warning"),
    ("This system is configured for Token-based activation only.", "ignored"),
    ("Installed product key ", "ignored"),
    ("Confirmation ID for product ", "ignored"),
)

_LICENSE_STATUS: dict[str, LicenseStatus | None] = {
    "Unlicensed": LicenseStatus.UNLICENSED,
    "Licensed": LicenseStatus.LICENSED,
    "Initial grace period": LicenseStatus.OOB_GRACE,
    "Additional grace period (KMS license expired or hardware out of tolerance)":
        LicenseStatus.OOT_GRACE,
    "Non-genuine grace period.": LicenseStatus.NON_GENUINE_GRACE,
    "Notification": LicenseStatus.NOTIFICATION,
    "Extended grace period": LicenseStatus.EXTENDED_GRACE,
    "Unknown": None,
}

_ACTIVATION_TYPES = {
    "All": ActivationType.ALL,
    "AD": ActivationType.AD,
    "KMS": ActivationType.KMS,
    "Token": ActivationType.TOKEN,
}

_XPR: tuple[tuple[re.Pattern[str], LicenseStatus], ...] = (
    (re.compile(r"Volume activation will expire (?P<date>.+)", re.IGNORECASE), LicenseStatus.LICENSED),
    (re.compile(r"Timebased activation will expire (?P<date>.+)", re.IGNORECASE),
     LicenseStatus.LICENSED),
    (re.compile(r"Automatic VM activation will expire (?P<date>.+)", re.IGNORECASE),
     LicenseStatus.LICENSED),
    (re.compile(r"Windows is Activated for the lifespan of your device\.?", re.IGNORECASE),
     LicenseStatus.LICENSED),
    (re.compile(r"The machine is permanently activated\.?", re.IGNORECASE), LicenseStatus.LICENSED),
    (re.compile(r"Initial grace period ends (?P<date>.+)", re.IGNORECASE), LicenseStatus.OOB_GRACE),
    (re.compile(r"Additional grace period ends (?P<date>.+)", re.IGNORECASE), LicenseStatus.OOT_GRACE),
    (re.compile(r"Non-genuine grace period ends (?P<date>.+)", re.IGNORECASE),
     LicenseStatus.NON_GENUINE_GRACE),
    (re.compile(r"Windows is in Notification mode\.?", re.IGNORECASE), LicenseStatus.NOTIFICATION),
    (re.compile(r"Extended grace period ends (?P<date>.+)", re.IGNORECASE), LicenseStatus.EXTENDED_GRACE),
    (re.compile(r"Unlicensed", re.IGNORECASE), LicenseStatus.UNLICENSED),
)

# Error messages slmgr prints without a code (text after "Error: ").
_KNOWN_UNCODED_ERRORS = (
    "product key not found.",
    "product not found.",
    "Product activation failed.",
    "The data is invalid",
    "The machine is running within the non-genuine grace period.",
    "Windows is running within the non-genuine notification period.",
    "Activation ID (",
    "option ",
)

_ACTIVATING = re.compile(
    r"Activating (?P<name>.+) \((?P<id>[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-"
    r"[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12})\) \.\.\.")
_ERROR_CODE = re.compile(r"Error:\s*(?:0[xX](?P<hex>[0-9A-Fa-f]{1,8})|(?P<dec>-?[0-9]{1,10}))"
                         r"(?:\s+(?P<text>.*))?")
_ERROR_OCCURRED = re.compile(r"Error 0[xX](?P<hex>[0-9A-Fa-f]{1,8}) (?P<text>occurred .*)")
_ERROR_TEXT = re.compile(r"Error:\s*(?P<text>.+)")
_COMMAND = re.compile(r"(?:PS )?[A-Za-z]:\\[^>]*>")
_COMMAND_SWITCH = re.compile(r"slmgr(?:\.vbs)?\b.*?[/-](dlv|dli|ao-list|ato|xpr)\b", re.IGNORECASE)

_GUID = re.compile(r"\{?[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-"
                   r"[0-9A-Fa-f]{12}\}?")
_EPID = re.compile(r"[0-9]{5}-[0-9]{5}-[0-9]{3}-[0-9]{6}-[0-9]{2}-[0-9]{1,5}-"
                   r"[0-9]{4,5}\.[0-9]{4}-[0-9]{7}")
_PARTIAL_KEY = re.compile(r"[0-9A-Z]{5}")
_GRACE = re.compile(r"(?P<min>[0-9]+|[xX*#?.]+|) ?minute\(s\) \((?P<days>[0-9]+) day\(s\)\)")
_REASON = re.compile(r"0[xX](?P<hex>[0-9A-Fa-f]{1,8})(?: \((?:non-genuine|grace time expired)\))?\.?")
_INTERVAL = re.compile(r"(?P<n>[0-9]+) minutes")
_CHANNEL = re.compile(r"(?P<channel>[A-Za-z0-9_\-]+)\s+channel\.?$", re.IGNORECASE)
_EDITION = re.compile(r"(?:Windows|Office).*\bedition$", re.IGNORECASE)

# Product-level labels every /dlv or /dli block carries (English).
_CORE_KINDS = frozenset({"description", "license_status", "partial_product_key", "not_in_use",
                         "activation_id", "application_id", "extended_pid",
                         "product_key_channel", "installation_id"})
_WEAK_KINDS = frozenset({"name", "banner", "command", "warning", "ignored"})

# Translated labels (lower case, apostrophes normalised to '). Only "Lizenzstatus" was
# confirmed from public scripts; the rest are best guesses, backed by the structural test.
_LOCALIZED_LABELS: dict[str, tuple[str, ...]] = {
    "German": ("lizenzstatus", "beschreibung", "aktivierungs-id", "anwendungs-id",
               "erweiterte pid", "product key-kanal", "produktschlüsselkanal", "teil-product key",
               "partieller product key", "installations-id", "verbleibende zeit"),
    "French": ("état de la licence", "etat de la licence", "statut de la licence",
               "id d'activation", "id d'application", "pid étendu", "clé de produit partielle",
               "canal de la clé de produit", "id d'installation", "temps restant"),
    "Spanish": ("estado de la licencia", "descripción", "id. de activación",
                "id. de aplicación", "identificador de activación", "pid extendido",
                "clave de producto parcial", "canal de clave de producto", "tiempo restante"),
    "Italian": ("stato licenza", "stato della licenza", "descrizione", "id attivazione",
                "id applicazione", "pid esteso", "codice product key parziale",
                "chiave product key parziale"),
    "Portuguese": ("status da licença", "estado da licença", "descrição", "id de ativação",
                   "id do aplicativo", "pid estendido", "chave de produto parcial"),
    "Dutch": ("licentiestatus", "beschrijving", "activerings-id", "toepassings-id",
              "gedeeltelijke productcode"),
    "Polish": ("stan licencji", "opis", "identyfikator aktywacji", "częściowy klucz produktu"),
    "Swedish": ("licensstatus", "beskrivning", "aktiverings-id", "partiell produktnyckel"),
    "Turkish": ("lisans durumu", "açıklama", "etkinleştirme kimliği"),
    "Czech": ("stav licence", "popis", "id aktivace"),
    "Russian": ("состояние лицензии", "описание", "код активации", "частичный ключ продукта"),
    "Japanese": ("ライセンスの状態", "説明", "部分プロダクト キー"),
    "Chinese": ("许可证状态", "描述", "部分产品密钥"),
    "Korean": ("라이선스 상태", "설명"),
}

_SCRIPTS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"[\u3040-\u30ff]"), "Japanese"),
    (re.compile(r"[\uac00-\ud7af]"), "Korean"),
    (re.compile(r"[\u4e00-\u9fff]"), "Chinese"),
    (re.compile(r"[\u0400-\u04ff]"), "Russian"),
    (re.compile(r"[\u0370-\u03ff]"), "Greek"),
    (re.compile(r"[\u0590-\u05ff]"), "Hebrew"),
    (re.compile(r"[\u0600-\u06ff]"), "Arabic"),
    (re.compile(r"[\u0e00-\u0e7f]"), "Thai"),
)

_LANGUAGE_WORDS: dict[str, frozenset[str]] = {
    "German": frozenset({"lizenzstatus", "lizenziert", "beschreibung", "aktivierungs",
                         "anwendungs", "erweiterte", "kanal", "verbleibende", "nicht",
                         "lizenz", "aktivierungstyp", "konfigurierter", "zeit"}),
    "French": frozenset({"état", "etat", "licence", "clé", "cle", "produit", "partielle",
                         "étendu", "canal", "statut", "restant", "nom"}),
    "Spanish": frozenset({"estado", "licencia", "descripción", "activación", "clave",
                          "producto", "extendido", "nombre", "aplicación", "identificador"}),
    "Italian": frozenset({"stato", "licenza", "descrizione", "attivazione", "chiave",
                          "parziale", "esteso", "applicazione"}),
    "Portuguese": frozenset({"licença", "licenca", "descrição", "ativação", "chave", "produto",
                             "estendido", "aplicativo"}),
    "Dutch": frozenset({"licentiestatus", "licentie", "beschrijving", "activerings",
                        "toepassings", "productcode", "gedeeltelijke", "naam"}),
    "Polish": frozenset({"stan", "licencji", "opis", "identyfikator", "aktywacji", "klucz",
                         "produktu", "nazwa"}),
    "Swedish": frozenset({"licensstatus", "licens", "beskrivning", "aktiverings",
                          "produktnyckel", "namn"}),
    "Turkish": frozenset({"lisans", "durumu", "açıklama", "etkinleştirme", "ürün"}),
    "Czech": frozenset({"stav", "popis", "aktivace", "klíč", "název"}),
}

# Property names of SoftwareLicensingProduct as WMI/CIM exports print them.
_WMI_NAMES = frozenset({"licensestatus", "partialproductkey", "productkeychannel",
                        "applicationid", "graceperiodremaining", "licensestatusreason",
                        "productkeyid", "vlactivationtype", "vlactivationtypeenabled",
                        "adactivationobjectdn", "licensefamily"})

_MAX_UNKNOWN_SHOWN = 3


# --------------------------------------------------------------------------------------------
# Lines


@dataclass(frozen=True)
class _Line:
    first: int
    last: int
    raw: str
    """The line as it stood (re-joined when wrapped), trailing whitespace removed."""
    text: str
    """``raw`` without indentation, no-break spaces made plain."""
    complete: bool
    """False when the file ends inside this line."""

    @property
    def where(self) -> str:
        return f"line {self.first}" if self.first == self.last else f"lines {self.first}-{self.last}"


@dataclass(frozen=True)
class _Item:
    kind: str
    value: str = ""
    label: str = ""


def _normalise(text: str) -> str:
    return text.replace("\r\r\n", "\n").replace("\r\n", "\n").replace("\r", "\n")


def _clean(row: str) -> str:
    return row.replace("\u00a0", " ").replace("\u202f", " ").strip()


def _split_lines(text: str) -> tuple[list[_Line], list[str]]:
    text = _normalise(text).removeprefix("\ufeff")
    ends_with_break = text.endswith("\n")
    rows = text.split("\n")
    if ends_with_break:
        rows.pop()
    notes: list[str] = []
    lines: list[_Line] = []
    index = 0
    while index < len(rows):
        parts = [rows[index]]
        last = index
        width = _wrap_width(rows[last])
        while width and last + 1 < len(rows) and _continues(rows[last + 1]):
            following = rows[last + 1]
            if len(rows[last]) == width - 1 and not following.startswith(" "):
                parts.append(" ")  # the copy trimmed the space that ended the row
            parts.append(following)
            last += 1
            width = _wrap_width(following)
        joined = "".join(parts)
        complete = ends_with_break or last < len(rows) - 1
        line = _Line(index + 1, last + 1, joined.rstrip(), _clean(joined), complete)
        if last > index:
            notes.append(f"{line.where}: re-joined a line that was hard-wrapped at "
                         f"{_wrap_width(rows[index])} columns")
        lines.append(line)
        index = last + 1
    return lines, notes


def _wrap_width(row: str) -> int:
    if not row.strip():
        return 0
    for width in WRAP_WIDTHS:
        if len(row) in (width, width - 1):
            return width
    return 0


def _continues(row: str) -> bool:
    text = _clean(row)
    return bool(text) and _classify(text) is None and not _COMMAND.match(text)


def _classify(text: str) -> _Item | None:
    """What an English slmgr line is, or None for a line slmgr does not print."""
    if not text:
        return _Item("blank")
    kind = _SENTENCES.get(text)
    if kind:
        return _Item(kind)
    for prefix, kind in _PREFIXES:
        if text.startswith(prefix):
            return _Item(kind, text)
    if text.startswith("Error"):
        return _classify_error(text)
    if text.startswith("Activating ") and _ACTIVATING.fullmatch(text):
        return _Item("activating", text)
    for pattern, _status in _XPR:
        if pattern.fullmatch(text):
            return _Item("xpr", text)
    colon = text.find(":")
    if colon > 0 and text[:colon + 1] not in _LABELS:
        rest = text[colon + 1:].strip()
        if rest and any(pattern.fullmatch(rest) for pattern, _status in _XPR):
            return _Item("xpr", rest, text[:colon].strip())  # "<Name>: <status>" on one line
    if colon > 0:
        label = text[: colon + 1]
        kind = _LABELS.get(label)
        if kind:
            return _Item(kind, text[colon + 1:].strip(), label)
    if _COMMAND.match(text):
        return _Item("command", text)
    return None


def _classify_error(text: str) -> _Item | None:
    if _ERROR_CODE.fullmatch(text) or _ERROR_OCCURRED.fullmatch(text):
        return _Item("error", text)
    match = _ERROR_TEXT.fullmatch(text)
    if match and match.group("text").startswith(_KNOWN_UNCODED_ERRORS):
        return _Item("error", text)
    if match:
        return _Item("error_other", text)
    return None


# --------------------------------------------------------------------------------------------
# Drafts (mutable while reading, frozen at the end)


@dataclass
class _AdDraft:
    object_name: str | None = None
    object_dn: str | None = None
    csvlk_pid: str | None = None
    csvlk_sku_id: uuid.UUID | None = None


@dataclass
class _KmsDraft:
    cmid: str | None = None
    registered_host: str | None = None
    registered_port: int | None = None
    discovered_host: str | None = None
    discovered_port: int | None = None
    host_ip: str | None = None
    host_pid: str | None = None
    lookup_domain: str | None = None
    activation_interval: int | None = None
    renewal_interval: int | None = None
    host_caching: bool | None = None


@dataclass
class _ProductDraft:
    origin: str
    """``block`` (/dlv, /dli), ``ato`` or ``xpr``."""
    name: str | None = None
    description: str | None = None
    product_key_channel: str | None = None
    activation_id: uuid.UUID | None = None
    application_id: uuid.UUID | None = None
    extended_pid: str | None = None
    partial_product_key: str | None = None
    license_status: LicenseStatus | None = None
    license_status_reason: int | None = None
    grace_minutes: int | None = None
    vl_activation_type_enabled: ActivationType | None = None
    ad: _AdDraft | None = None
    kms: _KmsDraft | None = None
    token: bool = False
    is_kms_host: bool = False
    kms_host: dict[str, Any] = field(default_factory=dict)
    requests_by_status: list[tuple[str, int]] = field(default_factory=list)
    has_validation_url: bool = False
    activated: bool = False
    not_in_use: bool = False
    verbose: bool = False
    core_lines: int = 0
    foreign_lines: int = 0
    evidence: list[Evidence] = field(default_factory=list)

    def build(self) -> ProductStatus:
        channel = None
        if self.description:
            match = _CHANNEL.search(self.description)
            channel = match.group("channel") if match else None
        vl_type = None
        if self.ad is not None:
            vl_type = ActivationType.AD
        elif self.token:
            vl_type = ActivationType.TOKEN
        elif self.kms is not None:
            vl_type = ActivationType.KMS
        status = self.license_status
        if status is None and self.activated:
            status = LicenseStatus.LICENSED
        return ProductStatus(
            name=self.name,
            description=self.description,
            channel=channel,
            product_key_channel=self.product_key_channel,
            activation_id=self.activation_id,
            application_id=self.application_id,
            extended_pid=self.extended_pid,
            partial_product_key=self.partial_product_key,
            license_status=status,
            license_status_reason=self.license_status_reason,
            grace_minutes=self.grace_minutes,
            vl_activation_type=vl_type,
            vl_activation_type_enabled=self.vl_activation_type_enabled,
            ad=AdActivation(**vars(self.ad)) if self.ad is not None else None,
            kms=KmsClient(**vars(self.kms)) if self.kms is not None else None,
            is_kms_host=self.is_kms_host,
            kms_host=KmsHost(**self.kms_host, requests_by_status=tuple(self.requests_by_status))
            if self.is_kms_host else None,
            has_validation_url=self.has_validation_url,
            evidence=tuple(self.evidence),
        )


@dataclass
class _AoDraft:
    name: str | None = None
    activation_id: uuid.UUID | None = None
    partial_product_key: str | None = None
    extended_pid: str | None = None
    dn: str | None = None

    def build(self) -> AoListEntry:
        return AoListEntry(self.name, self.activation_id, self.partial_product_key,
                           self.extended_pid, self.dn)


# --------------------------------------------------------------------------------------------
# The reader


class _Reader:
    def __init__(self, source: str, lines: list[_Line], notes: list[str]) -> None:
        self.source = source
        self.lines = lines
        self.notes = notes
        self.blocks: list[_ProductDraft] = []
        self.others: list[_ProductDraft] = []
        self.product: _ProductDraft | None = None
        self.section = "none"
        self.service_version: str | None = None
        self.ao_seen = False
        self.ao_entries: list[_AoDraft] | None = None
        self.ao_entry: _AoDraft | None = None
        self.ao_unsupported = False
        self.ao_said_none = False
        self.errors: list[ReportedError] = []
        self.unknown: list[_Line] = []
        self.command_format: str | None = None
        self.pending_name: _Line | None = None
        self.saw_activating = False
        self.saw_xpr = False
        self.implicit_used = False

    # -- helpers ------------------------------------------------------------------------------

    def note(self, text: str) -> None:
        if text not in self.notes:
            self.notes.append(text)

    def evidence(self, line: _Line) -> Evidence:
        return Evidence(self.source, line.where, line.raw)

    def flush(self) -> None:
        self.product = None
        self.section = "none"
        self.ao_entry = None

    def start_product(self, origin: str, line: _Line) -> _ProductDraft:
        self.flush()
        product = _ProductDraft(origin)
        (self.blocks if origin == "block" else self.others).append(product)
        self.product = product
        self.section = "product" if origin == "block" else origin
        return product

    def assign(self, target: Any, attr: str, value: object, line: _Line, label: str) -> None:
        old = getattr(target, attr)
        if old is not None and old != value:
            self.note(f"{line.where}: a second '{label}' in one block ({line.text!r}); the first "
                      "value was kept")
            return
        setattr(target, attr, value)
        product = self.product
        if product is not None and self.section != "aolist" and not (
                product.evidence and product.evidence[-1].where == line.where):
            product.evidence.append(self.evidence(line))

    def need_product(self, line: _Line) -> _ProductDraft | None:
        if self.product is None and self.section != "aolist" and not self.implicit_used:
            # An excerpt that starts below the Name line: its lines are one product's.
            self.implicit_used = True
            self.note(f"{line.where}: product lines without a 'Name:' line before them (an "
                      "excerpt?); read as one unnamed product")
            self.start_product("block", line)
        elif self.product is None:
            self.note(f"{line.where}: {line.text!r} outside a product block; not used")
        return self.product

    def incomplete(self, line: _Line, what: str) -> None:
        self.note(f"{line.where}: the file ends inside this line; its {what} was not used")

    # -- main loop ----------------------------------------------------------------------------

    def run(self) -> None:
        for line in self.lines:
            item = _classify(line.text)
            if item is None:
                self.unknown_line(line)
                continue
            if item.kind != "blank" and item.kind != "xpr":
                self.pending_name = None
            handler = getattr(self, f"on_{item.kind}", None)
            if handler is not None:
                handler(line, item)
            elif item.kind in _PRODUCT_FIELDS:
                self.product_field(line, item)
            elif item.kind in _KMS_FIELDS:
                self.kms_field(line, item)
        self.finish()

    def unknown_line(self, line: _Line) -> None:
        self.unknown.append(line)
        if self.product is not None and ":" in line.text:
            self.product.foreign_lines += 1
        self.pending_name = line if line.text.endswith(":") and line.complete else None

    # -- structure ----------------------------------------------------------------------------

    def on_blank(self, line: _Line, item: _Item) -> None:
        return

    def on_ignored(self, line: _Line, item: _Item) -> None:
        return

    def on_banner(self, line: _Line, item: _Item) -> None:
        self.flush()

    def on_command(self, line: _Line, item: _Item) -> None:
        self.flush()
        match = _COMMAND_SWITCH.search(line.text)
        if match and self.command_format is None:
            self.command_format = "slmgr-" + match.group(1).lower()

    def on_warning(self, line: _Line, item: _Item) -> None:
        self.note(f"{line.where}: slmgr printed {line.text!r}")

    def on_error_other(self, line: _Line, item: _Item) -> None:
        self.on_error(line, item)

    def on_service_version(self, line: _Line, item: _Item) -> None:
        self.flush()
        if not line.complete:
            self.incomplete(line, "service version")
            return
        if item.value and self.service_version not in (None, item.value):
            self.note(f"{line.where}: a second service version {item.value!r}; the first was kept")
            return
        self.service_version = item.value or None

    def on_name(self, line: _Line, item: _Item) -> None:
        product = self.start_product("block", line)
        if not line.complete:
            self.incomplete(line, "product name")
            return
        self.assign(product, "name", item.value or None, line, "Name")

    def on_ao_header(self, line: _Line, item: _Item) -> None:
        self.flush()
        self.section = "aolist"
        self.ao_seen = True
        if self.ao_entries is None:
            self.ao_entries = []

    def on_ao_none(self, line: _Line, item: _Item) -> None:
        self.flush()
        self.ao_seen = True
        self.ao_said_none = True
        if self.ao_entries is None:
            self.ao_entries = []

    def on_ao_schema(self, line: _Line, item: _Item) -> None:
        self.flush()
        self.ao_seen = True
        self.ao_unsupported = True
        self.ao_said_none = True
        if self.ao_entries is None:
            self.ao_entries = []

    def on_activating(self, line: _Line, item: _Item) -> None:
        match = _ACTIVATING.fullmatch(line.text)
        assert match is not None
        self.saw_activating = True
        product = self.start_product("ato", line)
        product.name = match.group("name")
        product.activation_id = uuid.UUID(match.group("id"))
        product.evidence.append(self.evidence(line))

    def on_activated(self, line: _Line, item: _Item) -> None:
        if self.product is not None and self.product.origin == "ato":
            self.product.activated = True
            self.product.evidence.append(self.evidence(line))
        else:
            self.note(f"{line.where}: slmgr printed {line.text!r}")

    def on_xpr(self, line: _Line, item: _Item) -> None:
        status, date = _xpr_status(item.value if item.label else line.text)
        name_line = self.pending_name
        self.pending_name = None
        if item.label:
            name_line = None
            self.note(f"{line.where}: the product name and the /xpr status stand on one line "
                      "(slmgr prints two); read anyway")
        if name_line is not None and self.unknown and self.unknown[-1] is name_line:
            self.unknown.pop()
        self.saw_xpr = True
        product = self.start_product("xpr", line)
        if name_line is not None:
            product.name = name_line.text[:-1].strip() or None
            product.evidence.append(self.evidence(name_line))
        elif item.label:
            product.name = item.label
        product.license_status = status
        product.evidence.append(self.evidence(line))
        if date is not None:
            cut = "" if line.complete else " (the file ends inside this line: the date may be cut)"
            self.note(f"{line.where}: /xpr end date for {product.name or 'a product'}: {date} "
                      f"(kept as text){cut}")

    def on_error(self, line: _Line, item: _Item) -> None:
        hresult, text = _error_code(line.text)
        if hresult is None:
            self.note(f"{line.where}: {line.text!r} is not an slmgr error line; not used")
            return
        if not line.complete and not re.fullmatch(r"Error:?\s*0[xX][0-9A-Fa-f]{8}\s+\S.*", line.text):
            self.incomplete(line, "error code")
            return
        if not line.complete:
            self.note(f"{line.where}: the file ends inside this error line; its text may be cut")
        evidence = self.evidence(line)
        self.errors.append(ReportedError(hresult, text, evidence))
        if self.product is not None and self.product.origin == "ato":
            self.product.evidence.append(evidence)

    # -- product blocks -----------------------------------------------------------------------

    def on_ad_header(self, line: _Line, item: _Item) -> None:
        product = self.need_product(line)
        if product is None:
            self.section = "orphan"
            return
        self.section = "ad"
        if product.ad is None:
            product.ad = _AdDraft()
        product.evidence.append(self.evidence(line))

    def on_kms_header(self, line: _Line, item: _Item) -> None:
        product = self.need_product(line)
        if product is None:
            self.section = "orphan"
            return
        self.section = "kms"
        if product.kms is None:
            product.kms = _KmsDraft()
        product.evidence.append(self.evidence(line))

    def on_token_header(self, line: _Line, item: _Item) -> None:
        product = self.need_product(line)
        if product is None:
            return
        self.section = "token"
        product.token = True
        product.evidence.append(self.evidence(line))

    def on_recent(self, line: _Line, item: _Item) -> None:
        return

    def on_kms_host(self, line: _Line, item: _Item) -> None:
        product = self.need_product(line)
        if product is None:
            return
        self.section = "kms_host"
        if not product.is_kms_host:
            product.is_kms_host = True
        product.evidence.append(self.evidence(line))
        text = line.text
        values = product.kms_host
        if text.startswith("DNS publishing "):
            values["dns_publishing"] = text.endswith("enabled")
            return
        label, _sep, value = text.partition(":")
        value = value.strip()
        if label.startswith("Requests with License Status "):
            if value.isdigit() and line.complete:
                product.requests_by_status.append((label[len("Requests with License Status "):],
                                                   int(value)))
            return
        attr = _KMS_HOST_NUMBERS.get(label)
        if attr is not None:
            if value.isdigit() and line.complete:
                values.setdefault(attr, int(value))
            elif value:
                self.note(f"{line.where}: {label} {value!r} is not a number; not used")
        elif label == "KMS priority" and line.complete and value in ("Normal", "Low"):
            values.setdefault("priority", value)

    def on_url(self, line: _Line, item: _Item) -> None:
        product = self.need_product(line)
        if product is None:
            return
        product.verbose = True
        if not product.has_validation_url:
            product.has_validation_url = True
            product.evidence.append(self.evidence(line))

    def on_installation_id(self, line: _Line, item: _Item) -> None:
        if self.product is not None:
            self.product.verbose = True
            self.product.core_lines += 1

    def on_not_in_use(self, line: _Line, item: _Item) -> None:
        product = self.need_product(line)
        if product is None:
            return
        product.core_lines += 1
        product.not_in_use = True
        product.evidence.append(self.evidence(line))
        if product.partial_product_key is not None:
            self.note(f"{line.where}: 'This license is not in use.' after a partial product key")

    def product_field(self, line: _Line, item: _Item) -> None:
        if self.section == "aolist" and item.kind in ("activation_id", "partial_product_key"):
            self.ao_field(line, item)
            return
        product = self.need_product(line)
        if product is None:
            return
        if item.kind in _CORE_KINDS:
            product.core_lines += 1
        if item.kind in ("activation_id", "application_id", "extended_pid", "product_key_channel"):
            product.verbose = True
        label = item.label.rstrip(":")
        value = item.value
        kind = item.kind
        if kind == "description":
            if not line.complete:
                self.incomplete(line, "description")
                return
            self.assign(product, "description", value or None, line, label)
        elif kind == "product_key_channel":
            if not line.complete:
                self.incomplete(line, "product key channel")
                return
            self.assign(product, "product_key_channel", value or None, line, label)
        elif kind in ("activation_id", "application_id"):
            guid = self.guid(line, value, label)
            if guid is not None:
                self.assign(product, kind, guid, line, label)
        elif kind == "extended_pid":
            pid = self.epid(line, value, label)
            if pid is not None:
                self.assign(product, "extended_pid", pid, line, label)
        elif kind == "partial_product_key":
            key = self.partial_key(line, value, label)
            if key is not None:
                self.assign(product, "partial_product_key", key, line, label)
        elif kind == "license_status":
            if value not in _LICENSE_STATUS and not line.complete:
                self.incomplete(line, "License Status")
                return
            if value not in _LICENSE_STATUS:
                self.note(f"{line.where}: License Status {value!r} is not a status slmgr prints "
                          "(cut or altered?); not used")
                return
            status = _LICENSE_STATUS[value]
            if status is None:
                self.note(f"{line.where}: License Status: Unknown (a value outside 0-6)")
                product.evidence.append(self.evidence(line))
                return
            self.assign(product, "license_status", status, line, label)
        elif kind == "grace":
            self.grace(product, line, value, label)
        elif kind == "reason":
            match = _REASON.fullmatch(value)
            if not match:
                self.note(f"{line.where}: Notification Reason {value!r} not understood; not used")
                return
            self.assign(product, "license_status_reason", int(match.group("hex"), 16), line, label)
        elif kind == "activation_type":
            enabled = _ACTIVATION_TYPES.get(value)
            if enabled is None:
                self.note(f"{line.where}: Configured Activation Type {value!r} not understood")
                return
            self.assign(product, "vl_activation_type_enabled", enabled, line, label)

    def grace(self, product: _ProductDraft, line: _Line, value: str, label: str) -> None:
        match = _GRACE.fullmatch(value)
        if not match:
            self.note(f"{line.where}: {label} {value!r} not understood (cut?); not used")
            return
        days = int(match.group("days"))
        if not match.group("min").isdigit():
            # Minutes blanked by whoever pasted it: slmgr rounds days up, so the days give at
            # least (days - 1) * 1440 + 1 minutes. The lower bound is used, and said.
            minutes = max(0, (days - 1) * 1440 + 1) if days else 0
            self.note(f"{line.where}: the minutes of {label} are blanked; {days} day(s) read as "
                      f"at least {minutes} minutes")
            self.assign(product, "grace_minutes", minutes, line, label)
            return
        minutes = int(match.group("min"))
        if days not in (minutes // 1440, math.ceil(minutes / 1440)):
            self.note(f"{line.where}: {minutes} minutes are not {days} days; the minutes were used")
        self.assign(product, "grace_minutes", minutes, line, label)

    # -- AD block and /ao-list ----------------------------------------------------------------

    def on_ao_name(self, line: _Line, item: _Item) -> None:
        if self.section == "aolist":
            self.ao_entry = _AoDraft()
            assert self.ao_entries is not None
            self.ao_entries.append(self.ao_entry)
            self.ao_value(line, "name", item.value, "Activation Object name")
            return
        if self.product is not None and self.product.origin == "block":
            product = self.product
            if product.ad is None:
                self.note(f"{line.where}: AD activation lines without the 'AD Activation client "
                          "information' header; read as that block")
                product.ad = _AdDraft()
            self.section = "ad"
            self.ad_value(product.ad, line, "object_name", item.value, "Activation Object name")
            return
        # /ao-list output whose "Activation Objects" header is missing
        self.note(f"{line.where}: /ao-list entry without the 'Activation Objects' header")
        self.on_ao_header(line, item)
        self.on_ao_name(line, item)

    def on_ao_dn(self, line: _Line, item: _Item) -> None:
        self.ad_or_ao(line, item, "object_dn", "dn")

    def on_ao_pid(self, line: _Line, item: _Item) -> None:
        self.ad_or_ao(line, item, "csvlk_pid", "extended_pid")

    def on_ao_activation_id(self, line: _Line, item: _Item) -> None:
        self.ad_or_ao(line, item, "csvlk_sku_id", None)

    def ad_or_ao(self, line: _Line, item: _Item, ad_attr: str, ao_attr: str | None) -> None:
        label = item.label.rstrip(":")
        if self.section == "aolist" and ao_attr is not None:
            self.ao_value(line, ao_attr, item.value, label)
            return
        if self.product is not None and self.product.ad is not None:
            self.ad_value(self.product.ad, line, ad_attr, item.value, label)
            return
        self.note(f"{line.where}: {line.text!r} outside an AD activation block; not used")

    def ad_value(self, ad: _AdDraft, line: _Line, attr: str, value: str, label: str) -> None:
        parsed: object
        if attr == "csvlk_sku_id":
            parsed = self.guid(line, value, label)
        elif attr == "csvlk_pid":
            parsed = self.epid(line, value, label)
        else:
            if not line.complete:
                self.incomplete(line, label)
                return
            parsed = value or None
        if parsed is not None:
            self.assign(ad, attr, parsed, line, label)

    def ao_field(self, line: _Line, item: _Item) -> None:
        attr = "activation_id" if item.kind == "activation_id" else "partial_product_key"
        self.ao_value(line, attr, item.value, item.label.rstrip(":"))

    def ao_value(self, line: _Line, attr: str, value: str, label: str) -> None:
        entry = self.ao_entry
        if entry is None:
            self.note(f"{line.where}: {line.text!r} before any 'Activation Object name'; not used")
            return
        parsed: object
        if attr == "activation_id":
            parsed = self.guid(line, value, label)
        elif attr == "extended_pid":
            parsed = self.epid(line, value, label)
        elif attr == "partial_product_key":
            parsed = self.partial_key(line, value, label)
        else:
            if not line.complete:
                self.incomplete(line, label)
                return
            parsed = value or None
        if parsed is not None:
            self.assign(entry, attr, parsed, line, label)

    # -- KMS client block ---------------------------------------------------------------------

    def kms_field(self, line: _Line, item: _Item) -> None:
        product = self.need_product(line)
        if product is None:
            return
        if product.kms is None:
            self.note(f"{line.where}: KMS client lines without the 'Key Management Service client "
                      "information' header; read as that block")
            product.kms = _KmsDraft()
        kms = product.kms
        label = item.label.rstrip(":") or line.text
        value = item.value
        kind = item.kind
        if kind in ("kms_caching_on", "kms_caching_off"):
            self.assign(kms, "host_caching", kind == "kms_caching_on", line, "KMS host caching")
        elif kind == "kms_caching":
            flag = {"enabled": True, "disabled": False}.get(value.strip().lower())
            if flag is None:
                self.note(f"{line.where}: KMS host caching {value!r} not understood; not used")
                return
            self.assign(kms, "host_caching", flag, line, "KMS host caching")
        elif kind == "kms_not_discovered":
            if value != "KMS name not available":
                self.note(f"{line.where}: {line.text!r} not understood; not used")
                return
            product.evidence.append(self.evidence(line))
        elif kind == "cmid":
            if _GUID.fullmatch(value) is None:
                self.note(f"{line.where}: CMID {value!r} is not a GUID; not used")
                return
            self.assign(kms, "cmid", value.strip("{}").lower(), line, label)
        elif kind == "kms_pid":
            pid = self.epid(line, value, label)
            if pid is not None:
                self.assign(kms, "host_pid", pid, line, label)
        elif kind in ("kms_activation_interval", "kms_renewal_interval"):
            match = _INTERVAL.fullmatch(value)
            if not match:
                self.note(f"{line.where}: {label} {value!r} not understood; not used")
                return
            attr = "activation_interval" if kind == "kms_activation_interval" else "renewal_interval"
            self.assign(kms, attr, int(match.group("n")), line, label)
        else:
            if not line.complete:
                self.incomplete(line, label)
                return
            if kind == "kms_ip":
                self.assign(kms, "host_ip", None if value == "not available" else value or None,
                            line, label)
            elif kind == "kms_lookup_domain":
                self.assign(kms, "lookup_domain", value or None, line, label)
            else:
                host, port = _host_port(value)
                if port is None:
                    self.note(f"{line.where}: {label} {value!r} has no port")
                prefix = "registered" if kind == "kms_registered" else "discovered"
                self.assign(kms, f"{prefix}_host", host, line, label)
                if port is not None:
                    self.assign(kms, f"{prefix}_port", port, line, label)

    # -- value checks -------------------------------------------------------------------------

    def guid(self, line: _Line, value: str, label: str) -> uuid.UUID | None:
        if _GUID.fullmatch(value):
            return uuid.UUID(value.strip("{}"))
        if line.complete:
            self.note(f"{line.where}: {label} {value!r} is not a GUID; not used")
        else:
            self.incomplete(line, label)
        return None

    def epid(self, line: _Line, value: str, label: str) -> str | None:
        if _EPID.fullmatch(value):
            return value
        if not line.complete:
            self.incomplete(line, label)
            return None
        if value:
            self.note(f"{line.where}: {label} {value!r} is not an extended PID; kept as text")
            return value
        return None

    def partial_key(self, line: _Line, value: str, label: str) -> str | None:
        if _PARTIAL_KEY.fullmatch(value):
            return value
        if not line.complete:
            self.incomplete(line, label)
            return None
        if value:
            self.note(f"{line.where}: {label} {value!r} is not five characters; kept as text")
            return value
        return None

    # -- end ----------------------------------------------------------------------------------

    def finish(self) -> None:
        if self.unknown:
            shown = ", ".join(f"{line.where} {line.text[:60]!r}"
                              for line in self.unknown[:_MAX_UNKNOWN_SHOWN])
            more = len(self.unknown) - _MAX_UNKNOWN_SHOWN
            tail = f" and {more} more" if more > 0 else ""
            self.note(f"{len(self.unknown)} line(s) not recognised as slmgr output, not used: "
                      f"{shown}{tail}")
        if self.lines and not self.lines[-1].complete:
            self.note("the file does not end with a line break: it may be truncated")
        if self.ao_seen and not self.ao_said_none and not self.ao_entries:
            self.note("the /ao-list output ends after its 'Activation Objects' header; the list "
                      "is unknown (truncated?)")
            self.ao_entries = None
        unused = [p for p in self.blocks if p.not_in_use and p.partial_product_key is None]
        if unused:
            names = "; ".join(p.name or "unnamed" for p in unused[:_MAX_UNKNOWN_SHOWN])
            more = len(unused) - _MAX_UNKNOWN_SHOWN
            tail = f" and {more} more" if more > 0 else ""
            self.note(f"{len(unused)} licence(s) not in use (no product key) left out: "
                      f"{names}{tail}")
        if self.blocks and self.others:
            self.note(f"{len(self.others)} product(s) named in /ato or /xpr output are not listed "
                      "separately: the /dlv or /dli blocks describe the products")

    def report(self) -> ClientReport:
        in_use = [p for p in self.blocks if not (p.not_in_use and p.partial_product_key is None)]
        products = in_use if self.blocks else self.others
        ao_list = None
        if self.ao_entries is not None:
            ao_list = tuple(entry.build() for entry in self.ao_entries)
        return ClientReport(
            source=self.source,
            format=self.format(),
            service_version=self.service_version,
            products=tuple(product.build() for product in products),
            ao_list=ao_list,
            ao_list_unsupported_schema=self.ao_unsupported,
            errors=tuple(self.errors),
            notes=tuple(self.notes),
            unused_licences=sum(1 for p in self.blocks if p.not_in_use and p.partial_product_key is None),
            os_name=next((p.name for p in products if p.name and p.name.lower().startswith("windows")
                          and not p.not_in_use), None),
        )

    def format(self) -> str:
        if self.blocks:
            verbose = self.service_version is not None or any(p.verbose for p in self.blocks)
            return "slmgr-dlv" if verbose else "slmgr-dli"
        if self.service_version is not None:
            return "slmgr-dlv"
        if self.ao_seen:
            return "slmgr-ao-list"
        if self.saw_activating:
            return "slmgr-ato"
        if self.saw_xpr:
            return "slmgr-xpr"
        return self.command_format or "slmgr"


_KMS_HOST_NUMBERS = {"Current count": "current_count", "Listening on Port": "listening_port",
                      "Total requests received": "total_requests",
                      "Failed requests received": "failed_requests"}
_PRODUCT_FIELDS = frozenset({"description", "activation_id", "application_id", "extended_pid",
                             "product_key_channel", "partial_product_key", "license_status",
                             "grace", "reason", "activation_type"})
_KMS_FIELDS = frozenset({"cmid", "kms_lookup_domain", "kms_registered", "kms_discovered",
                         "kms_not_discovered", "kms_ip", "kms_pid", "kms_activation_interval",
                         "kms_renewal_interval", "kms_caching_on", "kms_caching_off",
                         "kms_caching"})


def _xpr_status(text: str) -> tuple[LicenseStatus, str | None]:
    for pattern, status in _XPR:
        match = pattern.fullmatch(text)
        if match:
            return status, match.groupdict().get("date")
    raise AssertionError(text)  # only called for lines _classify found to be /xpr lines


def _error_code(text: str) -> tuple[int | None, str | None]:
    match = _ERROR_CODE.fullmatch(text) or _ERROR_OCCURRED.fullmatch(text)
    if match:
        groups = match.groupdict()
        number = int(groups["hex"], 16) if groups.get("hex") else int(groups["dec"])
        return number & 0xFFFFFFFF, (match.group("text") or "").strip() or None
    plain = _ERROR_TEXT.fullmatch(text)
    if plain:
        return NO_HRESULT, plain.group("text").strip()
    return None, None


def _host_port(value: str) -> tuple[str | None, int | None]:
    if value.startswith("["):
        end = value.find("]")
        if end > 0:
            rest = value[end + 1:]
            port = int(rest[1:]) if rest.startswith(":") and rest[1:].isdigit() else None
            return value[1:end] or None, port
    host, sep, port_text = value.rpartition(":")
    if sep and port_text.isdigit() and host:
        return host, int(port_text)
    return value or None, None


# --------------------------------------------------------------------------------------------
# Language and shape


@dataclass(frozen=True)
class _Survey:
    english: int
    """English slmgr lines other than weak ones (Name:, banner, prompts)."""
    english_core: int
    localized: int
    localized_language: str | None
    shapes: int
    """Kinds of slmgr values found behind unknown labels."""
    wmi: bool


def _survey(lines: list[_Line]) -> _Survey:
    english = english_core = localized = 0
    first_language: str | None = None
    shapes: set[str] = set()
    wmi = False
    for line in lines:
        item = _classify(line.text)
        if item is not None:
            if item.kind not in _WEAK_KINDS and item.kind not in ("blank", "error_other"):
                english += 1
            if item.kind in _CORE_KINDS:
                english_core += 1
            continue
        label, value = _label_value(line.text)
        if label is None:
            continue
        if label.replace(" ", "").lower() in _WMI_NAMES:
            wmi = True
        language = _localized_label(label)
        if language is not None:
            localized += 1
            first_language = first_language or language
        shape = _value_shape(value)
        if shape:
            shapes.add(shape)
    return _Survey(english, english_core, localized, first_language, len(shapes), wmi)


def _label_value(text: str) -> tuple[str | None, str]:
    colon = text.find(":")
    if colon <= 0 or colon > 60:
        return None, ""
    return text[:colon].strip(), text[colon + 1:].strip()


def _localized_label(label: str) -> str | None:
    key = label.lower().replace("\u2019", "'").replace("`", "'")
    for language, labels in _LOCALIZED_LABELS.items():
        if key in labels:
            return language
    return None


def _value_shape(value: str) -> str | None:
    if _GUID.fullmatch(value):
        return "guid"
    if _EPID.fullmatch(value):
        return "epid"
    if _PARTIAL_KEY.fullmatch(value) and any(ch.isdigit() for ch in value):
        return "key"
    if _CHANNEL.search(value) and re.search(r"Windows|Office", value):
        return "channel"
    if _EDITION.search(value):
        return "edition"
    return None


def _guess_language(lines: list[_Line]) -> str | None:
    words: list[str] = []
    for line in lines:
        if _classify(line.text) is not None:
            continue
        for pattern, language in _SCRIPTS:
            if pattern.search(line.text):
                return language
        label, _value = _label_value(line.text)
        part = label if label is not None else line.text
        words.extend(re.findall(r"[^\W\d_]+", part.lower()))
    best: str | None = None
    best_score = 0
    for language, vocabulary in _LANGUAGE_WORDS.items():
        score = sum(1 for word in words if word in vocabulary)
        if score > best_score:
            best, best_score = language, score
    return best


def _foreign_reason(lines: list[_Line], language: str | None) -> str:
    guess = language or _guess_language(lines)
    if guess:
        return f"slmgr output in an unsupported language (looks like {guess})"
    return ("slmgr output in an unsupported language (no English slmgr labels; language not "
            "recognised)")


def _is_json_or_table(text: str) -> bool:
    head = text.lstrip("\ufeff \t\n")[:1]
    return head in ("{", "[", "<")


# --------------------------------------------------------------------------------------------
# Public API


def sniff_slmgr(text: str) -> bool:
    """True when ``text`` looks like slmgr.vbs output: English labels, or slmgr-shaped output
    in another UI language (which :func:`read_slmgr` then refuses, naming the language)."""
    if _is_json_or_table(text):
        return False
    lines, _notes = _split_lines(text[:1_000_000])
    survey = _survey(lines)
    if survey.english > 0:
        return True
    if survey.wmi:
        return False
    return (survey.localized > 0 and survey.shapes >= 1) or survey.shapes >= 2


def read_slmgr(text: str, source: str) -> ClientReport:
    """Read slmgr.vbs output (``/dlv``, ``/dlv all``, ``/dli``, ``/ao-list``, ``/ato``,
    ``/xpr``) into a :class:`ClientReport`; ``source`` names the file in every evidence entry.

    Raises :class:`UnreadableReport` for output in another UI language, for text that holds
    no slmgr output, and for an empty text.
    """
    if not text.strip():
        raise UnreadableReport("empty file")
    lines, notes = _split_lines(text)
    survey = _survey(lines)
    if survey.english == 0:
        if not survey.wmi and (survey.localized > 0 or survey.shapes >= 2):
            raise UnreadableReport(_foreign_reason(lines, survey.localized_language))
        raise UnreadableReport("no slmgr output found (expected the output of slmgr /dlv, /dli, "
                               "/ao-list, /ato or /xpr in English)")
    if survey.localized > 0 and survey.localized >= survey.english_core:
        raise UnreadableReport(_foreign_reason(lines, survey.localized_language))
    reader = _Reader(source, lines, notes)
    reader.run()
    for product in reader.blocks:
        if product.core_lines == 0 and product.foreign_lines > 0:
            raise UnreadableReport(_foreign_reason(lines, survey.localized_language))
    return reader.report()
