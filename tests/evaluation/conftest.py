"""Small self-made evaluation datasets (zh and en articles with human summaries, E2E-style records)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

ZH_ARTICLE = (
    "市轨道交通集团昨日宣布，地铁12号线一期工程将于12月28日开通运营。该线路全长29.6公里，设车站21座。"
    "开通初期，高峰行车间隔为4分30秒。线路开通后，滨江新城至市中心的通勤时间将缩短至40分钟左右。"
)
EN_ARTICLE = (
    "The city council voted 7-2 on Tuesday to approve a $4.8 billion budget. "
    "The plan includes a 3.5 percent property tax increase. "
    "It adds 120 police officers and restores weekend library hours. "
    "Two members voted against it."
)
CASES = [
    {
        "id": "zh-1",
        "text": ZH_ARTICLE,
        "references": ["地铁12号线一期将于12月28日开通，全长29.6公里，设车站21座。"],
        "lang": "zh",
        "category": "交通",
    },
    {
        "id": "en-1",
        "text": EN_ARTICLE,
        "references": [
            "The council approved a $4.8 billion budget with a 3.5 percent tax rise.",
            "A $4.8 billion budget passed 7-2.",
        ],
        "lang": "en",
        "category": "politics",
    },
    {
        "id": "en-2",
        "text": "Heavy rain closed 14 schools on Monday. Officials said classes resume on Wednesday.",
        "references": ["Rain closed 14 schools; classes resume Wednesday."],
        "lang": "en",
        "category": "weather",
    },
]
E2E_CSV = (
    "mr,ref\n"
    '"name[The Eagle], eatType[coffee shop], area[riverside]",'
    '"The Eagle is a coffee shop by the riverside."\n'
    '"name[The Eagle], eatType[coffee shop], area[riverside]","The Eagle coffee shop is in riverside."\n'
    '"name[Zizzi], food[Italian], priceRange[cheap], familyFriendly[yes]","Zizzi serves cheap Italian food '
    'and is family-friendly."\n'
)


@pytest.fixture
def cases_jsonl(tmp_path: Path) -> Path:
    path = tmp_path / "cases.jsonl"
    path.write_text("\n".join(json.dumps(c, ensure_ascii=False) for c in CASES) + "\n", encoding="utf-8")
    return path


@pytest.fixture
def e2e_csv(tmp_path: Path) -> Path:
    path = tmp_path / "e2e.csv"
    path.write_text(E2E_CSV, encoding="utf-8")
    return path
