"""Slot coverage for data-to-text, and the classic baselines (lead-n, TextRank, templates)."""

from __future__ import annotations

import pytest

from zhimei.errors import UnknownNameError
from zhimei.evaluation.baselines import baseline_names, lead, run_baseline, template, textrank
from zhimei.evaluation.slots import realised, slot_coverage, slot_values
from zhimei.records import ArticleInput, RecordInput

EAGLE = {"name": "The Eagle", "eatType": "coffee shop", "priceRange": "£20-25", "familyFriendly": "no"}


def test_e2e_slots_count_paraphrases() -> None:
    assert slot_coverage(EAGLE, "The Eagle is a moderately priced coffee shop, not family-friendly.") == 1.0
    assert slot_coverage(EAGLE, "The Eagle is a coffee shop.") == 0.5
    assert realised("customer rating", "5 out of 5", "a highly rated pub")
    assert realised("area", "city centre", "in the city center")
    assert not realised("area", "riverside", "in the city centre")


def test_values_match_whole_words_and_ignore_case_and_hyphens() -> None:
    assert not realised("points", "1", "He scored 15 points")
    assert realised("points", "15", "He scored 15 points")
    assert realised("food", "Fast food", "a FAST-FOOD place")
    assert realised("城市", "深圳", "深圳市GDP增长")


def test_nested_records_are_flattened_and_empty_values_skipped() -> None:
    data = {
        "home": {"name": "Hawks", "points": "95"},
        "players": [{"name": "Al Horford"}],
        "note": "",
        "x": None,
    }
    assert list(slot_values(data)) == [
        ("home.name", "Hawks"),
        ("home.points", "95"),
        ("players.name", "Al Horford"),
    ]
    assert slot_coverage(data, "The Hawks scored 95.") == pytest.approx(2 / 3)
    assert slot_coverage({"note": ""}, "anything") is None


ZH = "本报讯，市政府昨日发布新规。新规自明年1月1日起施行。新规要求新建住宅配建充电桩。市民普遍表示欢迎。"
EN = (
    "Heavy rain closed 14 schools on Monday. Officials said the rain would stop by Tuesday. "
    "Schools will reopen after the rain stops, officials said. A football match was also cancelled."
)


def test_lead_takes_the_first_sentences() -> None:
    assert lead(ZH, "zh", 1) == "本报讯，市政府昨日发布新规。"
    assert (
        lead(EN, "en", 2)
        == "Heavy rain closed 14 schools on Monday. Officials said the rain would stop by Tuesday."
    )
    assert lead("One sentence only", "en", 3) == "One sentence only"


def test_textrank_prefers_central_sentences_in_original_order() -> None:
    top = textrank(EN, "en", 2)
    assert "football" not in top  # the off-topic sentence shares no words with the others
    assert top.index("Officials said the rain") < top.index("Schools will reopen")
    assert textrank(ZH, "zh", 1) in ZH and textrank(ZH, "zh", 1) != ""
    assert textrank("Just one.", "en", 3) == "Just one."


def test_template_realisers() -> None:
    e2e = template({"name": "Zizzi", "food": "Italian", "priceRange": "cheap", "familyFriendly": "yes"}, "en")
    assert e2e == "Zizzi is a place serving Italian food in the cheap price range. It is family-friendly."
    game = {
        "home": {"city": "Atlanta", "name": "Hawks", "wins": "46", "losses": "12", "points": "95"},
        "visitor": {"city": "Orlando", "name": "Magic", "wins": "19", "losses": "41", "points": "88"},
        "players": [
            {"name": "Al Horford", "team": "Atlanta", "points": "17", "rebounds": "13", "assists": "4"}
        ],
    }
    text = template(game, "en")
    assert text.startswith("The Atlanta Hawks (46-12) beat the Orlando Magic (19-41) 95-88.")
    assert "Al Horford scored 17 points with 13 rebounds and 4 assists" in text
    assert template({"城市": "深圳", "增速": "5.8%"}, "zh") == "城市为深圳。增速为5.8%。"
    assert template({"city": "Austin"}, "en") == "The city is Austin."


def test_baselines_by_task() -> None:
    assert baseline_names("summary") == ["lead-1", "lead-3", "textrank-3"]
    assert baseline_names("headline") == ["lead-1", "textrank-1"]
    assert run_baseline("summary", "lead-1", ArticleInput(text=EN, lang="en")).startswith("Heavy rain")
    assert (
        run_baseline("brief", "template", RecordInput(data={"city": "Austin"}, lang="en"))
        == "The city is Austin."
    )
    with pytest.raises(UnknownNameError, match="lead-1"):
        run_baseline("summary", "lead-9", ArticleInput(text=EN, lang="en"))
    with pytest.raises(UnknownNameError):
        baseline_names("translate-into-klingon")
