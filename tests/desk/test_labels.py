"""make_label(): the record, the wording thresholds, the editor, the refusals; human_edit_ratio()."""

from __future__ import annotations

import math
from datetime import UTC, datetime

import pytest
from pydantic import ValidationError

from zhimei.desk.labels import (
    IPTC_ASSISTED,
    IPTC_GENERATED,
    LabelWording,
    content_hash,
    human_edit_ratio,
    make_label,
)
from zhimei.errors import InputError
from zhimei.records import AigcMetadata, Label

REVIEWED = datetime(2026, 11, 20, 9, 30, tzinfo=UTC)


def label(**kw: object) -> Label:
    args: dict[str, object] = {
        "lang": "zh",
        "producer": "智媒新闻",
        "produce_id": "draft-1",
        "human_edit_ratio": 0.5,
    }
    args.update(kw)
    return make_label(**args)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("ratio", "lang", "editor", "text", "kind", "iptc"),
    [
        (0.0, "zh", None, "本文由AI生成，经编辑审核", "generated", IPTC_GENERATED),
        (0.19, "zh", "张伟", "本文由AI生成，经编辑张伟审核", "generated", IPTC_GENERATED),
        (0.2, "zh", None, "本文由AI辅助生成，经编辑审核", "assisted", IPTC_ASSISTED),
        (0.99, "en", None, "AI-assisted, reviewed by editors", "assisted", IPTC_ASSISTED),
        (0.05, "en", "Jane Doe", "AI-generated, reviewed by editor Jane Doe", "generated", IPTC_GENERATED),
    ],
)
def test_wording_by_edit_ratio(
    ratio: float, lang: str, editor: str | None, text: str, kind: str, iptc: str
) -> None:
    lab = label(human_edit_ratio=ratio, lang=lang, reviewed_by=editor, reviewed_at=REVIEWED)
    assert (lab.explicit_text, lab.kind, lab.digital_source_type) == (text, kind, iptc)
    assert lab.reviewed_by == editor and lab.reviewed_at == REVIEWED and lab.human_edit_ratio == ratio


def test_unreviewed_text_says_nothing_about_review() -> None:
    assert label(human_edit_ratio=0.1).explicit_text == "本文由AI生成"
    assert label(lang="en").explicit_text == "AI-assisted"


def test_implicit_metadata_fields() -> None:
    lab = label(content="正文", propagator="智媒网", propagate_id="pub-9", position="top")
    assert lab.aigc.fields() == {
        "Label": "1",
        "ContentProducer": "智媒新闻",
        "ProduceID": "draft-1",
        "ReservedCode1": content_hash("正文"),
        "ContentPropagator": "智媒网",
        "PropagateID": "pub-9",
        "ReservedCode2": "",
    }
    assert list(lab.aigc.fields()) == [
        "Label",
        "ContentProducer",
        "ProduceID",
        "ReservedCode1",
        "ContentPropagator",
        "PropagateID",
        "ReservedCode2",
    ]
    assert lab.position == "top"
    assert content_hash("e\u0301") == content_hash("\u00e9")  # NFC before hashing


def test_custom_wording_and_threshold() -> None:
    wording = LabelWording(
        generated_below=0.5, zh_assisted="AI参与写作", zh_reviewed_by="（责任编辑：{editor}）"
    )
    assert label(human_edit_ratio=0.4, wording=wording).kind == "generated"
    assert (
        label(human_edit_ratio=0.6, wording=wording, reviewed_by="王{x}").explicit_text
        == "AI参与写作（责任编辑：王{x}）"
    )
    for bad in ({"zh_reviewed_by": "经编辑审核"}, {"en_reviewed_by": "{editor} {x}"}, {"zh_generated": " "}):
        with pytest.raises(ValidationError):
            LabelWording(**bad)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("kw", "message"),
    [
        ({"human_edit_ratio": 1.0}, "no AIGC label is due"),
        ({"human_edit_ratio": 1.5}, "outside 0-1"),
        ({"human_edit_ratio": -0.1}, "outside 0-1"),
        ({"human_edit_ratio": math.nan}, "must be a number"),
        ({"human_edit_ratio": "0.5"}, "must be a number"),
        ({"producer": " "}, "ContentProducer is empty"),
        ({"produce_id": ""}, "ProduceID is empty"),
        ({"reviewed_by": "张\x00伟"}, "control characters"),
        ({"reviewed_by": "a\nb"}, "control characters"),
        ({"reviewed_by": "\ud800"}, "control characters"),
        ({"reviewed_by": "x" * 201}, "under 200"),
        ({"reviewed_at": datetime(2026, 1, 1)}, "timezone-aware"),
        ({"lang": "fr"}, "unknown language"),
        ({"position": "left"}, "unknown label position"),
        ({"producer": 5}, "must be text"),
    ],
)
def test_refusals(kw: dict[str, object], message: str) -> None:
    with pytest.raises(InputError, match=message):
        label(**kw)


def test_records_are_frozen_and_validate() -> None:
    lab = label()
    with pytest.raises(ValidationError):
        lab.kind = "generated"  # type: ignore[misc]
    with pytest.raises(ValidationError):
        AigcMetadata(Label="4", ContentProducer="x", ProduceID="y")  # type: ignore[arg-type]
    again = Label.model_validate_json(lab.model_dump_json())
    assert again == lab


def test_human_edit_ratio() -> None:
    model = "国家统计局今天发布数据，居民消费价格同比上涨百分之零点八。"
    assert human_edit_ratio(model, model, "zh") == 0.0
    assert human_edit_ratio(model, "完全不同的一段编辑自己写的文字内容。", "zh") == 1.0
    edited = "国家统计局今天发布数据。编辑补充：涨幅温和。"
    assert 0.3 < human_edit_ratio(model, edited, "zh") < 0.7
    en_model = "Prices rose 2.4% in the year to September, the statistics office said on Tuesday."
    moved = "The statistics office said on Tuesday: prices rose 2.4% in the year to September."
    assert human_edit_ratio(en_model, moved, "en") == 0.0
    assert human_edit_ratio(en_model, "", "en") == 0.0
    assert human_edit_ratio("", "Editors wrote this.", "en") == 1.0
    assert human_edit_ratio("ab", "ab", "zh") == 0.0
