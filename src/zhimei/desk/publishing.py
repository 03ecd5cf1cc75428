"""Publishing approved drafts: now or at a set time (embargo), taking them down, correcting them.

Only an approved revision is published, always with its AIGC label (built here from the
revision's provenance, naming the approving editor), and never while a verification flag that
blocks publishing is unacknowledged. Publishing the same revision in the same format to the same
place twice is one publication. A publication is delivered first and recorded after; if recording
fails because the draft changed meanwhile, the delivery is taken back.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import TypeVar

from zhimei.desk.context import DeskContext
from zhimei.desk.drafts import cancel_scheduled
from zhimei.desk.labelled import LabelledRevision
from zhimei.desk.labels import make_label
from zhimei.desk.permissions import SYSTEM_ACTOR, allowed
from zhimei.desk.provenance import shares
from zhimei.desk.publish import PublishItem, deliver, normalise_target, withdraw
from zhimei.desk.states import Move, next_state
from zhimei.desk.text_input import clean_text
from zhimei.errors import (
    ConflictError,
    InputError,
    PublishBlockedError,
    WorkflowError,
    ZhimeiError,
)
from zhimei.records import Draft, Publication, ReviewDecision, Revision
from zhimei.store.desk_store import LIVE, DraftChange, NewPublication, NewReview, PublicationUpdate

__all__ = [
    "FEED_ITEMS",
    "MAX_NOTE_CHARS",
    "correct",
    "labelled_revision",
    "outstanding_flags",
    "publication_key",
    "publish",
    "release_due",
    "unpublish",
]

MAX_NOTE_CHARS = 1000
# A feed lists the newest items only; older publications stay published in the other formats.
FEED_ITEMS = 100
T = TypeVar("T")


def publication_key(draft_id: int, revision: int, fmt: str, target: str) -> str:
    """The idempotency key of (draft, revision, format, target)."""
    raw = "\x1f".join((str(draft_id), str(revision), fmt, target))
    return "pub-" + hashlib.sha256(raw.encode("utf-8")).hexdigest()[:32]


def _approval(ctx: DeskContext, draft: Draft, revision: int) -> ReviewDecision:
    approvals = [
        r for r in ctx.store.reviews(draft.id) if r.decision == "approved" and r.revision == revision
    ]
    if not approvals:
        raise WorkflowError(
            f"revision {revision} of draft {draft.id} has not been approved",
            "approve it first: zhimei review approve DRAFT --by EDITOR",
        )
    return approvals[-1]


def labelled_revision(
    ctx: DeskContext, draft: Draft, revision: Revision, approval: ReviewDecision, key: str
) -> LabelledRevision:
    """The approved revision with its label: wording by the human-edit ratio, the editor named."""
    part = shares(revision.text, revision.spans, draft.lang)
    label = None
    if part.model:
        settings = ctx.settings
        label = make_label(
            lang=draft.lang,
            producer=settings.producer,
            produce_id=f"draft-{draft.id}-r{revision.number}",
            # Some of the model's text is there, however little: the label stays due.
            human_edit_ratio=min(part.human_ratio, 0.9999),
            reviewed_by=approval.actor,
            reviewed_at=approval.created_at,
            position=settings.label_position,
            propagator=settings.producer,
            propagate_id=key,
            content=revision.text,
            wording=settings.wording,
        )
    return LabelledRevision.build(draft, revision, approval, label, part.model)


def outstanding_flags(ctx: DeskContext, draft: Draft, revision: int) -> tuple[str, ...]:
    """Ids of the revision's flags that block publishing and no editor has acknowledged."""
    check = ctx.store.check(draft.id, revision)
    if check is None:
        return ()
    return tuple(f.id for f in check.verification.outstanding(a.flag_id for a in ctx.store.acks(draft.id)))


def _unblocked(ctx: DeskContext, draft: Draft, revision: int) -> None:
    blocked = outstanding_flags(ctx, draft, revision)
    if blocked:
        raise PublishBlockedError(
            f"draft {draft.id} has {len(blocked)} unacknowledged flag(s) that block publishing: "
            + ", ".join(blocked),
            f"review them (zhimei drafts show {draft.id}), then an editor acknowledges each: "
            f"zhimei drafts ack {draft.id} --flag ID --by EDITOR",
        )


def _feed(ctx: DeskContext, fmt: str, target: str) -> list[PublishItem]:
    """The newest :data:`FEED_ITEMS` items live in an RSS folder's feed (other formats have none)."""
    if fmt != "rss":
        return []
    items = []
    live = ctx.store.publications(statuses=("published",), fmt="rss", target=target)
    for pub in live[-FEED_ITEMS:]:
        draft = ctx.store.draft(pub.draft_id)
        revision = ctx.store.revision(pub.draft_id, pub.revision)
        approval = _approval(ctx, draft, pub.revision)
        units = shares(revision.text, revision.spans, draft.lang).model
        labelled = LabelledRevision.build(draft, revision, approval, pub.label, units)
        when = pub.published_at or pub.created_at
        items.append(PublishItem(labelled, when, pub.key, pub.correction))
    return items


def _delivered(ctx: DeskContext, fmt: str, item: PublishItem, target: str, record: Callable[[str], T]) -> T:
    """Deliver ``item``, then ``record(location)``; a failed record takes the delivery back."""
    location = deliver(fmt, item, target, _feed(ctx, fmt, target), ctx.settings.producer)
    try:
        return record(location)
    except ZhimeiError:
        withdraw(fmt, item.draft_id, item.key, target, _feed(ctx, fmt, target), ctx.settings.producer)
        raise


class _Existing(Exception):
    def __init__(self, publication: Publication) -> None:
        self.publication = publication


def publish(
    ctx: DeskContext,
    draft_id: int,
    fmt: str,
    *,
    by: str | None,
    target: str | Path | None = None,
    at: datetime | None = None,
    default_folder: Path,
) -> Publication:
    """Publish the draft's approved revision in ``fmt`` now, or schedule it for ``at`` (embargo).

    ``target``: a folder (default ``default_folder``) or, for ``webhook``, the URL. Publishing the
    same revision to the same place again returns the existing publication. Raises WorkflowError
    without an approved revision, PublishBlockedError for unacknowledged blocking flags,
    InputError for an unknown format, a bad target or a time that is not in the future.
    """
    actor = ctx.actor(by, "publish")
    place = normalise_target(fmt, target, default_folder)
    now = ctx.now()
    if at is not None and (at.tzinfo is None or at <= now):
        raise InputError(
            f"the publication time {at.isoformat()} is not a future, timezone-aware time",
            "give a later time with its zone, or omit --at to publish now",
        )
    draft = ctx.store.draft(draft_id)
    move: Move = "schedule" if at else "publish"
    next_state(draft.state, move, draft.id)
    number = draft.approved_revision
    if number is None:
        raise WorkflowError(f"draft {draft.id} has no approved revision", "approve it first")
    key = publication_key(draft.id, number, fmt, place)
    existing = ctx.store.live_publication(key)
    if existing is not None:
        return existing
    _unblocked(ctx, draft, number)

    def plan_for(
        status: str, location: str | None, item: PublishItem | None
    ) -> Callable[[Draft], DraftChange]:
        def plan(current: Draft) -> DraftChange:
            found = ctx.store.live_publication(key)
            if found is not None:
                raise _Existing(found)
            state = next_state(current.state, move, current.id)
            if current.approved_revision != number:
                raise ConflictError(
                    f"the approved revision of draft {current.id} changed while publishing", "publish again"
                )
            new = NewPublication(
                revision=number,
                format=fmt,
                target=place,
                key=key,
                status=status,
                actor=actor.name,
                scheduled_at=at,
                published_at=now if at is None else None,
                location=location,
                label=item.label if item else None,
            )
            detail: dict[str, object] = {"format": fmt, "target": place, "key": key}
            if at is not None:
                detail["scheduled_at"] = at.isoformat()
            if item is not None and item.label is not None:
                detail["label"] = item.label.kind
                detail["human_edit_ratio"] = item.label.human_edit_ratio
            return DraftChange(
                at=now,
                draft=ctx.updated(current, now, state=state),
                publications=(new,),
                audit=(ctx.event("schedule" if at else "publish", actor, number, **detail),),
            )

        return plan

    try:
        if at is not None:
            applied = ctx.mutate(draft.id, plan_for("scheduled", None, None))[1]
        else:
            approval = _approval(ctx, draft, number)
            revision = ctx.store.revision(draft.id, number)
            item = PublishItem(labelled_revision(ctx, draft, revision, approval, key), now, key)
            applied = _delivered(
                ctx,
                fmt,
                item,
                place,
                lambda where: ctx.mutate(draft.id, plan_for("published", where, item))[1],
            )
    except _Existing as done:
        return done.publication
    return ctx.store.publication(applied.publications[0])


def release_due(ctx: DeskContext, now: datetime | None = None) -> list[Publication]:
    """Publish every scheduled publication whose time has come; returns them (published or cancelled).

    A scheduled publication is cancelled instead when its revision is no longer the approved one,
    a blocking flag is unacknowledged, or whoever scheduled it may no longer publish.
    """
    now = now or ctx.now()
    done = []
    for pub in ctx.store.publications(statuses=("scheduled",), due_by=now):
        draft = ctx.store.draft(pub.draft_id)
        scheduler = ctx.store.user(pub.actor)
        reason = None
        if scheduler is None or not allowed(scheduler.role, "publish"):
            reason = f"{pub.actor} may no longer publish"
        elif draft.approved_revision != pub.revision or draft.state not in ("approved", "published"):
            reason = f"revision {pub.revision} is no longer approved"
        elif outstanding_flags(ctx, draft, pub.revision):
            reason = "flags that block publishing are unacknowledged"
        if reason is not None:
            update = PublicationUpdate(id=pub.id, status="cancelled")
            event = ctx.event("cancel", SYSTEM_ACTOR, pub.revision, key=pub.key, reason=reason)
            ctx.store.apply(draft.id, DraftChange(at=now, publication_updates=(update,), audit=(event,)))
            done.append(ctx.store.publication(pub.id))
            continue
        revision = ctx.store.revision(draft.id, pub.revision)
        labelled = labelled_revision(ctx, draft, revision, _approval(ctx, draft, pub.revision), pub.key)
        item = PublishItem(labelled, now, pub.key)

        def record(where: str, pub: Publication = pub, item: PublishItem = item) -> None:
            def plan(current: Draft) -> DraftChange:
                if current.approved_revision != pub.revision:
                    raise ConflictError(f"the approved revision of draft {current.id} changed", "retry")
                update = PublicationUpdate(
                    id=pub.id, status="published", published_at=now, location=where, label=item.label
                )
                detail = {"format": pub.format, "target": pub.target, "key": pub.key, "scheduled": True}
                return DraftChange(
                    at=now,
                    draft=ctx.updated(current, now, state=next_state(current.state, "publish", current.id)),
                    publication_updates=(update,),
                    audit=(ctx.event("publish", pub.actor, pub.revision, **detail),),
                )

            ctx.mutate(pub.draft_id, plan)

        _delivered(ctx, pub.format, item, pub.target, record)
        done.append(ctx.store.publication(pub.id))
    return done


def unpublish(
    ctx: DeskContext, draft_id: int, *, by: str | None, fmt: str | None = None
) -> list[Publication]:
    """Take the draft's live publications (of one format, if given) down; scheduled ones are cancelled.

    The publications stay on record as unpublished. The draft returns to approved when nothing
    of it remains published.
    """
    actor = ctx.actor(by, "unpublish")
    live = ctx.store.publications(draft_id=draft_id, statuses=LIVE, fmt=fmt)
    if not live:
        draft = ctx.store.draft(draft_id)
        raise WorkflowError(f"draft {draft.id} has no live publication{f' in {fmt}' if fmt else ''}")
    for pub in live:
        if pub.status == "published":
            rest = [i for i in _feed(ctx, pub.format, pub.target) if i.key != pub.key]
            withdraw(pub.format, pub.draft_id, pub.key, pub.target, rest, ctx.settings.producer)

    def plan(draft: Draft) -> DraftChange:
        at = ctx.now()
        updates = []
        audit = []
        for pub in live:
            down = pub.status == "published"
            updates.append(
                PublicationUpdate(id=pub.id, status="unpublished" if down else "cancelled", unpublished_at=at)
            )
            action = "unpublish" if down else "cancel"
            audit.append(
                ctx.event(action, actor, pub.revision, format=pub.format, target=pub.target, key=pub.key)
            )
        gone = {p.id for p in live}
        remaining = [
            p for p in ctx.store.publications(draft_id=draft.id, statuses=("published",)) if p.id not in gone
        ]
        state = draft.state
        if draft.state == "published" and not remaining:
            state = next_state(draft.state, "unpublish", draft.id)
        return DraftChange(
            at=at,
            draft=ctx.updated(draft, at, state=state),
            publication_updates=tuple(updates),
            audit=tuple(audit),
        )

    ctx.mutate(draft_id, plan)
    return [ctx.store.publication(p.id) for p in live]


def correct(
    ctx: DeskContext, draft_id: int, text: str, note: str, *, by: str | None
) -> tuple[Revision, list[Publication]]:
    """Correct a published draft: a new revision, approved by ``by`` (an editor), republished
    wherever the draft is published with the visible correction ``note`` (e.g. ``更正：…``).

    The corrected text may not bring new flags that block publishing.
    """
    actor = ctx.actor(by, "correct")
    text = clean_text(text, "the corrected text")
    note = clean_text(note, "the correction notice", MAX_NOTE_CHARS)
    draft = ctx.store.draft(draft_id)
    next_state(draft.state, "correct", draft.id)
    head = ctx.store.revision(draft.id, draft.head)
    if text == head.text:
        raise InputError(f"the text is the same as revision {head.number}; nothing was corrected")
    now = ctx.now()
    number = head.number + 1
    revision = ctx.revision(draft, head, number, text, "correction", actor.name, now, note=note)
    check = ctx.check(draft, ctx.store.sources(draft.id), revision)
    acked = [a.flag_id for a in ctx.store.acks(draft.id)]
    blocked = check.verification.outstanding(acked)
    if blocked:
        raise PublishBlockedError(
            f"the correction brings {len(blocked)} flag(s) that block publishing: "
            + ", ".join(f"{f.kind} {f.text!r}" for f in blocked),
            "remove them from the corrected text; nothing was saved",
        )
    approval = ReviewDecision(
        id=0,
        draft_id=draft.id,
        revision=number,
        decision="approved",
        actor=actor.name,
        created_at=now,
        reason=note,
    )
    live = ctx.store.publications(draft_id=draft.id, statuses=("published",))
    items = []
    for pub in live:
        key = publication_key(draft.id, number, pub.format, pub.target)
        items.append(
            (pub, PublishItem(labelled_revision(ctx, draft, revision, approval, key), now, key, note))
        )

    def plan(current: Draft) -> DraftChange:
        if current.head != head.number or current.state != "published":
            raise ConflictError(f"draft {current.id} changed while it was corrected", "look at it and retry")
        news = tuple(
            NewPublication(
                revision=number,
                format=pub.format,
                target=pub.target,
                key=item.key,
                status="published",
                actor=actor.name,
                published_at=now,
                location=where,
                label=item.label,
                correction=note,
            )
            for (pub, item), where in zip(items, locations, strict=True)
        )
        return DraftChange(
            at=now,
            draft=ctx.updated(current, now, head=number, approved_revision=number),
            revisions=(revision,),
            checks=(check,),
            reviews=(NewReview(number, "approved", actor.name, note),),
            publication_updates=tuple(PublicationUpdate(id=p.id, status="superseded") for p, _ in items)
            + cancel_scheduled(ctx, current),
            publications=news,
            audit=(
                ctx.event("correct", actor, number, parent=head.number, note=note),
                ctx.event("approve", actor, number, correction=True),
                *(
                    ctx.event(
                        "publish", actor, number, format=p.format, target=p.target, key=i.key, correction=True
                    )
                    for p, i in items
                ),
            ),
        )

    locations: list[str] = []
    for pub, item in items:
        feed = [i for i in _feed(ctx, pub.format, pub.target) if i.key != pub.key]
        locations.append(deliver(pub.format, item, pub.target, feed, ctx.settings.producer))
    _, applied = ctx.mutate(draft.id, plan)
    return revision, [ctx.store.publication(i) for i in applied.publications]
