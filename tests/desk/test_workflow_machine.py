"""Random sequences of desk actions by two editors who see stale revisions, checked against a model.

Rules: generate (a new draft), edit on the revision the editor last saw, regenerate, restore,
submit, approve, reject, publish, and "look again" (an editor refreshes their view). After every
step: each draft has exactly as many revisions as saves succeeded, its texts are the saved texts in
order (no lost update, nothing merged), its state is the one the rules say, every publication is
of a revision an editor approved and labelled when any model text remains, and the audit log
holds exactly the changes that succeeded.
"""

from __future__ import annotations

import atexit
import shutil
import tempfile
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import Bundle, RuleBasedStateMachine, initialize, invariant, rule

from tests.desk.workflow_support import EN_ARTICLE, make_desk
from zhimei.api import Zhimei, article_from_text
from zhimei.backends.scripted import ScriptedBackend
from zhimei.desk.provenance import shares
from zhimei.errors import InputError, StaleRevisionError, WorkflowError

REPLIES = [
    "The council approved the road budget on Tuesday.",
    "Road repairs start in May after a council vote.",
    "A $12.5 million budget for roads passed on Tuesday.",
]
EDITS = st.sampled_from(
    [
        "",
        "   ",
        "The council approved the road budget on Tuesday.",
        "The council approved the budget late on Tuesday.",
        "Repairs start in May, the council said.",
        "Repairs start in June, the council said. <b>Update</b>",
        "预算周二获批。",
    ]
)
EDITORS = st.sampled_from(["bob", "erin"])
# Where each move may start, and where it leads (the specification, written independently).
REVISE = {"draft": "draft", "rejected": "draft", "in_review": "in_review", "approved": "in_review"}
MOVES = {
    "submit": {"draft": "in_review", "rejected": "in_review"},
    "approve": {"in_review": "approved"},
    "reject": {"in_review": "rejected"},
    "publish": {"approved": "published", "published": "published"},
}


@dataclass
class Model:
    """What the desk should hold for one draft."""

    texts: list[str]
    state: str = "draft"
    approved: int | None = None
    actions: list[str] = field(default_factory=lambda: ["create", "generate"])
    published: set[tuple[int, str]] = field(default_factory=set)


@cache
def _desk() -> tuple[Zhimei, Path]:
    """One desk for every example (each works on its own new drafts); in memory where possible."""
    shm = Path("/dev/shm")
    folder = Path(tempfile.mkdtemp(prefix="zhimei-machine-", dir=shm if shm.is_dir() else None))
    atexit.register(shutil.rmtree, folder, True)
    return make_desk(folder / "home", REPLIES), folder


class DeskMachine(RuleBasedStateMachine):
    drafts = Bundle("drafts")

    def __init__(self) -> None:
        super().__init__()
        self.zm, self.dir = _desk()
        # Replies start over in every example, so a replayed example writes the same texts.
        backend = self.zm.backend
        assert isinstance(backend, ScriptedBackend)
        backend.calls.clear()
        self.models: dict[int, Model] = {}
        self.seen: dict[tuple[str, int], int] = {}  # (editor, draft) -> the revision they last saw
        self.touched: set[int] = set()

    def teardown(self) -> None:
        self.touched = set(self.models)
        self.desk_matches_the_model()

    def _texts(self, draft_id: int) -> list[str]:
        return [r.text for r in self.zm.desk.store.revisions(draft_id)]

    @initialize(target=drafts)
    def first_draft(self) -> int:
        return self.generate()

    @rule(target=drafts)
    def generate(self) -> int:
        d = self.zm.drafts_new("summary", article_from_text(EN_ARTICLE), by="alice")
        self.models[d.id] = Model(texts=self._texts(d.id))
        self.touched.add(d.id)
        for editor in ("bob", "erin"):
            self.seen[(editor, d.id)] = d.head
        return d.id

    @rule(editor=EDITORS, draft=drafts)
    def look_again(self, editor: str, draft: int) -> None:
        self.seen[(editor, draft)] = len(self.models[draft].texts)

    @rule(editor=EDITORS, draft=drafts, text=EDITS)
    def edit(self, editor: str, draft: int, text: str) -> None:
        self.touched.add(draft)
        m = self.models[draft]
        parent = self.seen[(editor, draft)]
        try:
            rev = self.zm.drafts_edit(draft, text, by=editor, parent=parent)
        except WorkflowError:
            assert m.state not in REVISE
            return
        except StaleRevisionError:
            assert m.state in REVISE and parent != len(m.texts)
            return
        except InputError:
            assert not text.strip() or text.strip() == m.texts[-1]
            return
        assert m.state in REVISE and parent == len(m.texts) and rev.number == parent + 1
        self._saved(m, draft, editor, [text.strip()], "edit")

    @rule(editor=EDITORS, draft=drafts, n=st.integers(1, 2))
    def regenerate(self, editor: str, draft: int, n: int) -> None:
        self.touched.add(draft)
        m = self.models[draft]
        try:
            revisions = self.zm.drafts_regenerate(draft, by=editor, n=n)
        except WorkflowError:
            assert m.state not in REVISE
            return
        assert m.state in REVISE and [r.parent for r in revisions] == list(
            range(len(m.texts), len(m.texts) + n)
        )
        self._saved(m, draft, editor, [r.text for r in revisions], *["generate"] * n)

    @rule(editor=EDITORS, draft=drafts, data=st.data())
    def restore(self, editor: str, draft: int, data: st.DataObject) -> None:
        self.touched.add(draft)
        m = self.models[draft]
        number = data.draw(st.integers(1, len(m.texts)))
        try:
            self.zm.drafts_restore(draft, number, by=editor, parent=self.seen[(editor, draft)])
        except WorkflowError:
            assert m.state not in REVISE
            return
        except StaleRevisionError:
            assert self.seen[(editor, draft)] != len(m.texts)
            return
        except InputError:
            assert m.texts[number - 1] == m.texts[-1]
            return
        self._saved(m, draft, editor, [m.texts[number - 1]], "restore")

    def _saved(self, m: Model, draft: int, editor: str, texts: list[str], *actions: str) -> None:
        m.texts.extend(texts)
        m.actions.extend(actions)
        m.state, m.approved = REVISE[m.state], None
        self.seen[(editor, draft)] = len(m.texts)

    def _move(self, draft: int, move: str, act: object) -> bool:
        self.touched.add(draft)
        m = self.models[draft]
        try:
            act()  # type: ignore[operator]
        except WorkflowError:
            assert m.state not in MOVES[move]
            return False
        assert m.state in MOVES[move]
        m.state = MOVES[move][m.state]
        return True

    @rule(draft=drafts)
    def submit(self, draft: int) -> None:
        if self._move(draft, "submit", lambda: self.zm.review_submit(draft, by="alice")):
            self.models[draft].actions.append("submit")

    @rule(editor=EDITORS, draft=drafts)
    def approve(self, editor: str, draft: int) -> None:
        m = self.models[draft]
        if self._move(draft, "approve", lambda: self.zm.review_approve(draft, by=editor)):
            m.approved = len(m.texts)
            m.actions.append("approve")

    @rule(editor=EDITORS, draft=drafts)
    def reject(self, editor: str, draft: int) -> None:
        if self._move(draft, "reject", lambda: self.zm.review_reject(draft, "not yet", by=editor)):
            self.models[draft].actions.append("reject")

    @rule(editor=EDITORS, draft=drafts, fmt=st.sampled_from(["markdown", "json"]))
    def publish(self, editor: str, draft: int, fmt: str) -> None:
        m = self.models[draft]
        out = self.dir / "out"
        if self._move(draft, "publish", lambda: self.zm.publish(draft, fmt, by=editor, target=out)):
            assert m.approved is not None
            if (m.approved, fmt) not in m.published:  # the same revision again adds nothing
                m.published.add((m.approved, fmt))
                m.actions.append("publish")

    @invariant()
    def desk_matches_the_model(self) -> None:
        store = self.zm.desk.store
        for draft_id in self.touched:
            m = self.models[draft_id]
            draft = store.draft(draft_id)
            assert self._texts(draft_id) == m.texts  # every save, in order, nothing lost or merged
            assert (draft.head, draft.state, draft.approved_revision) == (len(m.texts), m.state, m.approved)
            approvals = {r.revision for r in store.reviews(draft_id) if r.decision == "approved"}
            for pub in store.publications(draft_id=draft_id):
                assert pub.revision in approvals
                revision = store.revision(draft_id, pub.revision)
                if shares(revision.text, revision.spans, draft.lang).model:
                    # Any model text left means an AIGC label naming the approving editor.
                    assert pub.label is not None and pub.label.reviewed_by in ("bob", "erin")
                else:  # wholly rewritten by people: no AIGC label would be true
                    assert pub.label is None
            assert [e.action for e in self.zm.audit(draft_id=draft_id)] == m.actions
        self.touched = set()


DeskMachine.TestCase.settings = settings(
    max_examples=100,
    stateful_step_count=10,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
test_desk_workflow = DeskMachine.TestCase
