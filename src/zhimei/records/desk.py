"""Records of the desk: users, drafts, revisions, review, publications, audit."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import AwareDatetime, Field

from zhimei.records.base import Lang, Record
from zhimei.records.verification import Label, Verification

__all__ = [
    "Assignment",
    "AuditEvent",
    "Comment",
    "Draft",
    "DraftSource",
    "EditPair",
    "FlagAck",
    "ProvenanceSpan",
    "Publication",
    "PublicationStatus",
    "ReviewDecision",
    "ReviewState",
    "Revision",
    "RevisionCheck",
    "RevisionKind",
    "Role",
    "User",
]


Role = Literal["reporter", "editor", "admin"]
ReviewState = Literal["draft", "in_review", "approved", "published", "rejected", "spiked"]
RevisionKind = Literal["generated", "edit", "restore", "correction"]
PublicationStatus = Literal["scheduled", "published", "unpublished", "superseded", "cancelled"]


class User(Record):
    """A person at the desk; ``role`` decides what they may do (see ``zhimei.desk.permissions``)."""

    name: str = Field(min_length=1, max_length=64)
    role: Role
    created_at: AwareDatetime
    created_by: str | None = None


class DraftSource(Record):
    """A source document of a draft, kept as a text snapshot so verification needs nothing else.

    ``ref`` says where it came from: a document's content hash, a file name or a URL.
    """

    text: str
    lang: Lang
    title: str = ""
    ref: str | None = None


class Draft(Record):
    """A piece of content being written; its texts are its revisions.

    ``head`` is the newest revision; ``approved_revision`` the one an editor approved (cleared when
    a newer revision is saved). ``task_input`` is the task input its generations were made from, so
    it can be regenerated. ``version`` grows with every change of the draft, for optimistic
    concurrency.
    """

    id: int
    created_at: AwareDatetime
    created_by: str
    updated_at: AwareDatetime
    title: str
    lang: Lang
    task_id: str | None = None
    task_input: dict[str, Any] | None = None
    params: dict[str, Any] = Field(default_factory=dict)
    story_id: str | None = None
    state: ReviewState = "draft"
    head: int = Field(ge=1)
    approved_revision: int | None = None
    assignee: str | None = None
    version: int = Field(default=1, ge=1)


class ProvenanceSpan(Record):
    """Who wrote ``[start, end)`` of a revision's text: the model (``by`` is the generation id) or a
    person (``by`` is the user), and in which revision that text first appeared."""

    start: int = Field(ge=0)
    end: int = Field(ge=0)
    origin: Literal["model", "human"]
    by: str
    revision: int = Field(ge=1)


class Revision(Record):
    """One saved text of a draft. Append-only: every change is a new revision, nothing is overwritten.

    ``author`` is the user who saved it; ``generation_id`` the generation when the model wrote it;
    ``restored_from`` the revision a restore copied. ``diff`` is a unified diff to ``parent``;
    ``spans`` cover the text and say who wrote each part.
    """

    draft_id: int
    number: int = Field(ge=1)
    created_at: AwareDatetime
    kind: RevisionKind
    author: str
    generation_id: str | None = None
    parent: int | None = None
    restored_from: int | None = None
    text: str
    diff: str = ""
    sha256: str
    spans: tuple[ProvenanceSpan, ...] = ()
    note: str | None = None

    @property
    def by_model(self) -> bool:
        """Whether the model wrote this revision."""
        return self.generation_id is not None


class RevisionCheck(Record):
    """The verification of one revision against its draft's sources."""

    draft_id: int
    revision: int
    created_at: AwareDatetime
    verification: Verification


class ReviewDecision(Record):
    """A step of review on one revision: submitted, approved, rejected (with a reason) or spiked."""

    id: int
    draft_id: int
    revision: int
    decision: Literal["submitted", "approved", "rejected", "spiked"]
    actor: str
    created_at: AwareDatetime
    reason: str | None = None


class FlagAck(Record):
    """An editor's acknowledgement of a verification flag (by its stable id) on a draft."""

    draft_id: int
    flag_id: str
    revision: int
    actor: str
    created_at: AwareDatetime
    note: str | None = None


class Comment(Record):
    """A comment on a draft, optionally on one revision."""

    id: int
    draft_id: int
    revision: int | None = None
    author: str
    created_at: AwareDatetime
    text: str


class Assignment(Record):
    """Who a draft was assigned to, by whom and when (the newest is the current one)."""

    id: int
    draft_id: int
    assignee: str
    actor: str
    created_at: AwareDatetime


class Publication(Record):
    """One approved revision published (or scheduled) in one format to one target.

    ``target`` is a folder or a URL; ``key`` identifies (draft, revision, format, target), so
    publishing the same revision there again is the same publication. ``label`` is the AIGC label
    it carries (None only when no part of the text came from the model); ``correction`` the
    visible correction notice of a corrected publication.
    """

    id: int
    draft_id: int
    revision: int
    format: str
    target: str
    key: str
    status: PublicationStatus
    actor: str
    created_at: AwareDatetime
    scheduled_at: AwareDatetime | None = None
    published_at: AwareDatetime | None = None
    unpublished_at: AwareDatetime | None = None
    location: str | None = None
    label: Label | None = None
    correction: str | None = None


class AuditEvent(Record):
    """One change at the desk: who did what to which draft and revision, when. Append-only."""

    id: int
    created_at: AwareDatetime
    actor: str
    action: str
    draft_id: int | None = None
    revision: int | None = None
    detail: dict[str, Any] = Field(default_factory=dict)


class EditPair(Record):
    """A model output and the human version an editor approved from it: data for learning from edits."""

    draft_id: int
    task_id: str | None
    lang: Lang
    generation_id: str
    model_revision: int
    model_text: str
    approved_revision: int
    approved_text: str
    approved_by: str
    approved_at: AwareDatetime
