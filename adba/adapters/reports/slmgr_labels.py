"""slmgr.vbs's English strings as data: labels, sentences, prefixes and status texts, each with
the kind of line it makes, the value patterns, and the translated labels used to tell another UI
language; :func:`classify` says what one line is."""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

from adba.core.client import ActivationType, LicenseStatus
from adba.core.fast_init import fast_init

# English slmgr strings (built-in defaults of slmgr.vbs)

LABELS: dict[str, str] = {
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

SENTENCES: dict[str, str] = {
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

PREFIXES: tuple[tuple[str, str], ...] = (
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

LICENSE_STATUS: dict[str, LicenseStatus | None] = {
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

ACTIVATION_TYPES = {
    "All": ActivationType.ALL,
    "AD": ActivationType.AD,
    "KMS": ActivationType.KMS,
    "Token": ActivationType.TOKEN,
}

XPR: tuple[tuple[re.Pattern[str], LicenseStatus], ...] = (
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
KNOWN_UNCODED_ERRORS = (
    "product key not found.",
    "product not found.",
    "Product activation failed.",
    "The data is invalid",
    "The machine is running within the non-genuine grace period.",
    "Windows is running within the non-genuine notification period.",
    "Activation ID (",
    "option ",
)

ACTIVATING = re.compile(
    r"Activating (?P<name>.+) \((?P<id>[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-"
    r"[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12})\) \.\.\.")
ERROR_CODE = re.compile(r"Error:\s*(?:0[xX](?P<hex>[0-9A-Fa-f]{1,8})|(?P<dec>-?[0-9]{1,10}))"
                         r"(?:\s+(?P<text>.*))?")
ERROR_OCCURRED = re.compile(r"Error 0[xX](?P<hex>[0-9A-Fa-f]{1,8}) (?P<text>occurred .*)")
ERROR_TEXT = re.compile(r"Error:\s*(?P<text>.+)")
COMMAND = re.compile(r"(?:PS )?[A-Za-z]:\\[^>]*>")
COMMAND_SWITCH = re.compile(r"slmgr(?:\.vbs)?\b.*?[/-](dlv|dli|ao-list|ato|xpr)\b", re.IGNORECASE)

GUID = re.compile(r"\{?[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-"
                   r"[0-9A-Fa-f]{12}\}?")
EPID = re.compile(r"[0-9]{5}-[0-9]{5}-[0-9]{3}-[0-9]{6}-[0-9]{2}-[0-9]{1,5}-"
                   r"[0-9]{4,5}\.[0-9]{4}-[0-9]{7}")
PARTIAL_KEY = re.compile(r"[0-9A-Z]{5}")
GRACE = re.compile(r"(?P<min>[0-9]+|[xX*#?.]+|) ?minute\(s\) \((?P<days>[0-9]+) day\(s\)\)")
REASON = re.compile(r"0[xX](?P<hex>[0-9A-Fa-f]{1,8})(?: \((?:non-genuine|grace time expired)\))?\.?")
INTERVAL = re.compile(r"(?P<n>[0-9]+) minutes")
CHANNEL = re.compile(r"(?P<channel>[A-Za-z0-9_\-]+)\s+channel\.?$", re.IGNORECASE)
EDITION = re.compile(r"(?:Windows|Office).*\bedition$", re.IGNORECASE)

# Product-level labels every /dlv or /dli block carries (English).
CORE_KINDS = frozenset({"description", "license_status", "partial_product_key", "not_in_use",
                         "activation_id", "application_id", "extended_pid",
                         "product_key_channel", "installation_id"})
WEAK_KINDS = frozenset({"name", "banner", "command", "warning", "ignored"})

# Translated labels (lower case, apostrophes normalised to '). Only "Lizenzstatus" was
# confirmed from public scripts; the rest are best guesses, backed by the structural test.
LOCALIZED_LABELS: dict[str, tuple[str, ...]] = {
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

SCRIPTS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"[\u3040-\u30ff]"), "Japanese"),
    (re.compile(r"[\uac00-\ud7af]"), "Korean"),
    (re.compile(r"[\u4e00-\u9fff]"), "Chinese"),
    (re.compile(r"[\u0400-\u04ff]"), "Russian"),
    (re.compile(r"[\u0370-\u03ff]"), "Greek"),
    (re.compile(r"[\u0590-\u05ff]"), "Hebrew"),
    (re.compile(r"[\u0600-\u06ff]"), "Arabic"),
    (re.compile(r"[\u0e00-\u0e7f]"), "Thai"),
)

LANGUAGE_WORDS: dict[str, frozenset[str]] = {
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
WMI_NAMES = frozenset({"licensestatus", "partialproductkey", "productkeychannel",
                        "applicationid", "graceperiodremaining", "licensestatusreason",
                        "productkeyid", "vlactivationtype", "vlactivationtypeenabled",
                        "adactivationobjectdn", "licensefamily"})



@fast_init
@dataclass(frozen=True)
class Item:
    kind: str
    value: str = ""
    label: str = ""


@functools.lru_cache(maxsize=8192)
def classify(text: str) -> Item | None:
    """What an English slmgr line is, or None for a line slmgr does not print."""
    if not text:
        return Item("blank")
    kind = SENTENCES.get(text)
    if kind:
        return Item(kind)
    for prefix, kind in PREFIXES:
        if text.startswith(prefix):
            return Item(kind, text)
    if text.startswith("Error"):
        return classify_error(text)
    if text.startswith("Activating ") and ACTIVATING.fullmatch(text):
        return Item("activating", text)
    for pattern, _status in XPR:
        if pattern.fullmatch(text):
            return Item("xpr", text)
    colon = text.find(":")
    if colon > 0 and text[:colon + 1] not in LABELS:
        rest = text[colon + 1:].strip()
        if rest and any(pattern.fullmatch(rest) for pattern, _status in XPR):
            return Item("xpr", rest, text[:colon].strip())  # "<Name>: <status>" on one line
    if colon > 0:
        label = text[: colon + 1]
        kind = LABELS.get(label)
        if kind:
            return Item(kind, text[colon + 1:].strip(), label)
    if COMMAND.match(text):
        return Item("command", text)
    return None


def classify_error(text: str) -> Item | None:
    if ERROR_CODE.fullmatch(text) or ERROR_OCCURRED.fullmatch(text):
        return Item("error", text)
    match = ERROR_TEXT.fullmatch(text)
    if match and match.group("text").startswith(KNOWN_UNCODED_ERRORS):
        return Item("error", text)
    if match:
        return Item("error_other", text)
    return None
