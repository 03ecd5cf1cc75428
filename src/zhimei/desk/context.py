"""What every desk operation shares: the store, the newsroom's desk settings, the clock, the acting
user, verification, and the optimistic-concurrency loop that writes a change to a draft.

Every change is computed from the draft as read and written only if the draft is still at that
version (:meth:`DeskContext.mutate`); when another writer came first, the change is recomputed
from the new state — which re-runs every check, so an edit on a now-stale parent is refused
rather than merged.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal

from zhimei.desk.diffing import Opcode, opcodes, unified_diff
from zhimei.desk.labels import DEFAULT_WORDING, LabelWording, content_hash
from zhimei.desk.permissions import SYSTEM_ACTOR, Action, require
from zhimei.desk.provenance import carry_spans
from zhimei.desk.verify import VerifyPolicy, verify
from zhimei.errors import ConflictError, PermissionDeniedError
from zhimei.records import (
    Draft,
    DraftSource,
    ProvenanceSpan,
    Revision,
    RevisionCheck,
    RevisionKind,
    User,
    utcnow,
)
from zhimei.store.desk_store import Applied, DeskStore, DraftChange, DraftChangedError, NewAudit

__all__ = ["MAX_ATTEMPTS", "DeskContext", "DeskSettings", "Plan"]

MAX_ATTEMPTS = 5
Plan = Callable[[Draft], DraftChange]


@dataclass(frozen=True)
class DeskSettings:
    """A newsroom's desk settings.

    ``producer`` is the ContentProducer / ContentPropagator of its AIGC labels (its name or
    filing code); ``verify_policy`` what verification checks; ``label_position`` and ``wording``
    where the visible label goes and what it says.
    """

    producer: str = "zhimei"
    verify_policy: VerifyPolicy = field(default_factory=VerifyPolicy)
    label_position: Literal["top", "bottom"] = "bottom"
    wording: LabelWording = DEFAULT_WORDING


class DeskContext:
    """The desk on one store. Pass ``clock`` to fix time in tests."""

    def __init__(
        self,
        store: DeskStore,
        settings: DeskSettings | None = None,
        *,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self.store = store
        self.settings = settings or DeskSettings()
        self.clock = clock

    def now(self) -> datetime:
        """The current time (from the clock)."""
        return self.clock()

    # -- who is acting -----------------------------------------------------------------------------
    def actor(self, name: str | None, action: Action, *, system: bool = False) -> User:
        """The acting user, after checking they exist and may perform ``action``.

        ``system``: a missing name means unattended work (:data:`SYSTEM_ACTOR`), which may only
        create drafts. Raises PermissionDeniedError for no name, an unknown user or a role that
        may not act.
        """
        if name is None or not name.strip():
            if not system:
                raise PermissionDeniedError(
                    f"no acting user for {action}", "pass --by NAME or set ZHIMEI_USER (setting 'user')"
                )
            name = SYSTEM_ACTOR
        if name == SYSTEM_ACTOR:
            require(name, SYSTEM_ACTOR, action)
            return User(name=SYSTEM_ACTOR, role="reporter", created_at=self.now())
        user = self.store.user(name)
        if user is None:
            raise PermissionDeniedError(
                f"there is no user {name!r}", "an admin adds users with: zhimei users add NAME --role ROLE"
            )
        require(user.name, user.role, action)
        return user

    def reader(self, name: str | None, action: Action) -> None:
        """Reading needs no acting user; when one is named, their role is checked."""
        if name is not None:
            self.actor(name, action)

    # -- writing changes ---------------------------------------------------------------------------
    def mutate(self, draft_id: int, plan: Plan) -> tuple[Draft, Applied]:
        """Read the draft, compute a change with ``plan`` and write it, retrying while others write.

        ``plan`` raises (WorkflowError, StaleRevisionError …) when the change is not allowed on
        the draft as it is now. Returns the draft as written and what the change created.
        """
        for _ in range(MAX_ATTEMPTS):
            draft = self.store.draft(draft_id)
            change = plan(draft)
            try:
                applied = self.store.apply(draft_id, change)
            except DraftChangedError:
                continue
            written = (
                change.draft.model_copy(update={"version": draft.version + 1}) if change.draft else draft
            )
            return written, applied
        raise ConflictError(
            f"draft {draft_id} kept changing while this change was prepared; nothing was saved",
            "retry in a moment",
        )

    @staticmethod
    def updated(draft: Draft, at: datetime, **values: object) -> Draft:
        """The draft with new values and ``updated_at``; its version stays the one it was read at."""
        return draft.model_copy(update={**values, "updated_at": at})

    # -- revisions ---------------------------------------------------------------------------------
    def check(self, draft: Draft, sources: Sequence[DraftSource], revision: Revision) -> RevisionCheck:
        """Verify a revision against the draft's sources."""
        verification = verify(
            revision.text, [s.text for s in sources], lang=draft.lang, policy=self.settings.verify_policy
        )
        return RevisionCheck(
            draft_id=draft.id,
            revision=revision.number,
            created_at=revision.created_at,
            verification=verification,
        )

    def revision(
        self,
        draft: Draft,
        parent: Revision | None,
        number: int,
        text: str,
        kind: RevisionKind,
        author: str,
        at: datetime,
        *,
        generation_id: str | None = None,
        restored: Revision | None = None,
        note: str | None = None,
        replaced: tuple[int, int] | None = None,
    ) -> Revision:
        """A new revision with its diff to ``parent`` and its provenance.

        The model's text is the generation's — all of it, or, with ``replaced``, the stretch that
        took the place of ``parent.text[replaced[0]:replaced[1]]`` (the rest keeps its authors); a
        restore keeps the restored revision's provenance; anything else a person wrote is diffed
        against the parent, new text being ``author``'s.
        """
        spans: tuple[ProvenanceSpan, ...]
        if generation_id is not None and replaced is not None and parent is not None:
            a1, a2 = replaced
            b2 = len(text) - (len(parent.text) - a2)
            ops = [
                Opcode("equal", 0, a1, 0, a1),
                Opcode("replace", a1, a2, a1, b2),
                Opcode("equal", a2, len(parent.text), b2, len(text)),
            ]
            spans = carry_spans(parent.spans, ops, generation_id, number, origin="model")
        elif generation_id is not None:
            spans = (
                ProvenanceSpan(start=0, end=len(text), origin="model", by=generation_id, revision=number),
            )
        elif restored is not None:
            spans = restored.spans
        elif parent is None:
            spans = (ProvenanceSpan(start=0, end=len(text), origin="human", by=author, revision=number),)
        else:
            spans = carry_spans(parent.spans, opcodes(parent.text, text, draft.lang), author, number)
        return Revision(
            draft_id=draft.id,
            number=number,
            created_at=at,
            kind=kind,
            author=author,
            generation_id=generation_id,
            parent=parent.number if parent else None,
            restored_from=restored.number if restored else None,
            text=text,
            diff=unified_diff(parent.text, text, f"r{parent.number}", f"r{number}") if parent else "",
            sha256=content_hash(text),
            spans=spans,
            note=note,
        )

    @staticmethod
    def event(action: str, actor: User | str, revision: int | None = None, **detail: object) -> NewAudit:
        """An audit event (``detail`` must be JSON)."""
        name = actor.name if isinstance(actor, User) else actor
        return NewAudit(action=action, actor=name, revision=revision, detail=dict(detail) or None)
