"""Dataset readers: JSONL, CSV/TSV, E2E, RotoWire, published articles; hostile input gets clear errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from zhimei.errors import InputError
from zhimei.evaluation.datasets import (
    PublishedArticle,
    cases_from_articles,
    detokenize,
    load_dataset,
    parse_mr,
)
from zhimei.records import ArticleInput, RecordInput


def test_jsonl_cases(cases_jsonl: Path) -> None:
    ds = load_dataset(cases_jsonl)
    assert [c.id for c in ds.cases] == ["zh-1", "en-1", "en-2"]
    assert ds.cases[0].lang == "zh" and isinstance(ds.cases[0].input, ArticleInput)
    assert len(ds.cases[1].references) == 2 and ds.cases[1].category == "politics"
    assert ds.hash == load_dataset(cases_jsonl).hash and len(ds.hash) == 64
    assert ds.head(2).cases == ds.cases[:2] and ds.head(None) is ds


def test_jsonl_shorthands_and_language_detection(tmp_path: Path) -> None:
    path = tmp_path / "c.jsonl"
    lines = [
        {"input": "国家统计局发布数据。", "reference": "统计局发布数据"},
        {
            "input": {"city": "Austin", "temp": "31"},
            "reference": "Austin hit 31 degrees.",
            "prediction": "Hot.",
        },
        {"text": "Plain English text.", "references": []},
    ]
    path.write_text("\n\n".join(json.dumps(x, ensure_ascii=False) for x in lines), encoding="utf-8")
    ds = load_dataset(path)
    assert [c.id for c in ds.cases] == ["1", "3", "5"]  # line numbers stand in for missing ids
    assert ds.cases[0].lang == "zh" and ds.cases[0].references == ("统计局发布数据",)
    assert isinstance(ds.cases[1].input, RecordInput) and ds.cases[1].prediction == "Hot."
    assert ds.cases[2].references == ()
    assert load_dataset(path, lang="zh").cases[2].lang == "zh"


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b'{"text": "ok", "reference": "r"}\n{"text": "broken\n', "line 2 is not valid JSON"),
        (b'{"text": "ok"}\n[1, 2]\n', "line 2: a case must be a JSON object"),
        (b'{"reference": "r"}\n', "line 1: give exactly one of text"),
        (b'{"text": "a", "data": {"x": 1}}\n', "exactly one of text"),
        (b'{"text": "   "}\n', "text must be a non-empty string"),
        (b'{"data": {}}\n', "data must be a non-empty JSON object"),
        (b'{"text": "a", "references": [1]}\n', "references must be"),
        (b'{"text": "a", "lang": "fr"}\n', "language 'fr'"),
        (b'{"text": "a", "summary": "b"}\n', "unknown fields summary"),
        (b'{"text": "a", "prediction": 3}\n', "prediction must be a string"),
        (b'{"id": "x", "text": "a"}\n{"id": "x", "text": "b"}\n', "case id 'x' appears twice"),
        (b'{"text": "ok"}\n{"text": "caf\xe9"}\n', "line 2 is not valid UTF-8"),
        (b"", "is empty"),
        (b"\n \n", "is empty"),
    ],
)
def test_hostile_jsonl(tmp_path: Path, content: bytes, message: str) -> None:
    path = tmp_path / "bad.jsonl"
    path.write_bytes(content)
    with pytest.raises(InputError, match=message):
        load_dataset(path)


def test_missing_paths_and_unknown_formats(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="does not exist"):
        load_dataset(tmp_path / "nope.jsonl")
    with pytest.raises(InputError, match="directory"):
        load_dataset(tmp_path, fmt="jsonl")
    (tmp_path / "x.txt").write_text("a", encoding="utf-8")
    with pytest.raises(InputError, match="--format"):
        load_dataset(tmp_path / "x.txt")
    with pytest.raises(InputError, match="unknown dataset format"):
        load_dataset(tmp_path / "x.txt", fmt="xml")


def test_csv_groups_rows_into_multi_reference_cases(tmp_path: Path) -> None:
    path = tmp_path / "d.csv"
    path.write_text(
        "text,reference,category\nRain closed schools.,Schools shut,weather\n"
        "Rain closed schools.,Rain shuts schools,weather\nBudget passed.,Budget approved,politics\n",
        encoding="utf-8",
    )
    ds = load_dataset(path, lang="en")
    assert [c.references for c in ds.cases] == [("Schools shut", "Rain shuts schools"), ("Budget approved",)]
    tsv = tmp_path / "d.tsv"
    tsv.write_text("city\ttemp\treference\nAustin\t31\tAustin hit 31.\n", encoding="utf-8")
    (case,) = load_dataset(tsv).cases
    assert isinstance(case.input, RecordInput) and case.input.data == {"city": "Austin", "temp": "31"}


def test_csv_in_gb18030_is_decoded(tmp_path: Path) -> None:
    path = tmp_path / "gb.csv"
    path.write_bytes("text,reference\n国家统计局发布数据。,统计局发布数据\n".encode("gb18030"))
    (case,) = load_dataset(path).cases
    assert case.lang == "zh" and case.references == ("统计局发布数据",)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("title,summary\na,b\n", "no reference column"),
        ("text,reference\na,b,c\n", "more fields than the header"),
        ("text,reference\n", "holds no cases"),
    ],
)
def test_hostile_csv(tmp_path: Path, content: str, message: str) -> None:
    path = tmp_path / "bad.csv"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(InputError, match=message):
        load_dataset(path)


def test_e2e_groups_references_by_meaning_representation(e2e_csv: Path) -> None:
    ds = load_dataset(e2e_csv, fmt="e2e")
    assert len(ds.cases) == 2
    eagle, zizzi = ds.cases
    assert isinstance(eagle.input, RecordInput)
    assert eagle.input.data == {"name": "The Eagle", "eatType": "coffee shop", "area": "riverside"}
    assert len(eagle.references) == 2 and eagle.category == "3 attributes" and eagle.lang == "en"
    assert zizzi.references == ("Zizzi serves cheap Italian food and is family-friendly.",)


def test_parse_mr() -> None:
    assert parse_mr("name[The Eagle], customer rating[5 out of 5]") == {
        "name": "The Eagle",
        "customer rating": "5 out of 5",
    }
    assert parse_mr("name[The Eagle] garbage") == {}
    assert parse_mr("") == {}


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("meaning,text\na,b\n", "not in the E2E layout"),
        ('mr,ref\n"name[X], broken",A ref\n', "row 2: cannot read the meaning representation"),
    ],
)
def test_hostile_e2e(tmp_path: Path, content: str, message: str) -> None:
    path = tmp_path / "e2e.csv"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(InputError, match=message):
        load_dataset(path, fmt="e2e")


def _game() -> dict[str, object]:
    line = {
        "TEAM-CITY": "Atlanta",
        "TEAM-NAME": "Hawks",
        "TEAM-WINS": "46",
        "TEAM-LOSSES": "12",
        "TEAM-PTS": "95",
    }
    vis = {
        "TEAM-CITY": "Orlando",
        "TEAM-NAME": "Magic",
        "TEAM-WINS": "19",
        "TEAM-LOSSES": "41",
        "TEAM-PTS": "88",
    }
    box = {
        "PLAYER_NAME": {"0": "Al Horford", "1": "Bench Guy", "2": "Nikola Vucevic"},
        "TEAM_CITY": {"0": "Atlanta", "1": "Atlanta", "2": "Orlando"},
        "MIN": {"0": "33", "1": "N/A", "2": "36"},
        "PTS": {"0": "17", "1": "N/A", "2": "21"},
        "REB": {"0": "13", "1": "N/A", "2": "15"},
    }
    summary = "The Atlanta Hawks ( 46 - 12 ) beat the Orlando Magic ( 19 - 41 ) 95 - 88 on Friday ."
    return {
        "home_line": line,
        "vis_line": vis,
        "box_score": box,
        "summary": summary.split(),
        "day": "02_27_15",
    }


def test_rotowire_games(tmp_path: Path) -> None:
    path = tmp_path / "games.json"
    path.write_text(json.dumps([_game(), _game()]), encoding="utf-8")
    ds = load_dataset(path)
    assert len(ds.cases) == 2
    case = ds.cases[0]
    assert case.references == ("The Atlanta Hawks (46-12) beat the Orlando Magic (19-41) 95-88 on Friday.",)
    assert isinstance(case.input, RecordInput)
    data = case.input.data
    assert (
        data["date"] == "2015-02-27" and data["home"]["name"] == "Hawks" and data["visitor"]["points"] == "88"
    )
    assert [p["name"] for p in data["players"]] == ["Nikola Vucevic", "Al Horford"]  # by points; DNP dropped
    one = tmp_path / "one.json"
    one.write_text(json.dumps(_game()), encoding="utf-8")
    assert len(load_dataset(one, fmt="rotowire").cases) == 1


def test_hostile_rotowire(tmp_path: Path) -> None:
    path = tmp_path / "g.json"
    path.write_text(json.dumps([{"summary": ["x"]}]), encoding="utf-8")
    with pytest.raises(InputError, match="game 0 is not in the RotoWire layout"):
        load_dataset(path)
    path.write_text("[{", encoding="utf-8")
    with pytest.raises(InputError, match="not valid JSON"):
        load_dataset(path)


def test_detokenize() -> None:
    tokens = ["Friday", "'s", "all", "-", "around", "game", ",", "17", "points", "(", "ankle", ")", "."]
    assert detokenize(tokens) == "Friday's all-around game, 17 points (ankle)."


def test_cases_from_published_articles() -> None:
    articles = [
        PublishedArticle(
            id="a1", text="Body one.", lang="en", headline="Head one", summary="Sum one", category="x"
        ),
        PublishedArticle(id="a2", text="Body two.", lang="en", headline="Head two"),
        PublishedArticle(id="a3", text="  ", lang="en", headline="Empty body"),
    ]
    headlines = cases_from_articles(articles, "headline")
    assert [c.id for c in headlines] == ["a1", "a2"] and headlines[0].references == ("Head one",)
    assert isinstance(headlines[0].input, ArticleInput) and headlines[0].input.title is None
    summaries = cases_from_articles(articles, "summary")
    assert [c.id for c in summaries] == ["a1"]
    assert isinstance(summaries[0].input, ArticleInput) and summaries[0].input.title == "Head one"
    with pytest.raises(InputError, match="not brief cases"):
        cases_from_articles(articles, "brief")
