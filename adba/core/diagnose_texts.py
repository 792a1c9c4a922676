"""The fixed texts of the client diagnoses (ADBA-DIAG-*), kept beside correlation and listed in
docs/rules.md. Remediations keep any ``slmgr /ato`` step in a sentence of its own: for a report
that *is* /ato output, correlation drops that sentence instead of asking for what it already has.

Placeholders (``<GVLK>``, ``<CSVLK>``, ``<name>``) stay placeholders: adba never prints a key.
"""

from __future__ import annotations

from adba.core.findings import RuleText, Severity

HEALTHY = RuleText(
    "ADBA-DIAG-001", Severity.INFO,
    "Activated through AD by an activation object that exists",
    "The product's last activation came from an activation object that is still in the forest, "
    "with the same CSVLK. The client renews by itself (by default every 7 days) and stays "
    "activated for up to 180 days after its last contact with a DC.",
    "Nothing to do.",
)
OBJECT_GONE = RuleText(
    "ADBA-DIAG-002", Severity.HIGH,
    "Activated by an activation object that no longer exists or was replaced",
    "The client keeps its activation until the validity runs out, but at the next renewal it "
    "will not find that object; unless another object enables its KMS id, it then falls back to "
    "KMS or drops out of activation.",
    "Make sure an object enabling this product exists (adba scan). Then renew on the client: "
    "slmgr /ato. It re-reads the objects; slmgr /dlv then shows the object it used.",
)
NO_OBJECT_FOR_PRODUCT = RuleText(
    "ADBA-DIAG-003", Severity.HIGH,
    "No activation object enables this product",
    "ADBA activates a client only when an activation object lists its edition's KMS id. None "
    "does in this forest.",
    "Activate the forest with a CSVLK that enables this product: slmgr /ad-activation-online "
    "<CSVLK> \"<name>\" (the evidence names suitable CSVLKs). Then on the client: slmgr /ato.",
)
ACT_TYPE_EXCLUDES_AD = RuleText(
    "ADBA-DIAG-004", Severity.MEDIUM,
    "The configured activation type excludes AD",
    "slmgr /act-type (VLActivationTypeEnabled) is set to KMS-only (2) or token-only (3), so the "
    "client never reads activation objects.",
    "Allow AD again on the client: slmgr /act-type 0 (any) or slmgr /act-type 1 (AD only). "
    "Then activate: slmgr /ato.",
)
NOT_GVLK = RuleText(
    "ADBA-DIAG-005", Severity.HIGH,
    "The installed key is not a KMS client key (GVLK): ADBA can never apply",
    "ADBA (like KMS) activates only volume editions installed with a generic volume licence key. "
    "A MAK activates once against Microsoft and counts against the key's limit; a retail key "
    "(a machine built from retail or MSDN media shows 'RETAIL channel' and a Validation URL in "
    "slmgr /dlv: Microsoft's own ADBA troubleshooting case) and an OEM key activate the licence "
    "bought with them; an AVMA key is activated by its Hyper-V host. None of them reads "
    "activation objects. The finding's explanation names the kind found.",
    "If the volume licence covers this edition, install its KMS client key (Microsoft's 'KMS "
    "client activation keys' table): slmgr /ipk <GVLK>. Prefer /ipk over /upk, which leaves the "
    "machine without a key. Then activate: slmgr /ato.",
)
OS_TOO_OLD = RuleText(
    "ADBA-DIAG-006", Severity.MEDIUM,
    "The operating system cannot use ADBA",
    "ADBA arrived with Windows 8 and Windows Server 2012; Windows XP, Vista and 7 and Windows "
    "Server 2003, 2008 and 2008 R2 never read activation objects.",
    "Activate it with a KMS host (a current Windows Server CSVLK still counts and activates "
    "Windows 7 and Server 2008 R2) or a MAK, and plan the upgrade: these systems are out of "
    "support.",
)
FOREIGN_DOMAIN = RuleText(
    "ADBA-DIAG-007", Severity.HIGH,
    "The client's domain is not in the scanned forest",
    "A client reads activation objects from its own computer's forest. The objects scanned here "
    "belong to another forest, so they cannot activate this client.",
    "Scan the client's own forest (adba scan --domain <client's domain>), or join the client to "
    "this forest.",
)
GRACE_EXPIRING = RuleText(
    "ADBA-DIAG-008", Severity.MEDIUM,
    "The activation or grace period ends soon",
    "The remaining validity, counted from when the report was taken, is shorter than the "
    "warning window; once it runs out the product goes to notification mode.",
    "Renew now on the client: slmgr /ato. If that fails, the other diagnoses for this machine "
    "say why.",
)
SEES_NO_OBJECTS = RuleText(
    "ADBA-DIAG-009", Severity.HIGH,
    "The client sees no activation objects although the forest has some",
    "slmgr /ao-list on the client found nothing, while the scan reads objects. The client either "
    "lacks read access (container DACL), asks a DC that has not replicated them, or cannot reach "
    "a DC.",
    "Check the container's permissions (adba scan: ADBA-ACL-001), which DC the client uses "
    "(nltest /dsgetdc:<domain>) and replication (repadmin /showrepl). Then activate: slmgr /ato.",
)
KMS_FALLBACK_FAILED = RuleText(
    "ADBA-DIAG-010", Severity.MEDIUM,
    "The KMS fallback failed",
    "When AD activation does not apply, a volume client tries KMS; these errors say that failed "
    "too (no KMS host found or reachable, or it refused).",
    "Fix the ADBA cause first (the other diagnoses); for KMS, check _vlmcs._tcp SRV records "
    "(nslookup -type=srv _vlmcs._tcp.<domain>), TCP 1688, or set a host: slmgr /skms host:1688.",
)
NOT_ACTIVATED = RuleText(
    "ADBA-DIAG-011", Severity.HIGH,
    "The product is not activated",
    "The licence status is not Licensed (or an activation attempt failed) and none of the "
    "specific causes above explains it; the errors and their meanings are in the evidence. The "
    "severity is high only when the report shows the product unlicensed or the error says so; "
    "an unknown licence state is at most medium.",
    "Fix what the reported error names (the evidence explains it; adba explain <code> has "
    "more). When the report holds no error, activate once and keep the output for adba "
    "diagnose: slmgr /ato.",
)
ACTIVATED_OTHERWISE = RuleText(
    "ADBA-DIAG-012", Severity.INFO,
    "Activated by a token although an activation object enables it",
    "The product is licensed, but its last activation came from token-based activation, not "
    "from the activation object that would cover it.",
    "Nothing is broken. To move it to ADBA: slmgr /act-type 0. Then, while a DC is reachable: "
    "slmgr /ato.",
)
UNREADABLE = RuleText(
    "ADBA-DIAG-013", Severity.MEDIUM,
    "A report could not be read",
    "The file is listed with the reason; the other reports were still processed.",
    "Collect it again (adba collector) or save slmgr output as text, in English.",
)
LICENSED_BY_KMS = RuleText(
    "ADBA-DIAG-014", Severity.INFO,
    "Licensed by a KMS host",
    "The product's last activation came from a KMS host, registered with slmgr /skms or found "
    "through the _vlmcs._tcp SRV records. The evidence names the host, its address and its "
    "CSVLK (decoded from the host's extended PID), and says whether an activation object in "
    "this forest enables the product: if one does, the client tries AD first at its next "
    "renewal and AD takes over; if none does, the client depends on that KMS host.",
    "Nothing is broken. To move the client to ADBA, the forest needs an object enabling its "
    "product: slmgr /ad-activation-online <CSVLK> \"<name>\" with a CSVLK the evidence names.",
)
KMS_HOST_NOT_GENUINE = RuleText(
    "ADBA-DIAG-015", Severity.HIGH,
    "The KMS host is not a genuine Microsoft KMS host (an emulator)",
    "A Microsoft KMS host identifies itself with the extended PID of its CSVLK: the group id of "
    "that CSVLK and a key serial inside one of its key blocks. This host's ePID matches no "
    "CSVLK key block, or the host or its ePID is listed publicly as a KMS emulator (vlmcsd, "
    "py-kms and the like), or it reports a count above 50, which no Microsoft host does. "
    "Products it 'activated' are not licensed.",
    "Stop using it: if it was set with slmgr /skms, clear it on the clients (slmgr /ckms); if "
    "it was found by DNS, remove the _vlmcs._tcp SRV record that points to it (nslookup "
    "-type=srv _vlmcs._tcp.<domain> shows it). Activate the clients through ADBA instead: an "
    "activation object enabling their product (slmgr /ad-activation-online <CSVLK> \"<name>\"). "
    "Then on each client: slmgr /ato.",
)
KMS_BELOW_THRESHOLD = RuleText(
    "ADBA-DIAG-016", Severity.MEDIUM,
    "The KMS host is below its activation threshold",
    "A KMS host activates Windows client editions only once it has counted 25 distinct "
    "machines in the last 30 days, and Windows Server editions (and Office) from 5; the count "
    "never exceeds 50. Below the threshold clients get 0xC004F038 and stay in grace. Cloned "
    "machines that were not generalised (sysprep /generalize) share one client machine id and "
    "count once.",
    "Let more machines ask the host (each distinct client counts for 30 days), or give "
    "cloned machines their own CMID (sysprep /generalize before capture). ADBA has no "
    "threshold at all: an activation object activates the first client: slmgr "
    "/ad-activation-online <CSVLK> \"<name>\".",
)
KMS_HOST_COULD_MOVE = RuleText(
    "ADBA-DIAG-017", Severity.INFO,
    "This KMS host could move to ADBA",
    "The same CSVLK a KMS host runs on can activate the forest: an activation object made from "
    "it activates every domain member that can use ADBA (Windows 8 / Server 2012 and later, "
    "Office 2013 and later), with no count threshold, no port 1688 and no SRV records. The "
    "evidence says whether the forest already has an object for this CSVLK (or one enabling "
    "everything it does).",
    "Create the object from this CSVLK on a domain-joined Windows 8 / Server 2012 or later "
    "machine, as an Enterprise Admin: slmgr /ad-activation-online <CSVLK> \"<name>\" (for an "
    "Office CSVLK, install its Volume License Pack first; each CSVLK allows only a few "
    "activations). Keep the KMS host while clients that cannot use ADBA remain (Windows 7, "
    "Server 2008 R2, Office 2010, machines outside the forest).",
)
KMS_HOST_KEY = RuleText(
    "ADBA-DIAG-018", Severity.INFO,
    "This product holds a KMS host key (CSVLK): ADBA does not apply to it, and it keeps its key",
    "A KMS host key is activated against Microsoft and then activates other machines. Its "
    "Description reads 'VOLUME_KMS' (not VOLUME_KMSCLIENT) or the report shows the KMS host "
    "block. Installing a client key on it, or uninstalling its key, would remove the host key "
    "and stop the host serving every client that depends on it.",
    "Keep the key. If the host itself is not activated, activate it online (slmgr /ato on the "
    "host) or by phone (slui 4). To retire it, first move its clients to ADBA "
    "(ADBA-DIAG-017).",
)
EVALUATION = RuleText(
    "ADBA-DIAG-019", Severity.MEDIUM,
    "An evaluation edition: volume activation cannot apply until it is converted",
    "Evaluation editions (Description 'TIMEBASED_EVAL', edition names ending in 'Eval') run "
    "for a limited time and refuse volume keys (0xC004F069). Windows Server evaluation "
    "editions can be converted in place to a full edition; Windows client evaluation "
    "editions cannot be converted at all.",
    "Windows Server: convert it in place with DISM /online /Set-Edition:<edition> "
    "/ProductKey:<key> /AcceptEula (DISM /online /Get-TargetEditions lists the editions; use "
    "the edition's GVLK as the key to make it an ADBA client; a domain controller must be "
    "demoted first). Windows client: reinstall from volume-licensing media.",
)
ESU_ADDON = RuleText(
    "ADBA-DIAG-020", Severity.INFO,
    "An Extended Security Updates add-on: activated with its own MAK, not by ADBA",
    "ESU licences are add-ons installed beside the operating system's own licence, with a MAK "
    "by design; ADBA and KMS never activate them, and the OS licence stays as it is.",
    "If it is not activated, activate the add-on by its own activation ID: slmgr /ato "
    "<ActivationID>. The ESU prerequisites (servicing stack and licensing preparation updates) "
    "must be installed first. Leave the operating system's key alone.",
)
HOME_EDITION = RuleText(
    "ADBA-DIAG-021", Severity.MEDIUM,
    "A Home edition: it can neither use volume activation nor join the domain",
    "Windows Home (edition 'Core', 'CoreSingleLanguage'...) has no KMS client key and is not a "
    "qualifying system for Windows volume licences; it cannot join an AD domain either.",
    "Upgrade it to Pro first, with a Pro licence: Settings > System > Activation > Change "
    "product key, or changepk.exe /ProductKey <Pro key>. Then, if the volume licence covers "
    "it, install the edition's KMS client key: slmgr /ipk <GVLK>.",
)
SUBSCRIPTION = RuleText(
    "ADBA-DIAG-022", Severity.INFO,
    "A subscription licence (Windows Enterprise E3/E5 subscription activation)",
    "Subscription activation steps a licensed Windows Pro up to Enterprise while the signed-in "
    "user holds the subscription; it does not use activation objects or KMS. The Pro "
    "underneath is activated on its own (firmware key, or ADBA/KMS with the Pro GVLK).",
    "Nothing to do for ADBA. If the machine falls back to Pro, check the user's licence "
    "assignment and the device's Entra join (dsregcmd /status).",
)

RULES = (HEALTHY, OBJECT_GONE, NO_OBJECT_FOR_PRODUCT, ACT_TYPE_EXCLUDES_AD, NOT_GVLK, OS_TOO_OLD,
         FOREIGN_DOMAIN, GRACE_EXPIRING, SEES_NO_OBJECTS, KMS_FALLBACK_FAILED, NOT_ACTIVATED,
         ACTIVATED_OTHERWISE, UNREADABLE, LICENSED_BY_KMS, KMS_HOST_NOT_GENUINE,
         KMS_BELOW_THRESHOLD, KMS_HOST_COULD_MOVE, KMS_HOST_KEY, EVALUATION, ESU_ADDON,
         HOME_EDITION, SUBSCRIPTION)

KIND_EXPLANATIONS = {
    "mak": "A MAK (Multiple Activation Key) is installed: it activated once against Microsoft "
           "and counts against the key's activation limit. The machine never reads activation "
           "objects.",
    "retail": "A retail key is installed (a machine built from retail or MSDN media shows "
              "'RETAIL channel' and a Validation URL, as in Microsoft's own ADBA "
              "troubleshooting case). It never reads activation objects.",
    "oem": "An OEM key is installed (OEM_DM: the key in the firmware; OEM_COA/SLP: the "
           "manufacturer's licence). It activates the licence that came with the machine and "
           "never reads activation objects.",
    "avma": "An AVMA key is installed: the guest is activated by its Hyper-V host (Datacenter), "
            "not by activation objects.",
    "unknown": "The installed key is not a KMS client key, and the report does not say which "
               "kind it is.",
}
KIND_FIXES = {
    "mak": ("Nothing is broken while it is licensed. To move it to ADBA (no activation count "
            "used, renewals by AD), install the edition's KMS client key: slmgr /ipk <GVLK>. "
            "Then activate: slmgr /ato."),
    "retail": ("If the volume licence covers this edition, install its KMS client key "
               "(Microsoft's 'KMS client activation keys' table): slmgr /ipk <GVLK>. Prefer "
               "/ipk over /upk, which leaves the machine without a key. Then activate: "
               "slmgr /ato."),
    "oem": ("Nothing is broken while it is licensed. To bring it under the volume licence "
            "(which upgrades a qualifying OEM licence), install the edition's KMS client key: "
            "slmgr /ipk <GVLK>. Then activate: slmgr /ato."),
    "avma": ("Nothing to do while the Hyper-V host activates it. To use ADBA instead, install "
             "the edition's KMS client key: slmgr /ipk <GVLK>. Then activate: slmgr /ato."),
    "unknown": NOT_GVLK.remediation,
}
