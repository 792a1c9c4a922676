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
scripts; the other labels in ``LOCALIZED_LABELS`` are best guesses -- when they outnumber the
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

from adba.adapters.reports.builder import Draft
from adba.adapters.reports.slmgr_labels import (
    ACTIVATING,
    ACTIVATION_TYPES,
    CHANNEL,
    COMMAND_SWITCH,
    CORE_KINDS,
    EPID,
    ERROR_CODE,
    ERROR_OCCURRED,
    ERROR_TEXT,
    GRACE,
    GUID,
    INTERVAL,
    LICENSE_STATUS,
    PARTIAL_KEY,
    REASON,
    XPR,
    Item,
    classify,
)
from adba.adapters.reports.slmgr_language import foreign_reason, is_json_or_table, survey
from adba.adapters.reports.slmgr_lines import WRAP_WIDTHS, Line, split_lines
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
_MAX_UNKNOWN_SHOWN = 3


# --------------------------------------------------------------------------------------------
# A product block while it is read


@dataclass
class _Block:
    """One product block: the model's values (one :class:`Draft` per model) and what the reader
    needs to know about the block itself."""

    origin: str
    """``block`` (/dlv, /dli), ``ato`` or ``xpr``."""
    model: Draft[ProductStatus] = field(default_factory=lambda: Draft(ProductStatus))
    ad: Draft[AdActivation] | None = None
    kms: Draft[KmsClient] | None = None
    kms_host: Draft[KmsHost] | None = None
    requests_by_status: list[tuple[str, int]] = field(default_factory=list)
    token: bool = False
    activated: bool = False
    not_in_use: bool = False
    verbose: bool = False
    core_lines: int = 0
    foreign_lines: int = 0
    evidence: list[Evidence] = field(default_factory=list)

    @property
    def unused(self) -> bool:
        """A licence without a key (``This license is not in use.``)."""
        return self.not_in_use and self.model.partial_product_key is None

    def build(self) -> ProductStatus:
        description = self.model.description
        match = CHANNEL.search(description) if description else None
        vl_type = None
        if self.ad is not None:
            vl_type = ActivationType.AD
        elif self.token:
            vl_type = ActivationType.TOKEN
        elif self.kms is not None:
            vl_type = ActivationType.KMS
        status = self.model.license_status
        if status is None and self.activated:
            status = LicenseStatus.LICENSED
        return self.model.build(
            channel=match.group("channel") if match else None,
            license_status=status,
            vl_activation_type=vl_type,
            ad=self.ad.build() if self.ad is not None else None,
            kms=self.kms.build() if self.kms is not None else None,
            is_kms_host=self.kms_host is not None,
            kms_host=self.kms_host.build(requests_by_status=tuple(self.requests_by_status),
                                         host_epid=self.model.extended_pid)
            if self.kms_host is not None else None,
            evidence=tuple(self.evidence),
        )


# --------------------------------------------------------------------------------------------
# The reader


class _Reader:
    def __init__(self, source: str, lines: list[Line], notes: list[str]) -> None:
        self.source = source
        self.lines = lines
        self.notes = notes
        self.blocks: list[_Block] = []
        self.others: list[_Block] = []
        self.product: _Block | None = None
        self.section = "none"
        self.service_version: str | None = None
        self.ao_seen = False
        self.ao_entries: list[Draft[AoListEntry]] | None = None
        self.ao_entry: Draft[AoListEntry] | None = None
        self.ao_unsupported = False
        self.ao_said_none = False
        self.errors: list[ReportedError] = []
        self.unknown: list[Line] = []
        self.command_format: str | None = None
        self.pending_name: Line | None = None
        self.saw_activating = False
        self.saw_xpr = False
        self.implicit_used = False

    # -- helpers ------------------------------------------------------------------------------

    def note(self, text: str) -> None:
        if text not in self.notes:
            self.notes.append(text)

    def evidence(self, line: Line) -> Evidence:
        return Evidence(self.source, line.where, line.raw)

    def flush(self) -> None:
        self.product = None
        self.section = "none"
        self.ao_entry = None

    def start_product(self, origin: str, line: Line) -> _Block:
        self.flush()
        product = _Block(origin)
        (self.blocks if origin == "block" else self.others).append(product)
        self.product = product
        self.section = "product" if origin == "block" else origin
        return product

    def assign(self, target: Any, attr: str, value: object, line: Line, label: str) -> None:
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

    def need_product(self, line: Line) -> _Block | None:
        if self.product is None and self.section != "aolist" and not self.implicit_used:
            # An excerpt that starts below the Name line: its lines are one product's.
            self.implicit_used = True
            self.note(f"{line.where}: product lines without a 'Name:' line before them (an "
                      "excerpt?); read as one unnamed product")
            self.start_product("block", line)
        elif self.product is None:
            self.note(f"{line.where}: {line.text!r} outside a product block; not used")
        return self.product

    def incomplete(self, line: Line, what: str) -> None:
        self.note(f"{line.where}: the file ends inside this line; its {what} was not used")

    # -- main loop ----------------------------------------------------------------------------

    def run(self) -> None:
        for line in self.lines:
            item = classify(line.text)
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

    def unknown_line(self, line: Line) -> None:
        self.unknown.append(line)
        if self.product is not None and ":" in line.text:
            self.product.foreign_lines += 1
        self.pending_name = line if line.text.endswith(":") and line.complete else None

    # -- structure ----------------------------------------------------------------------------

    def on_blank(self, line: Line, item: Item) -> None:
        return

    def on_ignored(self, line: Line, item: Item) -> None:
        return

    def on_banner(self, line: Line, item: Item) -> None:
        self.flush()

    def on_command(self, line: Line, item: Item) -> None:
        self.flush()
        match = COMMAND_SWITCH.search(line.text)
        if match and self.command_format is None:
            self.command_format = "slmgr-" + match.group(1).lower()

    def on_warning(self, line: Line, item: Item) -> None:
        self.note(f"{line.where}: slmgr printed {line.text!r}")

    def on_error_other(self, line: Line, item: Item) -> None:
        self.on_error(line, item)

    def on_service_version(self, line: Line, item: Item) -> None:
        self.flush()
        if not line.complete:
            self.incomplete(line, "service version")
            return
        if item.value and self.service_version not in (None, item.value):
            self.note(f"{line.where}: a second service version {item.value!r}; the first was kept")
            return
        self.service_version = item.value or None

    def on_name(self, line: Line, item: Item) -> None:
        product = self.start_product("block", line)
        if not line.complete:
            self.incomplete(line, "product name")
            return
        self.assign(product.model, "name", item.value or None, line, "Name")

    def on_ao_header(self, line: Line, item: Item) -> None:
        self.flush()
        self.section = "aolist"
        self.ao_seen = True
        if self.ao_entries is None:
            self.ao_entries = []

    def on_ao_none(self, line: Line, item: Item) -> None:
        self.flush()
        self.ao_seen = True
        self.ao_said_none = True
        if self.ao_entries is None:
            self.ao_entries = []

    def on_ao_schema(self, line: Line, item: Item) -> None:
        self.flush()
        self.ao_seen = True
        self.ao_unsupported = True
        self.ao_said_none = True
        if self.ao_entries is None:
            self.ao_entries = []

    def on_activating(self, line: Line, item: Item) -> None:
        match = ACTIVATING.fullmatch(line.text)
        assert match is not None
        self.saw_activating = True
        product = self.start_product("ato", line)
        product.model.name = match.group("name")
        product.model.activation_id = uuid.UUID(match.group("id"))
        product.evidence.append(self.evidence(line))

    def on_activated(self, line: Line, item: Item) -> None:
        if self.product is not None and self.product.origin == "ato":
            self.product.activated = True
            self.product.evidence.append(self.evidence(line))
        else:
            self.note(f"{line.where}: slmgr printed {line.text!r}")

    def on_xpr(self, line: Line, item: Item) -> None:
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
            product.model.name = name_line.text[:-1].strip() or None
            product.evidence.append(self.evidence(name_line))
        elif item.label:
            product.model.name = item.label
        product.model.license_status = status
        product.evidence.append(self.evidence(line))
        if date is not None:
            cut = "" if line.complete else " (the file ends inside this line: the date may be cut)"
            self.note(f"{line.where}: /xpr end date for {product.model.name or 'a product'}: {date} "
                      f"(kept as text){cut}")

    def on_error(self, line: Line, item: Item) -> None:
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

    def on_ad_header(self, line: Line, item: Item) -> None:
        product = self.need_product(line)
        if product is None:
            self.section = "orphan"
            return
        self.section = "ad"
        if product.ad is None:
            product.ad = Draft(AdActivation)
        product.evidence.append(self.evidence(line))

    def on_kms_header(self, line: Line, item: Item) -> None:
        product = self.need_product(line)
        if product is None:
            self.section = "orphan"
            return
        self.section = "kms"
        if product.kms is None:
            product.kms = Draft(KmsClient)
        product.evidence.append(self.evidence(line))

    def on_token_header(self, line: Line, item: Item) -> None:
        product = self.need_product(line)
        if product is None:
            return
        self.section = "token"
        product.token = True
        product.evidence.append(self.evidence(line))

    def on_recent(self, line: Line, item: Item) -> None:
        return

    def on_kms_host(self, line: Line, item: Item) -> None:
        product = self.need_product(line)
        if product is None:
            return
        self.section = "kms_host"
        if product.kms_host is None:
            product.kms_host = Draft(KmsHost)
        product.evidence.append(self.evidence(line))
        text = line.text
        values = product.kms_host
        if text.startswith("DNS publishing "):
            values.dns_publishing = text.endswith("enabled")
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
                if not values.is_set(attr):
                    setattr(values, attr, int(value))
            elif value:
                self.note(f"{line.where}: {label} {value!r} is not a number; not used")
        elif label == "KMS priority" and line.complete and value in ("Normal", "Low") \
                and not values.is_set("priority"):
            values.priority = value

    def on_url(self, line: Line, item: Item) -> None:
        product = self.need_product(line)
        if product is None:
            return
        product.verbose = True
        if not product.model.has_validation_url:
            product.model.has_validation_url = True
            product.evidence.append(self.evidence(line))

    def on_installation_id(self, line: Line, item: Item) -> None:
        if self.product is not None:
            self.product.verbose = True
            self.product.core_lines += 1

    def on_not_in_use(self, line: Line, item: Item) -> None:
        product = self.need_product(line)
        if product is None:
            return
        product.core_lines += 1
        product.not_in_use = True
        product.evidence.append(self.evidence(line))
        if product.model.partial_product_key is not None:
            self.note(f"{line.where}: 'This license is not in use.' after a partial product key")

    def product_field(self, line: Line, item: Item) -> None:
        if self.section == "aolist" and item.kind in ("activation_id", "partial_product_key"):
            self.ao_field(line, item)
            return
        product = self.need_product(line)
        if product is None:
            return
        if item.kind in CORE_KINDS:
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
            self.assign(product.model, "description", value or None, line, label)
        elif kind == "product_key_channel":
            if not line.complete:
                self.incomplete(line, "product key channel")
                return
            self.assign(product.model, "product_key_channel", value or None, line, label)
        elif kind in ("activation_id", "application_id"):
            guid = self.guid(line, value, label)
            if guid is not None:
                self.assign(product.model, kind, guid, line, label)
        elif kind == "extended_pid":
            pid = self.epid(line, value, label)
            if pid is not None:
                self.assign(product.model, "extended_pid", pid, line, label)
        elif kind == "partial_product_key":
            key = self.partial_key(line, value, label)
            if key is not None:
                self.assign(product.model, "partial_product_key", key, line, label)
        elif kind == "license_status":
            if value not in LICENSE_STATUS and not line.complete:
                self.incomplete(line, "License Status")
                return
            if value not in LICENSE_STATUS:
                self.note(f"{line.where}: License Status {value!r} is not a status slmgr prints "
                          "(cut or altered?); not used")
                return
            status = LICENSE_STATUS[value]
            if status is None:
                self.note(f"{line.where}: License Status: Unknown (a value outside 0-6)")
                product.evidence.append(self.evidence(line))
                return
            self.assign(product.model, "license_status", status, line, label)
        elif kind == "grace":
            self.grace(product, line, value, label)
        elif kind == "reason":
            match = REASON.fullmatch(value)
            if not match:
                self.note(f"{line.where}: Notification Reason {value!r} not understood; not used")
                return
            self.assign(product.model, "license_status_reason", int(match.group("hex"), 16), line, label)
        elif kind == "activation_type":
            enabled = ACTIVATION_TYPES.get(value)
            if enabled is None:
                self.note(f"{line.where}: Configured Activation Type {value!r} not understood")
                return
            self.assign(product.model, "vl_activation_type_enabled", enabled, line, label)

    def grace(self, product: _Block, line: Line, value: str, label: str) -> None:
        match = GRACE.fullmatch(value)
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
            self.assign(product.model, "grace_minutes", minutes, line, label)
            return
        minutes = int(match.group("min"))
        if days not in (minutes // 1440, math.ceil(minutes / 1440)):
            self.note(f"{line.where}: {minutes} minutes are not {days} days; the minutes were used")
        self.assign(product.model, "grace_minutes", minutes, line, label)

    # -- AD block and /ao-list ----------------------------------------------------------------

    def on_ao_name(self, line: Line, item: Item) -> None:
        if self.section == "aolist":
            self.ao_entry = Draft(AoListEntry)
            assert self.ao_entries is not None
            self.ao_entries.append(self.ao_entry)
            self.ao_value(line, "name", item.value, "Activation Object name")
            return
        if self.product is not None and self.product.origin == "block":
            product = self.product
            if product.ad is None:
                self.note(f"{line.where}: AD activation lines without the 'AD Activation client "
                          "information' header; read as that block")
                product.ad = Draft(AdActivation)
            self.section = "ad"
            self.ad_value(product.ad, line, "object_name", item.value, "Activation Object name")
            return
        # /ao-list output whose "Activation Objects" header is missing
        self.note(f"{line.where}: /ao-list entry without the 'Activation Objects' header")
        self.on_ao_header(line, item)
        self.on_ao_name(line, item)

    def on_ao_dn(self, line: Line, item: Item) -> None:
        self.ad_or_ao(line, item, "object_dn", "dn")

    def on_ao_pid(self, line: Line, item: Item) -> None:
        self.ad_or_ao(line, item, "csvlk_pid", "extended_pid")

    def on_ao_activation_id(self, line: Line, item: Item) -> None:
        self.ad_or_ao(line, item, "csvlk_sku_id", None)

    def ad_or_ao(self, line: Line, item: Item, ad_attr: str, ao_attr: str | None) -> None:
        label = item.label.rstrip(":")
        if self.section == "aolist" and ao_attr is not None:
            self.ao_value(line, ao_attr, item.value, label)
            return
        if self.product is not None and self.product.ad is not None:
            self.ad_value(self.product.ad, line, ad_attr, item.value, label)
            return
        self.note(f"{line.where}: {line.text!r} outside an AD activation block; not used")

    def ad_value(self, ad: Draft[AdActivation], line: Line, attr: str, value: str, label: str) -> None:
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

    def ao_field(self, line: Line, item: Item) -> None:
        attr = "activation_id" if item.kind == "activation_id" else "partial_product_key"
        self.ao_value(line, attr, item.value, item.label.rstrip(":"))

    def ao_value(self, line: Line, attr: str, value: str, label: str) -> None:
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

    def kms_field(self, line: Line, item: Item) -> None:
        product = self.need_product(line)
        if product is None:
            return
        if product.kms is None:
            self.note(f"{line.where}: KMS client lines without the 'Key Management Service client "
                      "information' header; read as that block")
            product.kms = Draft(KmsClient)
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
            if GUID.fullmatch(value) is None:
                self.note(f"{line.where}: CMID {value!r} is not a GUID; not used")
                return
            self.assign(kms, "cmid", value.strip("{}").lower(), line, label)
        elif kind == "kms_pid":
            pid = self.epid(line, value, label)
            if pid is not None:
                self.assign(kms, "host_pid", pid, line, label)
        elif kind in ("kms_activation_interval", "kms_renewal_interval"):
            match = INTERVAL.fullmatch(value)
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

    def guid(self, line: Line, value: str, label: str) -> uuid.UUID | None:
        if GUID.fullmatch(value):
            return uuid.UUID(value.strip("{}"))
        if line.complete:
            self.note(f"{line.where}: {label} {value!r} is not a GUID; not used")
        else:
            self.incomplete(line, label)
        return None

    def epid(self, line: Line, value: str, label: str) -> str | None:
        if EPID.fullmatch(value):
            return value
        if not line.complete:
            self.incomplete(line, label)
            return None
        if value:
            self.note(f"{line.where}: {label} {value!r} is not an extended PID; kept as text")
            return value
        return None

    def partial_key(self, line: Line, value: str, label: str) -> str | None:
        if PARTIAL_KEY.fullmatch(value):
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
        unused = [p for p in self.blocks if p.unused]
        if unused:
            names = "; ".join(p.model.name or "unnamed" for p in unused[:_MAX_UNKNOWN_SHOWN])
            more = len(unused) - _MAX_UNKNOWN_SHOWN
            tail = f" and {more} more" if more > 0 else ""
            self.note(f"{len(unused)} licence(s) not in use (no product key) left out: "
                      f"{names}{tail}")
        if self.blocks and self.others:
            self.note(f"{len(self.others)} product(s) named in /ato or /xpr output are not listed "
                      "separately: the /dlv or /dli blocks describe the products")

    def report(self) -> ClientReport:
        in_use = [p for p in self.blocks if not p.unused]
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
            unused_licences=sum(1 for p in self.blocks if p.unused),
            os_name=next((p.model.name for p in products if not p.not_in_use
                          and (p.model.name or "").lower().startswith("windows")), None),
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
    for pattern, status in XPR:
        match = pattern.fullmatch(text)
        if match:
            return status, match.groupdict().get("date")
    raise AssertionError(text)  # only called for lines classify found to be /xpr lines


def _error_code(text: str) -> tuple[int | None, str | None]:
    match = ERROR_CODE.fullmatch(text) or ERROR_OCCURRED.fullmatch(text)
    if match:
        groups = match.groupdict()
        number = int(groups["hex"], 16) if groups.get("hex") else int(groups["dec"])
        return number & 0xFFFFFFFF, (match.group("text") or "").strip() or None
    plain = ERROR_TEXT.fullmatch(text)
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
# Public API


_PREPARED: list[tuple[str, list[Line], list[str], Any]] = []


def _prepare(text: str) -> tuple[list[Line], list[str], Any]:
    """Lines and survey of ``text``, kept for the one text last asked about: the sniff and the
    read of the same report split it once."""
    if _PREPARED and _PREPARED[0][0] is text:
        _text, lines, notes, found = _PREPARED[0]
        return lines, list(notes), found
    lines, notes = split_lines(text)
    found = survey(lines)
    _PREPARED[:] = [(text, lines, list(notes), found)]
    return lines, notes, found


def sniff_slmgr(text: str) -> bool:
    """True when ``text`` looks like slmgr.vbs output: English labels, or slmgr-shaped output
    in another UI language (which :func:`read_slmgr` then refuses, naming the language)."""
    if is_json_or_table(text):
        return False
    if len(text) > 1_000_000:
        found = survey(split_lines(text[:1_000_000])[0])
    else:
        _lines, _notes, found = _prepare(text)
    if found.english > 0:
        return True
    if found.wmi:
        return False
    return (found.localized > 0 and found.shapes >= 1) or found.shapes >= 2


def read_slmgr(text: str, source: str) -> ClientReport:
    """Read slmgr.vbs output (``/dlv``, ``/dlv all``, ``/dli``, ``/ao-list``, ``/ato``,
    ``/xpr``) into a :class:`ClientReport`; ``source`` names the file in every evidence entry.

    Raises :class:`UnreadableReport` for output in another UI language, for text that holds
    no slmgr output, and for an empty text.
    """
    if not text.strip():
        raise UnreadableReport("empty file")
    lines, notes, found = _prepare(text)
    if found.english == 0:
        if not found.wmi and (found.localized > 0 or found.shapes >= 2):
            raise UnreadableReport(foreign_reason(lines, found.localized_language))
        raise UnreadableReport("no slmgr output found (expected the output of slmgr /dlv, /dli, "
                               "/ao-list, /ato or /xpr in English)")
    if found.localized > 0 and found.localized >= found.english_core:
        raise UnreadableReport(foreign_reason(lines, found.localized_language))
    reader = _Reader(source, lines, notes)
    reader.run()
    for product in reader.blocks:
        if product.core_lines == 0 and product.foreign_lines > 0:
            raise UnreadableReport(foreign_reason(lines, found.localized_language))
    return reader.report()
