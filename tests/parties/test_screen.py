"""Screening names against the bundled lists: matches, explanations, status
and effects on a date, and names that must not match."""

from __future__ import annotations

from datetime import date

import pytest

from lanthanide.parties import POSSIBLE, STRONG, PartyMatch, effects_for, screen_name
from lanthanide.rules.book import load_rulebook

LISTS = load_rulebook().lists
ON = date(2026, 12, 1)


def top(name: str, on: date = ON, country: str | None = None) -> PartyMatch:
    res = screen_name(name, LISTS, on, country)
    assert res, f"no match for {name!r}"
    return res[0]


def test_mp_materials_prohibited_on_2026_12_01() -> None:
    m = top("MP Materials Corp.")
    assert m.confidence == "exact" and m.score == 1.0
    assert m.number == "商务部公告2026年第23号"
    assert m.list == "control_list"
    assert m.status == "in_force"
    ban = m.applicable()[0]
    assert (ban.effect, ban.items, ban.activity) == ("prohibited", "dual_use", "export")
    assert ban.covers(dual_use=True) is True
    assert ban.covers(dual_use=False) is False
    assert ban.tag == "S"
    assert any(s.url.startswith("https://www.mofcom.gov.cn/") for s in ban.sources)
    assert m.explanation.name_kind == "name_en"
    assert "corp" in m.explanation.legal_forms_ignored


def test_mp_materials_before_the_listing() -> None:
    m = top("MP Materials", on=date(2026, 6, 1))
    assert m.status == "not_yet" and not m.applicable()


@pytest.mark.parametrize(
    "name",
    [
        "芒廷帕斯材料公司",
        "ＭＰ　ＭＡＴＥＲＩＡＬＳ　ＣＯＲＰ",
        "mp materials corporation",
        "M.P. Materials Corp",
    ],
)
def test_mp_materials_in_other_spellings(name: str) -> None:
    m = top(name)
    assert m.entry.entry.name.en == "MP Materials Corp."
    assert m.confident


def test_typo_and_traditional_and_japanese_forms() -> None:
    assert top("Lockhead Martin Corporation").entry.entry.name.en == "Lockheed Martin Corporation"
    assert top("Lockhead Martin Corporation").confidence == "strong"
    assert top("漢翔航空工業股份有限公司").confidence == "exact"
    m = top("三菱重工航空発動機株式会社")
    assert m.entry.entry.name.en == "Mitsubishi Heavy Industries Aero Engines, Ltd."
    assert "traditional" in m.explanation.conversions


def test_alias_match_names_the_alias() -> None:
    m = top("TechInsights Japan K.K.")
    assert m.explanation.name_kind == "alias"
    assert m.explanation.matched_name == "TechInsights Japan KK"
    assert m.list == "unreliable_entity_list"


@pytest.mark.parametrize(
    "name",
    [
        "General Mills",
        "Mitsubishi Estate Co., Ltd.",
        "Mitsubishi UFJ Financial Group",
        "Applied Materials, Inc.",
        "三菱地所株式会社",
        "通用电气公司",
        "Boeing",
    ],
)
def test_look_alikes_do_not_match(name: str) -> None:
    assert screen_name(name, LISTS, ON) == []


def test_every_list_can_be_matched() -> None:
    seen = set()
    for name in ("General Dynamics", "SUBARU Corporation", "Illumina", "Verité"):
        seen |= {m.list for m in screen_name(name, LISTS, ON)}
    assert seen == {"control_list", "watch_list", "unreliable_entity_list", "countermeasure_list"}


def test_possible_match_raises_a_question() -> None:
    res = screen_name("Anduril Industries Australia Pty Ltd", LISTS, ON)
    assert res and all(m.confidence == "possible" for m in res)
    assert POSSIBLE <= res[0].score < STRONG
    q = res[0].question()
    assert "Anduril" in (q.en or "") and "商务部公告2025年第1号" in (q.en or "") + (q.zh or "")


def test_related_entries_are_folded_into_the_confident_match() -> None:
    res = screen_name("Lockheed Martin Corporation", LISTS, ON)
    assert {m.entry.entry.name.en for m in res} == {"Lockheed Martin Corporation"}
    related = {r.entry.entry.name.en for r in res[0].related}
    assert "Lockheed Martin Ventures" in related


def test_each_listing_is_reported_separately() -> None:
    # AeroVironment: control list 2025 No. 13 (stopped) and UEL 〔2025〕10号 (in force)
    res = screen_name("AeroVironment, Inc.", LISTS, ON)
    by_number = {m.number: m.status for m in res}
    assert by_number == {
        "商务部公告2025年第13号": "stopped",
        "不可靠实体清单工作机制公告〔2025〕10号": "in_force",
    }


def test_suspended_listing_says_so_and_does_not_apply() -> None:
    m = next(
        m
        for m in screen_name("Cubic Corporation", LISTS, date(2026, 3, 1))
        if m.number == "商务部公告2025年第21号"
    )
    assert m.status == "suspended" and not m.applicable()
    ban = next(e for e in m.effects if e.kind == "dual_use_export_ban")
    assert ban.window is not None and ban.window.end == date(2026, 11, 11)  # 2026-11-10 included
    assert ban.by is not None and "Kuala Lumpur" in ban.by


def test_after_the_legal_end_of_a_suspension_the_political_extension_is_an_alternative() -> None:
    m = next(
        m
        for m in screen_name("Hanwha Philly Shipyard", LISTS, ON)
        if m.number == "商务部令2025年第6号"
    )
    assert m.status == "in_force"
    e = m.applicable()[0]
    assert e.effect == "prohibited" and e.activity == "dealings"
    assert [a.status for a in e.alternatives] == ["suspended"]


def test_country_mismatch_lowers_the_score() -> None:
    same = top("Lafert S.p.A.", country="IT")
    other = top("Lafert S.p.A.", country="US")
    assert same.explanation.country == "match"
    assert other.explanation.country == "mismatch"
    assert other.score < same.score
    assert other.confidence != "exact"


def test_bad_input_names_the_field() -> None:
    with pytest.raises(ValueError, match=r"^name:"):
        screen_name("  ", LISTS, ON)
    with pytest.raises(ValueError, match=r"^country:"):
        screen_name("MP Materials", LISTS, ON, country="usa")


def test_watch_list_effects() -> None:
    m = top("SUBARU Corporation")
    assert m.list == "watch_list"
    effects = {e.kind: e for e in m.applicable()}
    assert effects["single_licence"].effect == "licence_required"
    assert effects["written_undertaking"].effect == "duty"
    refused = effects["military_refused"]
    assert refused.effect == "denial_presumed"
    assert refused.covers(dual_use=True, end_use=None) is None
    assert refused.covers(dual_use=True, end_use="military") is True
    assert refused.covers(dual_use=True, end_use="civil") is False


def test_uel_and_unknown_countermeasures() -> None:
    uel = next(m for m in screen_name("Anduril Industries", LISTS, ON) if m.list != "control_list")
    trade = next(e for e in uel.applicable() if e.kind == "import_export_ban")
    assert trade.items == "all" and trade.covers(dual_use=False) is True
    rba = top("Responsible Business Alliance")
    assert rba.applicable()[0].effect == "unknown"
    assert rba.entry.announcement.complete is False


def test_gene_sequencer_measure_does_not_bear_on_exports() -> None:
    m = next(
        m
        for m in screen_name("Illumina, Inc.", LISTS, date(2025, 6, 1))
        if m.number == "不可靠实体清单工作机制公告〔2025〕6号"
    )
    (e,) = m.effects
    assert e.applies and not e.bears_on_export and e.goods is not None


def test_effects_for_is_strictest_first_and_matches_the_match() -> None:
    m = top("MP Materials Corp.")
    effects = effects_for(m, ON)
    assert effects == list(m.effects)
    ranks = [e.rank for e in effects if e.applies]
    assert ranks == sorted(ranks)


def test_lists_checked_says_what_was_covered() -> None:
    from lanthanide.parties import lists_checked

    early = lists_checked(LISTS, date(2025, 1, 10))
    assert [n for _, n, _ in early.announcements] == [
        "商务部公告2025年第1号",
        "不可靠实体清单工作机制公告〔2025〕1号",
    ]
    late = lists_checked(LISTS, ON)
    assert sum(late.counts.values()) == 271
    assert late.incomplete == ("商务部令2026年第2号",)
    assert any("not encoded" in (w.en or "") for w in late.warnings)
