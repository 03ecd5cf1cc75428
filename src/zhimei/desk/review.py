"""Review: submit, approve, reject, spike; assignments, comments, acknowledging verification flags.

An approval is of one revision (the newest, or the one named, which must still be the newest) and
is recorded with the approving editor and time; a later revision withdraws it. Acknowledgements
are by stable flag id, so they survive edits elsewhere in the text.
"""

from __future__ import annotations

from zhimei.desk.context import DeskContext
from zhimei.desk.drafts import cancel_scheduled
from zhimei.desk.states import next_state
from zhimei.desk.text_input import MAX_COMMENT_CHARS, clean_text
from zhimei.errors import InputError, NotFoundError, StaleRevisionError
from zhimei.records import Draft, FlagAck, ReviewDecision
from zhimei.store.desk_store import DraftChange, NewComment, NewReview

__all__ = ["ack", "approve", "assign", "comment", "reject", "spike", "submit"]


def _decision(ctx: DeskContext, draft_id: int, review_id: int) -> ReviewDecision:
    return next(r for r in ctx.store.reviews(draft_id) if r.id == review_id)


def _expect_head(draft: Draft, revision: int | None, verb: str) -> int:
    if revision is not None and revision != draft.head:
        raise StaleRevisionError(
            f"cannot {verb} revision {revision} of draft {draft.id}: revision {draft.head} is newer",
            f"look at revision {draft.head} first: zhimei drafts show {draft.id}",
        )
    return draft.head


def submit(ctx: DeskContext, draft_id: int, *, by: str | None) -> Draft:
    """Send the draft's newest revision for review."""
    actor = ctx.actor(by, "review.submit")

    def plan(draft: Draft) -> DraftChange:
        state = next_state(draft.state, "submit", draft.id)
        at = ctx.now()
        return DraftChange(
            at=at,
            draft=ctx.updated(draft, at, state=state),
            reviews=(NewReview(draft.head, "submitted", actor.name),),
            audit=(ctx.event("submit", actor, draft.head),),
        )

    return ctx.mutate(draft_id, plan)[0]


def approve(
    ctx: DeskContext, draft_id: int, *, by: str | None, revision: int | None = None
) -> ReviewDecision:
    """Approve the newest revision (``revision``, if given, must be it); returns the approval.

    Written with the database's full synchronisation (SQLite ``synchronous=FULL``), so an
    approval survives a power cut once this returns.
    """
    actor = ctx.actor(by, "review.approve")

    def plan(draft: Draft) -> DraftChange:
        head = _expect_head(draft, revision, "approve")
        state = next_state(draft.state, "approve", draft.id)
        at = ctx.now()
        return DraftChange(
            at=at,
            draft=ctx.updated(draft, at, state=state, approved_revision=head),
            reviews=(NewReview(head, "approved", actor.name),),
            audit=(ctx.event("approve", actor, head),),
        )

    _, applied = ctx.mutate(draft_id, plan)
    return _decision(ctx, draft_id, applied.reviews[0])


def reject(ctx: DeskContext, draft_id: int, *, by: str | None, reason: str) -> ReviewDecision:
    """Send the draft back to its writers with a reason (required)."""
    actor = ctx.actor(by, "review.reject")
    reason = clean_text(reason, "the reason", MAX_COMMENT_CHARS)

    def plan(draft: Draft) -> DraftChange:
        state = next_state(draft.state, "reject", draft.id)
        at = ctx.now()
        return DraftChange(
            at=at,
            draft=ctx.updated(draft, at, state=state),
            reviews=(NewReview(draft.head, "rejected", actor.name, reason),),
            audit=(ctx.event("reject", actor, draft.head, reason=reason),),
        )

    _, applied = ctx.mutate(draft_id, plan)
    return _decision(ctx, draft_id, applied.reviews[0])


def spike(ctx: DeskContext, draft_id: int, *, by: str | None, reason: str | None = None) -> Draft:
    """Kill the draft for good (it stays on record); its scheduled publications are cancelled."""
    actor = ctx.actor(by, "review.spike")
    reason = clean_text(reason, "the reason", MAX_COMMENT_CHARS) if reason is not None else None

    def plan(draft: Draft) -> DraftChange:
        state = next_state(draft.state, "spike", draft.id)
        at = ctx.now()
        return DraftChange(
            at=at,
            draft=ctx.updated(draft, at, state=state, approved_revision=None),
            reviews=(NewReview(draft.head, "spiked", actor.name, reason),),
            publication_updates=cancel_scheduled(ctx, draft),
            audit=(ctx.event("spike", actor, draft.head, reason=reason),),
        )

    return ctx.mutate(draft_id, plan)[0]


def assign(ctx: DeskContext, draft_id: int, *, to: str, by: str | None) -> Draft:
    """Assign the draft to user ``to``."""
    actor = ctx.actor(by, "drafts.assign")
    if ctx.store.user(to) is None:
        raise NotFoundError(f"there is no user {to!r}", "list users with: zhimei users list")

    def plan(draft: Draft) -> DraftChange:
        next_state(draft.state, "discuss", draft.id)
        at = ctx.now()
        return DraftChange(
            at=at,
            draft=ctx.updated(draft, at, assignee=to),
            assignments=((to, actor.name),),
            audit=(ctx.event("assign", actor, None, assignee=to, previous=draft.assignee),),
        )

    return ctx.mutate(draft_id, plan)[0]


def comment(
    ctx: DeskContext, draft_id: int, text: str, *, by: str | None, revision: int | None = None
) -> None:
    """Add a comment to the draft (on one revision, if given)."""
    actor = ctx.actor(by, "drafts.comment")
    text = clean_text(text, "the comment", MAX_COMMENT_CHARS)
    if revision is not None:
        ctx.store.revision(draft_id, revision)  # NotFoundError for an unknown revision

    def plan(draft: Draft) -> DraftChange:
        next_state(draft.state, "discuss", draft.id)
        return DraftChange(
            at=ctx.now(),
            comments=(NewComment(actor.name, text, revision),),
            audit=(ctx.event("comment", actor, revision, chars=len(text)),),
        )

    ctx.mutate(draft_id, plan)


def ack(ctx: DeskContext, draft_id: int, flag_id: str, *, by: str | None, note: str | None = None) -> FlagAck:
    """An editor acknowledges a verification flag of the draft's newest or approved revision.

    Raises NotFoundError for a flag id neither revision has, InputError if already acknowledged.
    """
    actor = ctx.actor(by, "flags.ack")
    note = clean_text(note, "the note", MAX_COMMENT_CHARS) if note is not None else None
    made: list[FlagAck] = []

    def plan(draft: Draft) -> DraftChange:
        next_state(draft.state, "discuss", draft.id)
        found = None
        for number in dict.fromkeys(n for n in (draft.head, draft.approved_revision) if n is not None):
            check = ctx.store.check(draft.id, number)
            if check and any(f.id == flag_id for f in check.verification.flags):
                found = number
                break
        if found is None:
            raise NotFoundError(
                f"draft {draft.id} has no flag {flag_id!r} on its current revision",
                f"see its flags with: zhimei drafts show {draft.id}",
            )
        if any(a.flag_id == flag_id for a in ctx.store.acks(draft.id)):
            raise InputError(f"flag {flag_id} of draft {draft.id} is already acknowledged")
        at = ctx.now()
        made[:] = [
            FlagAck(
                draft_id=draft.id, flag_id=flag_id, revision=found, actor=actor.name, created_at=at, note=note
            )
        ]
        return DraftChange(
            at=at, acks=tuple(made), audit=(ctx.event("ack", actor, found, flag=flag_id, note=note),)
        )

    ctx.mutate(draft_id, plan)
    return made[0]
