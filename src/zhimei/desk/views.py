"""What people look at: a draft with its text, revisions, provenance per sentence and checks; and
the difference between two revisions with who or what made each change."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict

from zhimei.desk.context import DeskContext
from zhimei.desk.diffing import opcodes, unified_diff
from zhimei.desk.provenance import Segment, segments, sentence_spans, shares
from zhimei.records import (
    Assignment,
    Comment,
    Draft,
    DraftSource,
    Flag,
    FlagAck,
    Publication,
    ReviewDecision,
    Revision,
    Verification,
)

__all__ = ["Change", "DraftView", "RevisionDiff", "SentenceProvenance", "diff", "show"]


class _View(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class SentenceProvenance(_View):
    """One sentence of the current text: how much of it the model and people wrote, who, and
    whether it is quoted verbatim from a source."""

    start: int
    end: int
    text: str
    model_units: int
    human_units: int
    authors: tuple[str, ...]
    quoted: str | None = None


class FlagView(_View):
    """A verification flag of the current text and whether an editor acknowledged it."""

    flag: Flag
    acknowledged_by: str | None = None


class DraftView(_View):
    """A draft as ``zhimei drafts show`` presents it."""

    draft: Draft
    head: Revision
    revisions: tuple[Revision, ...]
    sources: tuple[DraftSource, ...]
    sentences: tuple[SentenceProvenance, ...]
    model_units: int
    human_units: int
    human_edit_ratio: float
    verification: Verification | None
    flags: tuple[FlagView, ...]
    outstanding: tuple[str, ...]
    acks: tuple[FlagAck, ...]
    reviews: tuple[ReviewDecision, ...]
    comments: tuple[Comment, ...]
    assignments: tuple[Assignment, ...]
    publications: tuple[Publication, ...]


class Change(_View):
    """One changed stretch between two revisions and the authors of its new text."""

    tag: Literal["replace", "delete", "insert"]
    old: str
    new: str
    by: tuple[str, ...]


class RevisionDiff(_View):
    """What changed from one revision to another, and who or what changed it."""

    draft_id: int
    from_revision: int
    to_revision: int
    unified: str
    changes: tuple[Change, ...]
    between: tuple[Revision, ...]


def _who(seg: Segment) -> str:
    return f"model:{seg.by}" if seg.origin == "model" else seg.by


def show(ctx: DeskContext, draft_id: int, *, by: str | None = None) -> DraftView:
    """Everything about a draft (reading needs no acting user; a named one is checked)."""
    ctx.reader(by, "drafts.read")
    draft = ctx.store.draft(draft_id)
    revisions = ctx.store.revisions(draft_id)
    head = next(r for r in revisions if r.number == draft.head)
    check = ctx.store.check(draft_id, head.number)
    verification = check.verification if check else None
    copying = [f for f in verification.flags if f.kind == "copying"] if verification else []
    segs = segments(head.spans, copying)
    sentences = []
    for start, end in sentence_spans(head.text, draft.lang):
        part = shares(head.text, head.spans, draft.lang, start, end)
        inside = [s for s in segs if s.start < end and s.end > start]
        sentences.append(
            SentenceProvenance(
                start=start,
                end=end,
                text=head.text[start:end],
                model_units=part.model,
                human_units=part.human,
                authors=tuple(dict.fromkeys(_who(s) for s in inside)),
                quoted=next((s.quoted for s in inside if s.quoted), None),
            )
        )
    total = shares(head.text, head.spans, draft.lang)
    acks = ctx.store.acks(draft_id)
    acked = {a.flag_id: a.actor for a in acks}
    flags = tuple(
        FlagView(flag=f, acknowledged_by=acked.get(f.id))
        for f in (verification.flags if verification else ())
    )
    return DraftView(
        draft=draft,
        head=head,
        revisions=tuple(revisions),
        sources=tuple(ctx.store.sources(draft_id)),
        sentences=tuple(sentences),
        model_units=total.model,
        human_units=total.human,
        human_edit_ratio=total.human_ratio,
        verification=verification,
        flags=flags,
        outstanding=tuple(f.id for f in verification.outstanding(acked)) if verification else (),
        acks=tuple(acks),
        reviews=tuple(ctx.store.reviews(draft_id)),
        comments=tuple(ctx.store.comments(draft_id)),
        assignments=tuple(ctx.store.assignments(draft_id)),
        publications=tuple(ctx.store.publications(draft_id=draft_id)),
    )


def diff(ctx: DeskContext, draft_id: int, old: int, new: int, *, by: str | None = None) -> RevisionDiff:
    """The changes from revision ``old`` to revision ``new``, each with the authors of its new text
    (the model's generation id or a person), and the revisions saved in between."""
    ctx.reader(by, "drafts.read")
    draft = ctx.store.draft(draft_id)
    a, b = ctx.store.revision(draft_id, old), ctx.store.revision(draft_id, new)
    changes = []
    for op in opcodes(a.text, b.text, draft.lang):
        if op.tag == "equal":
            continue
        owners = [s for s in b.spans if s.start < op.b2 and s.end > op.b1]
        who = tuple(dict.fromkeys(f"model:{s.by}" if s.origin == "model" else s.by for s in owners))
        changes.append(Change(tag=op.tag, old=a.text[op.a1 : op.a2], new=b.text[op.b1 : op.b2], by=who))
    lo, hi = sorted((old, new))
    between = tuple(r for r in ctx.store.revisions(draft_id) if lo < r.number <= hi)
    return RevisionDiff(
        draft_id=draft_id,
        from_revision=old,
        to_revision=new,
        unified=unified_diff(a.text, b.text, f"r{old}", f"r{new}"),
        changes=tuple(changes),
        between=between,
    )
