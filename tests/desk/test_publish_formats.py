"""Each export format: golden output, and both AIGC labels present and well-formed in it.

The golden files are in tests/desk/golden/; rewrite them after a deliberate change of a format with
ZHIMEI_TEST_UPDATE_GOLDEN=1 and review the diff.
"""

from __future__ import annotations

import html
import io
import json
import os
import re
import zipfile
from datetime import UTC, datetime
from pathlib import Path

import pytest
import yaml
from lxml import etree

from zhimei.desk.labelled import LabelledRevision
from zhimei.desk.labels import content_hash, make_label
from zhimei.desk.labels.text import AIGC_NS
from zhimei.desk.publish import (
    PublishItem,
    render_docx,
    render_feed,
    render_html,
    render_json,
    render_markdown,
)
from zhimei.records import Draft, Label, ProvenanceSpan, ReviewDecision, Revision

GOLDEN = Path(__file__).parent / "golden"
T = datetime(2026, 11, 24, 8, 0, tzinfo=UTC)
TEXT = (
    "国家统计局15日发布数据：2月份全国城镇调查失业率为5.4%。\n\n"
    "编辑补充：<script>alert(1)</script> 见[链接](javascript:alert(1))。"
)
EXPLICIT = "本文由AI辅助生成，经编辑张伟审核"
AIGC_KEYS = [
    "Label",
    "ContentProducer",
    "ProduceID",
    "ReservedCode1",
    "ContentPropagator",
    "PropagateID",
    "ReservedCode2",
]


def _item(correction: str | None = "更正：数据来源为国家统计局。", with_label: bool = True) -> PublishItem:
    draft = Draft(
        id=7,
        created_at=T,
        created_by="alice",
        updated_at=T,
        title="2月失业率5.4% <b>快讯</b>",
        lang="zh",
        task_id="summary",
        head=2,
        state="approved",
        approved_revision=2,
    )
    cut = TEXT.index("编辑补充")
    spans = (
        ProvenanceSpan(start=0, end=cut, origin="model", by="gen-1", revision=1),
        ProvenanceSpan(start=cut, end=len(TEXT), origin="human", by="alice", revision=2),
    )
    if not with_label:
        spans = (ProvenanceSpan(start=0, end=len(TEXT), origin="human", by="alice", revision=2),)
    revision = Revision(
        draft_id=7,
        number=2,
        created_at=T,
        kind="edit",
        author="alice",
        parent=1,
        text=TEXT,
        sha256=content_hash(TEXT),
        spans=spans,
    )
    approval = ReviewDecision(id=3, draft_id=7, revision=2, decision="approved", actor="张伟", created_at=T)
    label = make_label(
        lang="zh",
        producer="新华智媒",
        produce_id="draft-7-r2",
        human_edit_ratio=0.35,
        reviewed_by="张伟",
        reviewed_at=T,
        propagator="新华智媒",
        propagate_id="pub-golden",
        content=TEXT,
    )
    labelled = LabelledRevision.build(
        draft, revision, approval, label if with_label else None, 30 if with_label else 0
    )
    return PublishItem(labelled, T, "pub-golden", correction)


def _golden(name: str, actual: str) -> None:
    path = GOLDEN / name
    if os.environ.get("ZHIMEI_TEST_UPDATE_GOLDEN"):
        path.write_text(actual, encoding="utf-8")
    assert actual == path.read_text(encoding="utf-8")


def _check_aigc(aigc: dict[str, str]) -> None:
    assert list(aigc) == AIGC_KEYS
    assert (
        aigc["Label"] == "1" and aigc["ContentProducer"] == "新华智媒" and aigc["PropagateID"] == "pub-golden"
    )
    assert aigc["ReservedCode1"] == content_hash(TEXT)


def test_markdown_golden_and_labels() -> None:
    out = render_markdown(_item())
    _golden("publish.md", out)
    front, body = re.match(r"\A---\n(.*?)\n---\n\n(.*)\Z", out, re.S).groups()  # type: ignore[union-attr]
    meta = yaml.safe_load(front)
    _check_aigc(meta["AIGC"])
    assert meta["aiLabel"] == EXPLICIT and meta["reviewedBy"] == "张伟" and meta["aiLabelKind"] == "assisted"
    assert (
        meta["correction"] == "更正：数据来源为国家统计局。" and meta["title"] == "2月失业率5.4% <b>快讯</b>"
    )
    assert body.rstrip().endswith(EXPLICIT)  # the explicit label, at the bottom
    assert body.startswith("> 更正：数据来源为国家统计局。")  # the correction notice, on top
    assert "<script>" not in body and "&lt;script>" in body


def test_json_golden_and_labels() -> None:
    out = render_json(_item())
    _golden("publish.json", out)
    data = json.loads(out)
    _check_aigc(data["label"]["AIGC"])
    assert json.loads(data["label"]["AIGCJson"]) == data["label"]["AIGC"]
    assert data["label"]["explicit"] == EXPLICIT and data["label"]["position"] == "bottom"
    assert data["text"] == TEXT and data["correction"].startswith("更正")


def test_html_golden_labels_and_sanitising() -> None:
    out = render_html(_item())
    _golden("publish.html", out)
    root = etree.fromstring(out.encode(), etree.HTMLParser())
    meta = root.xpath('//meta[@name="AIGC"]/@content')
    _check_aigc(json.loads(meta[0]))
    (ld,) = root.xpath('//script[@type="application/ld+json"]/text()')
    data = json.loads(ld)
    _check_aigc(data["AIGC"])
    assert data["aiLabel"] == EXPLICIT and data["editor"]["name"] == "张伟"
    assert root.xpath('//p[@data-aigc-label="explicit"]/text()') == [EXPLICIT]
    # Only the JSON-LD script survives; the editor's <script> and javascript: link are text.
    assert len(root.xpath("//script")) == 1 and not root.xpath("//a")
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in out
    assert "<strong>更正：数据来源为国家统计局。</strong>" in out
    assert "<title>2月失业率5.4% &lt;b&gt;快讯&lt;/b&gt;</title>" in out


def _docx_parts(data: bytes) -> tuple[dict[str, str], etree._Element, str]:
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        custom = etree.fromstring(z.read("docProps/custom.xml"))
        core = etree.fromstring(z.read("docProps/core.xml"))
        body = z.read("word/document.xml").decode()
    ns = {"c": "http://schemas.openxmlformats.org/officeDocument/2006/custom-properties"}
    props = {p.get("name"): "".join(p.itertext()) for p in custom.xpath("//c:property", namespaces=ns)}
    return props, core, body


def test_docx_labels_in_properties_and_text() -> None:
    props, core, body = _docx_parts(render_docx(_item()))
    _check_aigc(json.loads(props["AIGC"]))
    assert (
        props["AILabel"] == EXPLICIT and props["ReviewedBy"] == "张伟" and props["AILabelKind"] == "assisted"
    )
    assert float(props["HumanEditRatio"]) == 0.35
    keywords = core.xpath("//*[local-name()='keywords']/text()")
    assert keywords == ["AIGC"]
    assert core.xpath("//*[local-name()='created']/text()") == ["2026-11-24T08:00:00Z"]
    texts = re.findall(r"<w:t[^>]*>([^<]*)</w:t>", body)
    assert texts[0] == "2月失业率5.4% &lt;b&gt;快讯&lt;/b&gt;" and texts[1].startswith("更正")
    assert texts[-1] == EXPLICIT and "&lt;script&gt;" in body


def test_rss_and_atom_items_carry_both_labels() -> None:
    first = _item(correction=None)
    second = PublishItem(first.labelled, datetime(2026, 11, 24, 9, 0, tzinfo=UTC), "pub-second")
    rss, atom = render_feed([first, second], title="新华智媒 feed", link="https://news.example/")
    channel = etree.fromstring(rss)
    items = channel.xpath("//item")
    assert [i.findtext("guid") for i in items] == ["urn:zhimei:pub-second", "urn:zhimei:pub-golden"]
    for item in items:
        _check_aigc(json.loads(item.findtext(f"{{{AIGC_NS}}}AIGC")))
        assert item.findtext(f"{{{AIGC_NS}}}aiLabel") == EXPLICIT
        assert item.findtext(f"{{{AIGC_NS}}}reviewedBy") == "张伟"
        description = item.findtext("description")
        assert html.escape(EXPLICIT) in description or EXPLICIT in description
        assert "<script>" not in description
    atom_root = etree.fromstring(atom)
    entries = atom_root.xpath("//*[local-name()='entry']")
    assert len(entries) == 2
    assert all(e.findtext(f"{{{AIGC_NS}}}aiLabelKind") == "assisted" for e in entries)


def test_a_text_without_model_words_goes_out_without_an_aigc_label() -> None:
    item = _item(correction=None, with_label=False)
    assert item.label is None
    md = render_markdown(item)
    assert "AIGC" not in md and EXPLICIT not in md
    page = render_html(item)
    assert 'name="AIGC"' not in page and "<script>" not in page
    assert json.loads(render_json(item))["label"] is None
    props, _, _ = _docx_parts_or_empty(render_docx(item))
    assert "AIGC" not in props


def _docx_parts_or_empty(data: bytes) -> tuple[dict[str, str], None, None]:
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        if "docProps/custom.xml" not in z.namelist():
            return {}, None, None
    props, _, _ = _docx_parts(data)
    return props, None, None


@pytest.mark.parametrize("position", ["top", "bottom"])
def test_label_position_is_honoured(position: str) -> None:
    item = _item(correction=None)
    assert item.label is not None
    label: Label = item.label.model_copy(update={"position": position})
    moved = PublishItem(
        LabelledRevision.build(
            item.labelled.draft,
            item.labelled.revision,
            item.labelled.approval,
            label,
            item.labelled.model_units,
        ),
        T,
        "pub-golden",
    )
    body = render_markdown(moved).split("---\n\n", 1)[1]
    assert body.startswith(EXPLICIT) == (position == "top")
    assert body.rstrip().endswith(EXPLICIT) == (position == "bottom")
