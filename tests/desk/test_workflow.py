"""The desk through the library facade: drafts, revisions, review, permissions, audit (SQLite)."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from tests.desk.workflow_support import (
    EN_ARTICLE,
    EN_SUMMARY,
    START,
    ZH_ARTICLE,
    ZH_SUMMARY,
    make_desk,
)
from zhimei.api import Zhimei, article_from_text
from zhimei.desk.labelled import LabelledRevision
from zhimei.desk.permissions import ACTIONS, PERMISSIONS, SYSTEM_ACTOR, allowed
from zhimei.desk.publishing import labelled_revision
from zhimei.errors import (
    InputError,
    NotFoundError,
    PermissionDeniedError,
    StaleRevisionError,
    WorkflowError,
)
from zhimei.records import Document, Draft


@pytest.fixture
def zm(tmp_path: Path) -> Zhimei:
    return make_desk(tmp_path / "home")


def _draft(zm: Zhimei, article: str = EN_ARTICLE) -> Draft:
    return zm.drafts_new("summary", article_from_text(article), by="alice")


def _published(zm: Zhimei, tmp_path: Path) -> Draft:
    d = _draft(zm)
    zm.drafts_edit(d.id, EN_SUMMARY.replace("Work starts", "Repairs start"), by="alice", parent=1)
    zm.review_submit(d.id, by="alice")
    zm.review_approve(d.id, by="bob")
    zm.publish(d.id, "markdown", by="bob", target=tmp_path / "out")
    return zm.desk.store.draft(d.id)


# -- drafts and revisions ---------------------------------------------------------------------------


def test_new_draft_is_the_models_revision_with_provenance_and_audit(zm: Zhimei) -> None:
    d = _draft(zm)
    assert (d.id, d.head, d.state, d.created_by, d.lang, d.task_id) == (
        1,
        1,
        "draft",
        "alice",
        "en",
        "summary",
    )
    rev = zm.drafts_revision(d.id)
    gen = zm.log(1)[0]
    assert rev.text == EN_SUMMARY and rev.generation_id == gen.id and rev.kind == "generated"
    assert [(s.origin, s.by, s.start, s.end) for s in rev.spans] == [("model", gen.id, 0, len(EN_SUMMARY))]
    events = zm.audit(draft_id=d.id)
    assert [e.action for e in events] == ["create", "generate"]
    assert events[1].detail["model"] == gen.model_resolved
    assert events[1].detail["prompt_version"] == gen.prompt_version
    assert zm.desk.store.sources(d.id)[0].text == EN_ARTICLE.strip()


def test_edit_appends_a_revision_and_a_stale_parent_is_refused(zm: Zhimei) -> None:
    d = _draft(zm)
    r2 = zm.drafts_edit(d.id, EN_SUMMARY + " The mayor agreed.", by="alice", parent=1)
    assert (r2.number, r2.parent, r2.author, r2.kind) == (2, 1, "alice", "edit")
    assert r2.diff.startswith("--- r1\n+++ r2\n") and "+The council" in r2.diff
    before = zm.audit(draft_id=d.id)
    with pytest.raises(StaleRevisionError, match="revision 1 of draft 1 is no longer the newest"):
        zm.drafts_edit(d.id, EN_SUMMARY + " Bob's version.", by="bob", parent=1)
    assert [r.number for r in zm.desk.store.revisions(d.id)] == [1, 2]
    assert zm.audit(draft_id=d.id) == before
    assert zm.drafts_revision(d.id).text == EN_SUMMARY + " The mayor agreed."  # nothing merged
    r3 = zm.drafts_edit(d.id, "Shorter.", by="bob")  # no parent: on the newest as it is now
    assert (r3.number, r3.parent) == (3, 2)


def test_provenance_follows_each_edit(zm: Zhimei) -> None:
    d = _draft(zm)
    gen_id = zm.drafts_revision(d.id).generation_id
    edited = EN_SUMMARY.replace("on Tuesday", "late on Tuesday") + " Critics objected."
    zm.drafts_edit(d.id, edited, by="alice", parent=1)
    zm.drafts_edit(d.id, edited.replace("Critics", "Two critics"), by="bob", parent=2)
    rev = zm.drafts_revision(d.id)
    by = {(s.origin, s.by, rev.text[s.start : s.end].strip()) for s in rev.spans}
    assert ("human", "alice", "late") in by
    assert ("human", "bob", "Two critics") in by  # "Critics" became "critics": a changed word
    model = "".join(rev.text[s.start : s.end] for s in rev.spans if s.origin == "model")
    assert model == EN_SUMMARY  # every word the model wrote is still the model's
    view = zm.drafts_show(d.id)
    # Words as the labels count them: "$12.5" is 12 and 5; "late", "Two critics", "objected" are people's.
    assert (view.model_units, view.human_units) == (15, 4)
    assert view.human_edit_ratio == round(view.human_units / (view.model_units + view.human_units), 4)
    assert [s.authors for s in view.sentences] == [
        (f"model:{gen_id}", "alice"),
        (f"model:{gen_id}",),
        ("bob", "alice"),
    ]
    assert view.sentences[1].human_units == 0


def test_regenerate_adds_variants_and_restore_brings_one_back(tmp_path: Path) -> None:
    zm = make_desk(tmp_path / "home", ["First variant.", "Second variant.", "Third variant.", "Fourth."])
    d = _draft(zm)
    zm.drafts_edit(d.id, "Human text.", by="alice", parent=1)
    made = zm.drafts_regenerate(d.id, by="alice", n=3)
    assert [(r.number, r.parent, r.kind) for r in made] == [
        (3, 2, "generated"),
        (4, 3, "generated"),
        (5, 4, "generated"),
    ]
    assert [r.text for r in zm.desk.store.revisions(d.id)] == [
        "First variant.",
        "Human text.",
        "Second variant.",
        "Third variant.",
        "Fourth.",
    ]
    restored = zm.drafts_restore(d.id, 2, by="bob")
    assert (restored.number, restored.parent, restored.restored_from, restored.kind) == (6, 5, 2, "restore")
    assert restored.text == "Human text." and restored.spans == zm.drafts_revision(d.id, 2).spans
    with pytest.raises(InputError, match="same as revision 6"):
        zm.drafts_restore(d.id, 6, by="bob")
    actions = [e.action for e in zm.audit(draft_id=d.id)]
    assert actions == ["create", "generate", "edit", "generate", "generate", "generate", "restore"]


def test_regenerate_on_a_moved_head_keeps_nothing_but_the_log(tmp_path: Path) -> None:
    zm = make_desk(tmp_path / "home", ["One.", "Two."])
    d = _draft(zm)
    from zhimei.desk.drafts import add_generations

    gens = zm.generate("summary", article_from_text(EN_ARTICLE))
    zm.drafts_edit(d.id, "Someone edited meanwhile.", by="bob", parent=1)
    with pytest.raises(StaleRevisionError):
        add_generations(zm.desk, d.id, gens, by="alice", parent=1)
    assert zm.drafts_revision(d.id).number == 2
    assert zm.generation_log.get(gens[0].id) == gens[0]


def test_regenerating_one_paragraph_keeps_the_rest_and_its_authors(tmp_path: Path) -> None:
    first = "The council approved the budget on Tuesday.\n\nWork starts in May, the council said."
    zm = make_desk(tmp_path / "home", [first, "Repairs begin in May, according to the council."])
    d = _draft(zm)
    edited = zm.drafts_edit(d.id, first.replace("on Tuesday", "late on Tuesday"), by="alice", parent=1)
    made = zm.drafts_regenerate_paragraph(d.id, 2, by="bob", parent=edited.number)
    head, tail = made.text.split("\n\n")
    assert head == "The council approved the budget late on Tuesday."
    assert tail == "Repairs begin in May, according to the council."
    assert (made.number, made.parent, made.kind, made.author) == (3, 2, "generated", "bob")
    gen = zm.generation_log.get(made.generation_id or "")
    assert gen.task_id == "rewrite" and gen.input["text"] == "Work starts in May, the council said."
    by_text = {made.text[s.start : s.end]: (s.origin, s.by, s.revision) for s in made.spans}
    assert by_text["late "] == ("human", "alice", 2)
    assert by_text[tail] == ("model", gen.id, 3)
    first_gen = zm.drafts_revision(d.id, 1).generation_id
    assert any(v == ("model", first_gen, 1) for v in by_text.values())  # the rest of paragraph 1
    event = zm.audit(draft_id=d.id)[-1]
    assert (event.action, event.actor, event.detail["paragraph"]) == ("generate", "bob", 2)

    with pytest.raises(InputError, match="no paragraph 3: the text has 2"):
        zm.drafts_regenerate_paragraph(d.id, 3, by="bob")
    with pytest.raises(StaleRevisionError):
        zm.drafts_regenerate_paragraph(d.id, 1, by="bob", parent=2)
    assert zm.drafts_revision(d.id).number == 3


def test_paragraph_bounds_skip_blank_and_whitespace_only_lines() -> None:
    from zhimei.desk.drafts import paragraph_bounds

    text = "一段。\n\n\u3000\n\n二段，\n同一段。\n \n三段"
    assert [text[a:b] for a, b in paragraph_bounds(text)] == ["一段。", "二段，\n同一段。", "三段"]
    assert paragraph_bounds("") == [] and paragraph_bounds("单段") == [(0, 2)]


def test_diff_says_what_changed_and_who_changed_it(zm: Zhimei) -> None:
    d = _draft(zm)
    gen_id = zm.drafts_revision(d.id).generation_id
    zm.drafts_edit(d.id, EN_SUMMARY.replace("May", "June"), by="alice", parent=1)
    zm.drafts_edit(d.id, EN_SUMMARY.replace("May", "June") + " Costs rose.", by="bob", parent=2)
    result = zm.drafts_diff(d.id, 1, 3)
    assert [(c.tag, c.old, c.new, c.by) for c in result.changes] == [
        ("replace", "May", "June", ("alice",)),
        ("insert", "", " Costs rose.", ("bob",)),
    ]
    assert [r.number for r in result.between] == [2, 3]
    assert "-The council" in result.unified and "+The council" in result.unified
    back = zm.drafts_diff(d.id, 3, 1)
    assert back.changes[0].by == (f"model:{gen_id}",)


def test_zh_provenance_is_by_character_and_quotes_are_marked(tmp_path: Path) -> None:
    copied = ZH_ARTICLE  # the model copies the whole source: a quote
    zm = make_desk(tmp_path / "home", [copied])
    d = zm.drafts_new("summary", article_from_text(ZH_ARTICLE), by="alice")
    zm.drafts_edit(d.id, copied.replace("左右", "上下"), by="alice", parent=1)
    view = zm.drafts_show(d.id)
    assert view.human_units == 2  # 上 and 下: characters, not words
    assert (
        view.sentences[0].quoted is not None and "copied verbatim from source 1" in view.sentences[0].quoted
    )
    assert view.flags and any(f.flag.kind == "copying" for f in view.flags)


def test_summary_title_and_explicit_title(zm: Zhimei) -> None:
    assert _draft(zm).title == "The council approved a $12.5 million road budget on Tuesday."
    d = zm.drafts_new("summary", article_from_text(EN_ARTICLE), by="alice", title="  Road money  ")
    assert d.title == "Road money"


# -- review states ------------------------------------------------------------------------------------


def test_review_flow_and_state_rules(zm: Zhimei) -> None:
    d = _draft(zm)
    with pytest.raises(WorkflowError, match="draft 1 is draft: cannot approve"):
        zm.review_approve(d.id, by="bob")
    assert zm.review_submit(d.id, by="alice").state == "in_review"
    decision = zm.review_reject(d.id, "needs a source for the figure", by="bob")
    assert (decision.decision, decision.reason, decision.revision) == (
        "rejected",
        "needs a source for the figure",
        1,
    )
    assert zm.desk.store.draft(d.id).state == "rejected"
    zm.drafts_edit(d.id, "Better text.", by="alice", parent=1)
    assert zm.desk.store.draft(d.id).state == "draft"
    zm.review_submit(d.id, by="alice")
    with pytest.raises(StaleRevisionError, match="revision 2 is newer"):
        zm.review_approve(d.id, by="bob", revision=1)
    approval = zm.review_approve(d.id, by="bob", revision=2)
    draft = zm.desk.store.draft(d.id)
    assert (draft.state, draft.approved_revision, approval.actor) == ("approved", 2, "bob")
    # A new revision withdraws the approval: the new text was not approved.
    zm.drafts_edit(d.id, "Better text, changed again.", by="alice")
    draft = zm.desk.store.draft(d.id)
    assert (draft.state, draft.approved_revision) == ("in_review", None)
    with pytest.raises(WorkflowError, match="cannot publish"):
        zm.publish(d.id, "markdown", by="bob")
    assert zm.review_spike(d.id, by="erin", reason="overtaken by events").state == "spiked"
    for act in (
        lambda: zm.drafts_edit(d.id, "Again.", by="alice"),
        lambda: zm.review_submit(d.id, by="alice"),
        lambda: zm.drafts_comment(d.id, "hello", by="alice"),
    ):
        with pytest.raises(WorkflowError, match="spiked"):
            act()
    actions = [e.action for e in zm.audit(draft_id=d.id)]
    assert actions == [
        "create", "generate", "submit", "reject", "edit", "submit", "approve", "edit", "spike",
    ]  # fmt: skip


def test_published_drafts_change_only_by_correction(zm: Zhimei, tmp_path: Path) -> None:
    d = _published(zm, tmp_path)
    assert d.state == "published"
    with pytest.raises(WorkflowError, match="published: cannot revise"):
        zm.drafts_edit(d.id, "Quietly changed.", by="bob")
    with pytest.raises(WorkflowError, match="published: cannot spike"):
        zm.review_spike(d.id, by="bob")


def test_assign_comment_and_unknown_ids(zm: Zhimei) -> None:
    d = _draft(zm)
    assert zm.drafts_assign(d.id, "erin", by="bob").assignee == "erin"
    zm.drafts_comment(d.id, "check the quote", by="alice", revision=1)
    view = zm.drafts_show(d.id)
    assert [(a.assignee, a.actor) for a in view.assignments] == [("erin", "bob")]
    assert [(c.author, c.text, c.revision) for c in view.comments] == [("alice", "check the quote", 1)]
    assert zm.drafts_list(assignee="erin")[0].id == d.id
    with pytest.raises(NotFoundError, match="no draft 99"):
        zm.drafts_show(99)
    with pytest.raises(NotFoundError, match="no draft 99"):
        zm.drafts_edit(99, "text", by="alice")
    with pytest.raises(NotFoundError, match="revision 7 of draft 1"):
        zm.drafts_restore(d.id, 7, by="alice")
    with pytest.raises(NotFoundError, match="revision 5 of draft 1"):
        zm.drafts_comment(d.id, "x", by="alice", revision=5)
    with pytest.raises(NotFoundError, match="no user 'zoe'"):
        zm.drafts_assign(d.id, "zoe", by="bob")
    with pytest.raises(PermissionDeniedError, match="alice \\(reporter\\) may not drafts assign"):
        zm.drafts_assign(d.id, "erin", by="alice")


# -- permissions and users ----------------------------------------------------------------------------

EXPECTED = {
    "reporter": {
        "drafts.read", "drafts.create", "drafts.edit", "drafts.regenerate", "drafts.restore",
        "drafts.comment", "review.submit",
    },
    "editor": set(ACTIONS) - {"users.manage"},
    "admin": set(ACTIONS),
    SYSTEM_ACTOR: {"drafts.create"},
}  # fmt: skip


def test_permission_table() -> None:
    for role, actions in EXPECTED.items():
        assert {a for a in ACTIONS if allowed(role, a)} == actions, role  # type: ignore[arg-type]
    assert set(PERMISSIONS) == set(ACTIONS)


def test_actions_check_the_acting_user(zm: Zhimei) -> None:
    d = _draft(zm)
    zm.review_submit(d.id, by="alice")
    with pytest.raises(PermissionDeniedError, match="no acting user"):
        zm.review_approve(d.id)
    with pytest.raises(PermissionDeniedError, match="there is no user 'mallory'"):
        zm.review_approve(d.id, by="mallory")
    with pytest.raises(PermissionDeniedError, match="may not review approve"):
        zm.review_approve(d.id, by="alice")
    with pytest.raises(PermissionDeniedError, match="may not publish"):
        zm.publish(d.id, "markdown", by="alice")
    with pytest.raises(PermissionDeniedError, match="may not users manage"):
        zm.users_add("eve", "admin", by="bob")
    with pytest.raises(PermissionDeniedError, match="no acting user"):
        zm.drafts_new("summary", article_from_text(EN_ARTICLE))
    assert zm.desk.store.draft(d.id).state == "in_review"
    # The setting 'user' (ZHIMEI_USER) is the acting user when --by is not given.
    zm.settings = zm.settings.model_copy(update={"user": "bob"})
    assert zm.review_approve(d.id).actor == "bob"


def test_users_and_roles(tmp_path: Path) -> None:
    zm = make_desk(tmp_path / "home", users=False)
    with pytest.raises(InputError, match="first user must be an admin"):
        zm.users_add("alice", "reporter")
    zm.users_add("ada", "admin")
    with pytest.raises(PermissionDeniedError, match="no acting user"):
        zm.users_add("alice", "reporter")
    zm.users_add("张伟", "editor", by="ada")
    for bad in ("", "system", "a b", "x" * 65, "<script>", "_lead"):
        with pytest.raises(InputError, match="invalid user name"):
            zm.users_add(bad, "reporter", by="ada")
    with pytest.raises(InputError, match="unknown role 'owner'"):
        zm.users_add("carl", "owner", by="ada")
    with pytest.raises(InputError, match="already exists"):
        zm.users_add("张伟", "reporter", by="ada")
    assert zm.users_set_role("张伟", "reporter", by="ada").role == "reporter"
    with pytest.raises(InputError, match="own admin role"):
        zm.users_set_role("ada", "editor", by="ada")
    with pytest.raises(NotFoundError, match="no user 'nobody'"):
        zm.users_set_role("nobody", "editor", by="ada")
    assert [(u.name, u.role) for u in zm.users_list()] == [("ada", "admin"), ("张伟", "reporter")]
    events = [(e.actor, e.action, e.detail.get("role")) for e in zm.audit()]
    assert events == [
        ("ada", "user.add", "admin"),
        ("ada", "user.add", "editor"),
        ("ada", "role.change", "reporter"),
    ]


def test_intake_drafts_from_a_generation_by_the_system_actor(zm: Zhimei) -> None:
    gen = zm.generate("summary", article_from_text(ZH_ARTICLE))[0]
    doc = Document(source="feed", title="统计局数据", text=ZH_ARTICLE, lang="zh", content_hash="abc123")
    d = zm.drafts_from_generation(gen, [doc, "另一份材料。"], story_id="42")
    assert (d.created_by, d.story_id, d.title, d.task_id) == (SYSTEM_ACTOR, "42", "统计局数据", "summary")
    sources = zm.desk.store.sources(d.id)
    assert [(s.title, s.ref, s.lang) for s in sources] == [("统计局数据", "abc123", "zh"), ("", None, "zh")]
    # The system actor may create drafts and nothing else.
    with pytest.raises(PermissionDeniedError, match="system"):
        zm.review_submit(d.id, by=SYSTEM_ACTOR)
    failed = gen.model_copy(update={"id": "failed-gen", "output": None})
    with pytest.raises(InputError, match="produced no text"):
        zm.drafts_from_generation(failed, [doc])


# -- hostile input ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("bad", "message"),
    [
        ("", "the edit is empty"),
        (" \n\t ", "the edit is empty"),
        ("x" * 200_001, "200,001 characters, more than the 200,000 allowed"),
        ("bad\x00byte", "control character U\\+0000"),
        ("lone \ud800 surrogate", "U\\+D800"),
        (EN_SUMMARY, "the same as revision 1"),
        (b"bytes", "must be text"),
    ],
)
def test_bad_edits_save_nothing(zm: Zhimei, bad: object, message: str) -> None:
    d = _draft(zm)
    with pytest.raises(InputError, match=message):
        zm.drafts_edit(d.id, bad, by="alice", parent=1)  # type: ignore[arg-type]
    assert len(zm.desk.store.revisions(d.id)) == 1
    assert [e.action for e in zm.audit(draft_id=d.id)] == ["create", "generate"]


def test_edit_files_must_be_utf8_text(zm: Zhimei, tmp_path: Path) -> None:
    cases = {
        "latin1.txt": ("café".encode("latin-1"), "not valid UTF-8"),
        "binary.bin": (b"\x89PNG\r\n\x1a\n\x00\x00", "not valid UTF-8|control character"),
        "empty.md": (b"", "is empty"),
        "huge.md": (b"a" * 800_010, "larger than the edit may be"),
    }
    for name, (data, message) in cases.items():
        path = tmp_path / name
        path.write_bytes(data)
        with pytest.raises(InputError, match=message):
            zm.read_edit(path)
    with pytest.raises(InputError, match="cannot read"):
        zm.read_edit(tmp_path / "missing.md")
    bom = tmp_path / "bom.md"
    bom.write_bytes("\ufeff新的文本。\r\n第二行。".encode())
    assert zm.read_edit(bom) == "新的文本。\n第二行。"


def test_html_in_edits_is_stored_as_text(zm: Zhimei) -> None:
    d = _draft(zm)
    hostile = 'Budget approved. <script>alert("x")</script><img src=x onerror=alert(1)>'
    zm.drafts_edit(d.id, hostile, by="alice", parent=1)
    assert zm.drafts_revision(d.id).text == hostile


# -- flags, acknowledgement, publishing gate --------------------------------------------------------


def test_personal_data_blocks_publishing_until_an_editor_acknowledges_it(tmp_path: Path) -> None:
    zm = make_desk(tmp_path / "home", ["Call the council on 13812345678 about the $12.5 million budget."])
    d = _draft(zm)
    zm.review_submit(d.id, by="alice")
    zm.review_approve(d.id, by="bob")
    view = zm.drafts_show(d.id)
    (pii,) = [f.flag for f in view.flags if f.flag.kind == "pii"]
    assert view.outstanding == (pii.id,)
    from zhimei.errors import PublishBlockedError

    with pytest.raises(PublishBlockedError, match=pii.id):
        zm.publish(d.id, "markdown", by="bob", target=tmp_path / "out")
    assert not (tmp_path / "out").exists()
    with pytest.raises(PermissionDeniedError):
        zm.drafts_ack(d.id, pii.id, by="alice")
    with pytest.raises(NotFoundError, match="no flag 'nope'"):
        zm.drafts_ack(d.id, "nope", by="bob")
    ack = zm.drafts_ack(d.id, pii.id, by="bob", note="the council's public line")
    assert (ack.actor, ack.revision) == ("bob", 1)
    with pytest.raises(InputError, match="already acknowledged"):
        zm.drafts_ack(d.id, pii.id, by="erin")
    assert zm.drafts_show(d.id).flags[0].acknowledged_by == "bob"
    assert zm.publish(d.id, "markdown", by="bob", target=tmp_path / "out").status == "published"


def test_publishing_takes_only_an_approved_labelled_revision(zm: Zhimei) -> None:
    d = _draft(zm)
    with pytest.raises(WorkflowError, match="draft 1 is draft: cannot publish"):
        zm.publish(d.id, "markdown", by="bob")
    zm.review_submit(d.id, by="alice")
    approval = zm.review_approve(d.id, by="bob")
    draft = zm.desk.store.draft(d.id)
    revision = zm.drafts_revision(d.id)
    item = labelled_revision(zm.desk, draft, revision, approval, "pub-x")
    assert item.label is not None and item.label.reviewed_by == "bob" and item.model_units > 0
    with pytest.raises(TypeError, match=r"LabelledRevision\.build"):
        LabelledRevision(draft, revision, approval, item.label, item.model_units)
    with pytest.raises(WorkflowError, match="no AIGC label"):
        dataclasses.replace(item, label=None)
    with pytest.raises(WorkflowError, match="has no AIGC label"):
        LabelledRevision.build(draft, revision, approval, None, item.model_units)
    submitted = approval.model_copy(update={"decision": "submitted"})
    with pytest.raises(WorkflowError, match="has not been approved"):
        LabelledRevision.build(draft, revision, submitted, item.label, item.model_units)
    assert item.label is not None
    other_editor = item.label.model_copy(update={"reviewed_by": "erin"})
    with pytest.raises(WorkflowError, match="does not name its approving editor bob"):
        LabelledRevision.build(draft, revision, approval, other_editor, item.model_units)
    edited = revision.model_copy(update={"text": revision.text + " Changed."})
    with pytest.raises(WorkflowError, match="made for another text"):
        LabelledRevision.build(draft, edited, approval, item.label, item.model_units)


# -- audit, concurrency, edit pairs --------------------------------------------------------------------


def test_audit_log_cannot_be_changed(zm: Zhimei) -> None:
    _draft(zm)
    for statement in (
        "UPDATE desk_audit SET actor = 'mallory'",
        "DELETE FROM desk_audit",
        "UPDATE desk_revisions SET text = 'rewritten'",
        "DELETE FROM desk_revisions",
        "DELETE FROM desk_drafts",
    ):
        with pytest.raises(DBAPIError, match=r"append-only|keeps its history"), zm.engine.begin() as conn:
            conn.execute(text(statement))
    assert [e.actor for e in zm.audit()][-1] == "alice"


def test_edit_pairs_pair_each_approval_with_its_model_output(zm: Zhimei, tmp_path: Path) -> None:
    d = _published(zm, tmp_path)
    gen_id = zm.drafts_revision(d.id, 1).generation_id
    (pair,) = zm.edit_pairs()
    assert (pair.draft_id, pair.generation_id, pair.model_revision, pair.approved_revision) == (
        d.id,
        gen_id,
        1,
        2,
    )
    assert pair.model_text == EN_SUMMARY and "Repairs start" in pair.approved_text
    assert (pair.approved_by, pair.task_id, pair.lang) == ("bob", "summary", "en")
    # A model text approved unchanged is no edit pair.
    d2 = _draft(zm)
    zm.review_submit(d2.id, by="alice")
    zm.review_approve(d2.id, by="bob")
    assert len(zm.edit_pairs()) == 1 and zm.edit_pairs(d2.id) == []


def test_zh_names_are_verified_with_the_default_policy(tmp_path: Path) -> None:
    zm = make_desk(tmp_path / "home", [ZH_SUMMARY.replace("2月份", "据张伟介绍，2月份")], names=True)
    d = zm.drafts_new("summary", article_from_text(ZH_ARTICLE), by="alice")
    flags = zm.drafts_show(d.id).flags
    assert any(f.flag.kind == "grounding" and "张伟" in f.flag.text for f in flags)


def test_a_draft_from_a_story_writes_from_its_documents(zm: Zhimei) -> None:
    from zhimei.store.db import begin_write
    from zhimei.store.documents import insert_document
    from zhimei.store.stories_repo import StoryTags, add_member, create_story

    docs = [
        Document(source="feed", title="Budget vote", text=EN_ARTICLE, lang="en", content_hash="h1"),
        Document(
            source="feed", title="Road works", text="Road works begin in May.", lang="en", content_hash="h2"
        ),
    ]
    with begin_write(zm.engine) as conn:
        ids = [insert_document(conn, doc, source_id=None, locator=None, at=START) for doc in docs]
        assert None not in ids
        story = create_story(conn, "story-k1", ids[0] or 0, "en", StoryTags("Budget vote", [], [], []), START)
        add_member(conn, story, ids[1] or 0, 0.9, START)
    d = zm.drafts_from_story(str(story), "summary", by="alice")
    assert (d.story_id, d.task_id, d.created_by) == (str(story), "summary", "alice")
    assert [s.ref for s in zm.desk.store.sources(d.id)] == ["h1", "h2"]
    assert zm.drafts_list(story_id=str(story)) == [d]
    with pytest.raises(InputError, match="data record"):
        zm.drafts_from_story(str(story), "brief", by="alice")
