"""The licence-kind classifier, on Name/Description/ProductKeyChannel values as real slmgr and
WMI output prints them (fixtures/real and Microsoft's documentation)."""

from __future__ import annotations

import pytest

from adba.core.client import KmsHost, ProductStatus
from adba.core.product_kind import ProductKind, classify, edition_id

K = ProductKind


@pytest.mark.parametrize(("name", "description", "key_channel", "kind", "server"), [
    # KMS clients (GVLK)
    ("Windows(R), ServerDatacenter edition",
     "Windows(R) Operating System, VOLUME_KMSCLIENT channel", "Volume:GVLK", K.KMS_CLIENT, True),
    ("Office 21, Office21ProPlus2021VL_KMS_Client_AE edition", "Office 21, VOLUME_KMSCLIENT channel",
     "Volume:GVLK", K.KMS_CLIENT, False),
    ("Windows(R) 7, Enterprise edition",
     "Windows Operating System - Windows(R) 7, VOLUME_KMSCLIENT channel", None, K.KMS_CLIENT, False),
    # KMS hosts (CSVLK): Office 16 sample of the Office docs, a 2008 R2 host, a 2012 R2-era one
    ("Office 16, OfficeKMSHostVL_KMS_Host edition", "Office 16, VOLUME_KMS channel", None,
     K.KMS_HOST, False),
    ("Windows Server(R), ServerEnterprise edition",
     "Windows Operating System - Windows Server(R), VOLUME_KMS_C channel", None, K.KMS_HOST, True),
    ("Windows(R), ServerStandard edition",
     "Windows(R) Operating System, VOLUME_KMS_2012-R2_WIN10 channel", "Volume:CSVLK", K.KMS_HOST,
     True),
    # Evaluation editions
    ("Windows(R) 7, Enterprise edition",
     "Windows Operating System - Windows(R) 7, TIMEBASED_EVAL channel", None, K.EVALUATION, False),
    ("Windows(R), ServerStandardEval edition", "Windows(R) Operating System, TIMEBASED_EVAL channel",
     "Retail:TB:Eval", K.EVALUATION, True),
    ("Windows(R), EnterpriseEval edition", "Windows(R) Operating System, RETAIL channel", None,
     K.EVALUATION, False),
    # ESU add-on: a MAK by design, its Name lists Core editions too
    ("Windows(R), Client-ESU-Year1 add-on for Education,EducationN,Enterprise,Core,CoreN,"
     "CoreSingleLanguage,IoTEnterprise,PPIPro", "Windows(R) Operating System, VOLUME_MAK channel",
     "Volume:MAK", K.ESU, False),
    # Others
    ("Windows(R), Professional edition", "Windows(R) Operating System, OEM_DM channel", "OEM:DM",
     K.OEM, False),
    ("Windows(R), ServerStandard edition", "Windows® Operating System, RETAIL Channel", "Retail",
     K.RETAIL, True),
    ("Office 16, Office16ProPlusR_Grace edition", "Office 16, RETAIL(Grace) channel", "Retail",
     K.RETAIL, False),
    ("Windows(R), Enterprise edition", "Windows(R) Operating System, VOLUME_MAK channel",
     "Volume:MAK", K.MAK, False),
    ("Windows(R), Core edition", "Windows(R) Operating System, OEM_DM channel", "OEM:DM", K.HOME,
     False),
    ("Windows(R), CoreSingleLanguage edition", "Windows(R) Operating System, RETAIL channel",
     "Retail", K.HOME, False),
    ("Windows(R), Enterprise edition", "Windows(R) Operating System, TIMEBASED_SUB channel", None,
     K.SUBSCRIPTION, False),
    ("Windows(R), ServerDatacenter edition",
     "Windows(R) Operating System, VIRTUAL_MACHINE_ACTIVATION channel", None, K.AVMA, True),
    ("Windows(R), ServerStandard edition", None, None, K.UNKNOWN, True),
])
def test_classifies_real_descriptions(name: str, description: str | None, key_channel: str | None,
                                      kind: ProductKind, server: bool) -> None:
    result = classify(ProductStatus(name=name, description=description,
                                    product_key_channel=key_channel))
    assert result.kind is kind, result.reason
    assert result.server is server


def test_kms_host_block_makes_a_host_unless_the_key_is_a_gvlk() -> None:
    block = KmsHost(current_count=3)
    assert classify(ProductStatus(name="Windows(R), ServerStandard edition",
                                  kms_host=block)).kind is K.KMS_HOST
    # An Office KMS host's primary Windows SKU prints the host block too, with its GVLK.
    windows = ProductStatus(name="Windows(R), ServerStandard edition", kms_host=block,
                            description="Windows(R) Operating System, VOLUME_KMSCLIENT channel")
    assert classify(windows).kind is K.KMS_CLIENT


def test_home_from_the_os_name_and_server_core_is_not_home() -> None:
    assert classify(ProductStatus(name="Windows(R), Professional edition",
                                  description="Windows(R) Operating System, RETAIL channel"),
                    os_name="Windows 10 Home").kind is K.HOME
    core = ProductStatus(name="Windows Server(R), ServerStandardCore edition",
                         description="Windows Operating System - Windows Server(R), RETAIL channel")
    assert classify(core).kind is K.RETAIL


def test_edition_ids() -> None:
    assert edition_id("Windows(R), ServerStandardEval edition") == "ServerStandardEval"
    assert edition_id("Office 16, OfficeKMSHostVL_KMS_Host edition") is None  # no plain id
    assert edition_id(None) is None


def test_kept_classifications_are_those_computed_afresh() -> None:
    """classify keeps its answers by the fields it reads: for every product of the corpus and
    the fixtures (each asked twice, the second time from what was kept) the answer is the one
    computed afresh, and a field classify does not read cannot change it."""
    import dataclasses

    from adba.adapters.reports import expand_inputs
    from adba.adapters.reports.batch import read_all
    from adba.core import product_kind
    from adba.core.client import UnreadableReport
    from tests.conftest import REPO

    items = list(expand_inputs([str(REPO / "fixtures" / "real"), str(REPO / "fixtures" / "clients")]))
    seen = 0
    for _item, reports in read_all(items, workers=1):
        if isinstance(reports, UnreadableReport):
            continue
        for report in reports:
            for p in report.products:
                os_name = report.os_name or report.os_caption
                for _ in range(2):
                    assert product_kind.classify(p, os_name) == product_kind._classify(p, os_name)
                other = dataclasses.replace(p, partial_product_key="ZZZZZ", grace_minutes=7)
                assert product_kind.classify(other, os_name) == product_kind._classify(p, os_name)
                seen += 1
    assert seen > 50
