"""Name normalisation: legal forms, width, case, punctuation, scripts."""

from __future__ import annotations

import pytest

from lanthanide.parties.normalize import normalise, to_simplified


@pytest.mark.parametrize(
    ("raw", "tokens"),
    [
        ("MP Materials Corp.", ("mp", "material")),
        ("mp materials corporation", ("mp", "material")),
        ("ＭＰ　Ｍａｔｅｒｉａｌｓ，Ｉｎｃ．", ("mp", "material")),
        ("Lafert S.p.A.", ("lafert",)),
        ("HENSOLDT AG", ("hensoldt",)),
        ("EXCALIBUR ARMY spol. s.r.o.", ("excalibur", "army")),
        ("TechInsights Europe Sp zo.o", ("techinsight", "europe")),
        ("OMNIPOL a.s.", ("omnipol",)),
        ("Jong Shyn Shipbuilding Co.,Ltd", ("jong", "shyn", "shipbuilding")),
        ("Gibbs&Cox, Inc.", ("gibb", "cox")),  # compare form drops a plural s
        ("The Fujikura Parachute Co., Ltd.", ("fujikura", "parachute")),
        ("Cubic Corportion", ("cubic",)),
        ("Verité", ("verite",)),
        (
            "General Dynamics Information Technology",
            ("general", "dynamic", "information", "technology"),
        ),
    ],
)
def test_latin_core(raw: str, tokens: tuple[str, ...]) -> None:
    assert normalise(raw).tokens == tokens


def test_legal_forms_are_reported_not_silently_lost() -> None:
    n = normalise("Stick Rudder Enterprises LLC")
    assert n.legal_forms == ("llc",)
    assert normalise("TCOM, Limited Partnership").legal_forms == ("limited partnership",)


@pytest.mark.parametrize(
    ("raw", "han"),
    [
        ("洛克希德·马丁公司", "洛克希德马丁"),
        ("洛克希德·馬丁公司", "洛克希德马丁"),
        ("汉翔航空工业股份有限公司", "汉翔航空工业"),
        ("漢翔航空工業股份有限公司", "汉翔航空工业"),
        ("三菱重工航空発動機株式会社", "三菱重工航空发动机"),
        ("美国因美纳公司", "因美纳"),
        ("AEVEX 航天公司", "aevex航天"),
        ("拉法特集团", "拉法特"),
    ],
)
def test_han_core(raw: str, han: str) -> None:
    assert normalise(raw).han == han


def test_script_and_conversions_are_recorded() -> None:
    assert normalise("Teledyne FLIR公司").script == "mixed"
    assert normalise("通用动力公司").script == "han"
    assert "traditional" in normalise("通用動力公司").conversions
    assert "width" in normalise("ＭＰ Materials").conversions
    assert normalise("IHI宇航株式会社").han_only == "宇航"


def test_to_simplified_folds_japanese_forms() -> None:
    assert to_simplified("沖電気工業") == "冲电气工业"


def test_a_bare_legal_form_is_not_emptied() -> None:
    assert normalise("Co").tokens == ("co",)
    assert normalise("...").empty
