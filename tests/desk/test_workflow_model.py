"""The desk end to end with the real default model: a draft written by Qwen2.5 1.5B, edited, approved
and published as Markdown carrying both AIGC labels."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.desk.workflow_support import ZH_ARTICLE, make_desk
from zhimei.api import article_from_text
from zhimei.desk.labels import content_hash
from zhimei.desk.labels.text import escape_markdown


@pytest.mark.model
def test_real_model_draft_to_labelled_markdown(tmp_path: Path, embedded_15b: Any) -> None:
    zm = make_desk(tmp_path / "home", backend=embedded_15b)
    draft = zm.drafts_new("summary", article_from_text(ZH_ARTICLE), by="alice", options={"seed": 7})
    first = zm.drafts_revision(draft.id)
    gen = zm.generation_log.get(first.generation_id or "")
    assert gen.backend == "embedded" and gen.model_resolved.startswith("sha256:") and first.text.strip()
    edited = first.text + "（编辑注：数据来自国家统计局。）"
    zm.drafts_edit(draft.id, edited, by="alice", parent=first.number)
    zm.review_submit(draft.id, by="alice")
    zm.review_approve(draft.id, by="bob")
    pub = zm.publish(draft.id, "markdown", by="bob", target=tmp_path / "out")
    md = (tmp_path / "out" / "draft-1.md").read_text(encoding="utf-8")
    meta = yaml.safe_load(md.split("---\n")[1])
    assert meta["AIGC"]["Label"] == "1" and meta["AIGC"]["ReservedCode1"] == content_hash(edited)
    assert meta["reviewedBy"] == "bob" and meta["aiLabel"].startswith("本文由AI")
    assert md.rstrip().endswith(escape_markdown(meta["aiLabel"]))
    assert pub.label is not None and 0 < pub.label.human_edit_ratio < 1
    events = zm.audit(draft_id=draft.id)
    assert events[1].action == "generate" and events[1].detail["model"] == gen.model_resolved
