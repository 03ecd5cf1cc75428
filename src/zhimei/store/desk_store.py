"""The desk's store: reads of every desk record, and each change written in one transaction.

A change to a draft is a :class:`DraftChange`: the draft's new values (written only if the draft
is still at the version the change was computed from), plus every row the change adds (revisions,
their verification, review decisions, acknowledgements, comments, assignments, publications) and
its audit events. Everything in a change commits together or not at all, so the audit log never
misses a change and never records one that did not happen.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Engine, select
from sqlalchemy.exc import IntegrityError

from zhimei.errors import ConflictError, InputError, NotFoundError
from zhimei.records import (
    Assignment,
    AuditEvent,
    Comment,
    Draft,
    DraftSource,
    EditPair,
    FlagAck,
    Generation,
    Publication,
    ReviewDecision,
    Revision,
    RevisionCheck,
    User,
)
from zhimei.store import desk_audit, desk_drafts, desk_publications, desk_review, desk_users
from zhimei.store.db import begin_write, describe
from zhimei.store.desk_publications import LIVE, NewPublication, PublicationUpdate
from zhimei.store.desk_tables import DESK_REVIEWS
from zhimei.store.generations import GenerationLog

__all__ = [
    "LIVE",
    "Applied",
    "DeskStore",
    "DraftChange",
    "DraftChangedError",
    "NewAudit",
    "NewComment",
    "NewPublication",
    "NewReview",
    "PublicationUpdate",
]


class DraftChangedError(ConflictError):
    """The draft changed between reading it and writing a change computed from it; nothing was saved."""


@dataclass(frozen=True)
class NewAudit:
    """An audit event to record with a change (about the change's draft, if any)."""

    action: str
    actor: str
    revision: int | None = None
    detail: dict[str, Any] | None = None


@dataclass(frozen=True)
class NewReview:
    """A review decision to record."""

    revision: int
    decision: str
    actor: str
    reason: str | None = None


@dataclass(frozen=True)
class NewComment:
    """A comment to record."""

    author: str
    text: str
    revision: int | None = None


@dataclass(frozen=True)
class DraftChange:
    """Everything one action writes, at one instant ``at``.

    ``draft`` holds the draft's new values, written only while the stored version is still
    ``draft.version`` (None: the draft row is left as it is, e.g. for a comment).
    """

    at: datetime
    draft: Draft | None = None
    sources: tuple[DraftSource, ...] = ()
    revisions: tuple[Revision, ...] = ()
    checks: tuple[RevisionCheck, ...] = ()
    reviews: tuple[NewReview, ...] = ()
    acks: tuple[FlagAck, ...] = ()
    comments: tuple[NewComment, ...] = ()
    assignments: tuple[tuple[str, str], ...] = ()  # (assignee, assigned by)
    publications: tuple[NewPublication, ...] = ()
    publication_updates: tuple[PublicationUpdate, ...] = ()
    audit: tuple[NewAudit, ...] = ()


@dataclass(frozen=True)
class Applied:
    """What a change created: the draft id and the ids of new review decisions and publications."""

    draft_id: int
    reviews: tuple[int, ...]
    publications: tuple[int, ...]


class DeskStore:
    """Repository of the desk's records on one database (SQLite or PostgreSQL)."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.generations = GenerationLog(engine)

    @contextmanager
    def _read(self) -> Iterator[Connection]:
        with self.engine.connect() as conn:
            yield conn

    def _missing(self, what: str, hint: str) -> NotFoundError:
        return NotFoundError(f"no {what} in the {describe(self.engine)}", hint)

    # -- users -----------------------------------------------------------------------------------
    def user(self, name: str) -> User | None:
        """The user called ``name``, or None."""
        with self._read() as conn:
            return desk_users.get_user(conn, name)

    def users(self) -> list[User]:
        """Every user, by name."""
        with self._read() as conn:
            return desk_users.list_users(conn)

    def add_user(self, user: User, audit: NewAudit, *, first: bool = False) -> None:
        """Add a user and its audit event. ``first``: only while there are no users yet.

        Raises InputError when the name is taken (or, with ``first``, when users exist).
        """
        with begin_write(self.engine) as conn:
            if first and desk_users.count_users(conn):
                raise InputError(
                    "users already exist: only an admin can add more", "pass --by ADMIN (or set ZHIMEI_USER)"
                )
            if desk_users.get_user(conn, user.name) is not None:
                raise InputError(f"a user {user.name!r} already exists", "choose another name")
            desk_users.insert_user(conn, user)
            self._audit(conn, user.created_at, None, (audit,))

    def set_role(self, name: str, role: str, audit: NewAudit, at: datetime) -> None:
        """Change a user's role, with its audit event; NotFoundError for an unknown user."""
        with begin_write(self.engine) as conn:
            if desk_users.get_user(conn, name) is None:
                raise self._missing(f"user {name!r}", "list users with: zhimei users list")
            desk_users.set_role(conn, name, role)
            self._audit(conn, at, None, (audit,))

    # -- drafts ----------------------------------------------------------------------------------
    def draft(self, draft_id: int) -> Draft:
        """The draft; NotFoundError if there is none with this id."""
        with self._read() as conn:
            draft = desk_drafts.get_draft(conn, draft_id)
        if draft is None:
            raise self._missing(f"draft {draft_id}", "list drafts with: zhimei drafts list")
        return draft

    def drafts(
        self,
        *,
        state: str | None = None,
        assignee: str | None = None,
        story_id: str | None = None,
        limit: int = 50,
    ) -> list[Draft]:
        """The most recently changed drafts first, optionally filtered."""
        with self._read() as conn:
            return desk_drafts.list_drafts(
                conn, state=state, assignee=assignee, story_id=story_id, limit=limit
            )

    def sources(self, draft_id: int) -> list[DraftSource]:
        """The draft's source snapshots, in order."""
        with self._read() as conn:
            return desk_drafts.get_sources(conn, draft_id)

    def revision(self, draft_id: int, number: int) -> Revision:
        """One revision; NotFoundError if the draft has no such revision."""
        with self._read() as conn:
            revision = desk_drafts.get_revision(conn, draft_id, number)
        if revision is None:
            raise self._missing(
                f"revision {number} of draft {draft_id}", f"list them with: zhimei drafts show {draft_id}"
            )
        return revision

    def revisions(self, draft_id: int) -> list[Revision]:
        """Every revision of the draft, oldest first."""
        with self._read() as conn:
            return desk_drafts.list_revisions(conn, draft_id)

    def check(self, draft_id: int, revision: int) -> RevisionCheck | None:
        """The verification of one revision, or None."""
        with self._read() as conn:
            return desk_drafts.get_check(conn, draft_id, revision)

    def checks(self, draft_id: int) -> list[RevisionCheck]:
        """The verification of every revision, oldest first."""
        with self._read() as conn:
            return desk_drafts.list_checks(conn, draft_id)

    def reviews(self, draft_id: int) -> list[ReviewDecision]:
        """The draft's review decisions, oldest first."""
        with self._read() as conn:
            return desk_review.list_reviews(conn, draft_id)

    def acks(self, draft_id: int) -> list[FlagAck]:
        """The draft's flag acknowledgements."""
        with self._read() as conn:
            return desk_review.list_acks(conn, draft_id)

    def comments(self, draft_id: int) -> list[Comment]:
        """The draft's comments, oldest first."""
        with self._read() as conn:
            return desk_review.list_comments(conn, draft_id)

    def assignments(self, draft_id: int) -> list[Assignment]:
        """The draft's assignments, oldest first."""
        with self._read() as conn:
            return desk_review.list_assignments(conn, draft_id)

    # -- publications ----------------------------------------------------------------------------
    def publication(self, publication_id: int) -> Publication:
        """One publication; NotFoundError if there is none with this id."""
        with self._read() as conn:
            pub = desk_publications.get_publication(conn, publication_id)
        if pub is None:
            raise self._missing(f"publication {publication_id}", "list them with: zhimei drafts show DRAFT")
        return pub

    def live_publication(self, key: str) -> Publication | None:
        """The live publication with this key, or None."""
        with self._read() as conn:
            return desk_publications.live_by_key(conn, key)

    def publications(
        self,
        *,
        draft_id: int | None = None,
        statuses: tuple[str, ...] | None = None,
        fmt: str | None = None,
        target: str | None = None,
        due_by: datetime | None = None,
    ) -> list[Publication]:
        """Publications oldest first, filtered."""
        with self._read() as conn:
            return desk_publications.list_publications(
                conn, draft_id=draft_id, statuses=statuses, fmt=fmt, target=target, due_by=due_by
            )

    # -- audit -----------------------------------------------------------------------------------
    def audit(
        self, *, draft_id: int | None = None, actor: str | None = None, limit: int | None = None
    ) -> list[AuditEvent]:
        """Audit events oldest first (the newest ``limit`` when given)."""
        with self._read() as conn:
            return desk_audit.list_events(conn, draft_id=draft_id, actor=actor, limit=limit)

    # -- writing ---------------------------------------------------------------------------------
    def log_generation(self, generation: Generation) -> None:
        """Make sure ``generation`` is in the generation log (revisions refer to it).

        A generation logged under its id already is left alone when it is the same record;
        DuplicateError when another record holds that id.
        """
        try:
            logged = self.generations.get(generation.id)
        except NotFoundError:
            self.generations.append(generation)
            return
        if logged != generation:
            self.generations.append(generation)  # raises DuplicateError, saying what is wrong

    def create(self, change: DraftChange) -> Applied:
        """Create the draft ``change.draft`` (its id and version are assigned) with everything else."""
        if change.draft is None:
            raise ValueError("a new draft needs its values")
        with begin_write(self.engine) as conn:
            draft_id = desk_drafts.insert_draft(conn, change.draft.model_copy(update={"version": 1}))
            desk_drafts.insert_sources(conn, draft_id, change.sources)
            return self._write(conn, draft_id, change)

    def apply(self, draft_id: int, change: DraftChange) -> Applied:
        """Write ``change`` to an existing draft in one transaction.

        Raises DraftChangedError (nothing written) when ``change.draft`` was computed from a
        version of the draft that is no longer the stored one, NotFoundError for an unknown draft.
        """
        with begin_write(self.engine) as conn:
            stored = desk_drafts.get_draft(conn, draft_id)
            if stored is None:
                raise self._missing(f"draft {draft_id}", "list drafts with: zhimei drafts list")
            if change.draft is not None and not desk_drafts.update_draft(
                conn, change.draft, change.draft.version
            ):
                raise DraftChangedError(
                    f"draft {draft_id} changed while this change was prepared; nothing was saved",
                    "look at the draft again and retry",
                )
            try:
                return self._write(conn, draft_id, change)
            except IntegrityError as exc:
                # Two writers raced past the version check (a change without draft values, or the
                # same publication key): the database's keys refused the second.
                raise DraftChangedError(
                    f"draft {draft_id} changed while this change was prepared; nothing was saved",
                    "look at the draft again and retry",
                ) from exc

    def _write(self, conn: Connection, draft_id: int, change: DraftChange) -> Applied:
        at = change.at
        for revision in change.revisions:
            desk_drafts.insert_revision(conn, revision.model_copy(update={"draft_id": draft_id}))
        for check in change.checks:
            desk_drafts.insert_check(conn, check.model_copy(update={"draft_id": draft_id}))
        reviews = tuple(
            desk_review.insert_review(conn, draft_id, r.revision, r.decision, r.actor, at, r.reason)
            for r in change.reviews
        )
        for ack in change.acks:
            desk_review.insert_ack(conn, ack.model_copy(update={"draft_id": draft_id}))
        for comment in change.comments:
            desk_review.insert_comment(conn, draft_id, comment.revision, comment.author, at, comment.text)
        for assignee, actor in change.assignments:
            desk_review.insert_assignment(conn, draft_id, assignee, actor, at)
        for update in change.publication_updates:
            desk_publications.update_publication(conn, update)
        publications = tuple(
            desk_publications.insert_publication(conn, draft_id, new, at) for new in change.publications
        )
        self._audit(conn, at, draft_id, change.audit)
        return Applied(draft_id, reviews, publications)

    def _audit(
        self, conn: Connection, at: datetime, draft_id: int | None, events: tuple[NewAudit, ...]
    ) -> None:
        for event in events:
            desk_audit.insert_event(
                conn,
                created_at=at,
                actor=event.actor,
                action=event.action,
                draft_id=draft_id,
                revision=event.revision,
                detail=event.detail or {},
            )

    # -- learning from edits ---------------------------------------------------------------------
    def edit_pairs(self, draft_id: int | None = None) -> list[EditPair]:
        """Every (model output → approved human version) pair, oldest approval first.

        For each approval, the approved revision is paired with the nearest model-written revision
        among its ancestors (following ``parent``, and a restore back to what it restored). Approved
        revisions the model wrote unchanged, and those with no model ancestor, give no pair.
        """
        with self._read() as conn:
            ids = [draft_id] if draft_id is not None else _drafts_with_approvals(conn)
            out: list[EditPair] = []
            for did in ids:
                draft = desk_drafts.get_draft(conn, did)
                if draft is None:
                    continue
                revisions = {r.number: r for r in desk_drafts.list_revisions(conn, did)}
                for review in desk_review.list_reviews(conn, did):
                    if review.decision != "approved" or review.revision not in revisions:
                        continue
                    approved = revisions[review.revision]
                    model = _model_ancestor(approved, revisions)
                    if model is None or model.number == approved.number or model.generation_id is None:
                        continue
                    out.append(
                        EditPair(
                            draft_id=did,
                            task_id=draft.task_id,
                            lang=draft.lang,
                            generation_id=model.generation_id,
                            model_revision=model.number,
                            model_text=model.text,
                            approved_revision=approved.number,
                            approved_text=approved.text,
                            approved_by=review.actor,
                            approved_at=review.created_at,
                        )
                    )
        return sorted(out, key=lambda p: (p.approved_at, p.draft_id, p.approved_revision))


def _drafts_with_approvals(conn: Connection) -> list[int]:
    query = select(DESK_REVIEWS.c.draft_id).where(DESK_REVIEWS.c.decision == "approved").distinct()
    return sorted(int(v) for v in conn.execute(query).scalars())


def _model_ancestor(revision: Revision, revisions: dict[int, Revision]) -> Revision | None:
    seen: set[int] = set()
    current: Revision | None = revision
    while current is not None and current.number not in seen:
        if current.by_model:
            return current
        seen.add(current.number)
        step = current.restored_from if current.restored_from is not None else current.parent
        current = revisions.get(step) if step is not None else None
    return None
