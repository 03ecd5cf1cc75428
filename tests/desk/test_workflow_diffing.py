"""Diffs and provenance spans: exact cover of both texts, attribution of changes, long texts fast."""

from __future__ import annotations

import time

from hypothesis import given, settings
from hypothesis import strategies as st

from zhimei.desk.diffing import opcodes, unified_diff
from zhimei.desk.provenance import carry_spans, model_spans, shares
from zhimei.records import Lang

TEXTS = st.text(alphabet="ab 。.,\n预算获批May", max_size=40)


@settings(max_examples=150, deadline=None)
@given(old=TEXTS, new=TEXTS, lang=st.sampled_from(["zh", "en"]))
def test_opcodes_rebuild_the_new_text_and_spans_cover_it(old: str, new: str, lang: Lang) -> None:
    ops = opcodes(old, new, lang)
    rebuilt = ""
    a = b = 0
    for op in ops:
        assert (op.a1, op.b1) == (a, b)  # in order, no gaps
        if op.tag == "equal":
            assert old[op.a1 : op.a2] == new[op.b1 : op.b2]
        rebuilt += new[op.b1 : op.b2]
        a, b = op.a2, op.b2
    assert (a, b) == (len(old), len(new)) and rebuilt == new
    spans = carry_spans(model_spans(old, "gen", 1), ops, "alice", 2)
    covered = [i for s in spans for i in range(s.start, s.end)]
    assert covered == list(range(len(new)))  # every character has exactly one author
    model = iter(old)  # what the model is credited with is, in order, text it wrote
    assert all(ch in model for s in spans if s.origin == "model" for ch in new[s.start : s.end])


def test_an_edit_belongs_to_its_author_and_the_rest_to_the_model() -> None:
    old = "The council approved the budget. Work starts in May."
    new = "The council approved the road budget. Work starts in June."
    spans = carry_spans(model_spans(old, "gen-1", 1), opcodes(old, new, "en"), "bob", 2)
    human = [new[s.start : s.end].strip() for s in spans if s.origin == "human"]
    assert human == ["road", "June"]
    assert (shares(new, spans, "en").human, shares(new, spans, "en").model) == (2, 8)


def test_unified_diff_has_no_end_of_file_noise() -> None:
    assert unified_diff("a\nb", "a\nc", "r1", "r2") == "--- r1\n+++ r2\n@@ -1,2 +1,2 @@\n a\n-b\n+c\n"


def test_long_texts_diff_quickly() -> None:
    sentences = [f"第{i}段：本市{i % 97}号道路将于{i % 12 + 1}月修复完毕。" for i in range(6000)]
    old = "".join(sentences)  # about 150,000 characters
    new = "".join(s if i % 50 else s.replace("修复", "翻修") for i, s in enumerate(sentences))
    start = time.perf_counter()
    ops = opcodes(old, new, "zh")
    elapsed = time.perf_counter() - start
    changed = [o for o in ops if o.tag != "equal"]
    # Each edit stays local: 修复 → 翻修 is two characters (or one inserted and one deleted).
    assert sum(o.a2 - o.a1 for o in changed) <= 240 and sum(o.b2 - o.b1 for o in changed) <= 240
    assert len({o.a1 // 1000 for o in changed}) > 50
    assert elapsed < 5.0  # about 0.2 s on an idle core
