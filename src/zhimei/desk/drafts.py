"""Drafts and their revisions: create from generations, regenerate, edit, restore, compare.

Revisions are append-only. Every save names the revision it was made from (its parent); a save on
a parent that is no longer the newest revision raises StaleRevisionError — nothing is merged
silently. Restoring an old revision saves its text again as a new revision. Every revision is
verified against the draft's sources when it is saved.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from typing import Any

from zhimei.checks.text import split_sentences
from zhimei.desk.context import DeskContext
from zhimei.desk.diffing import opcodes
from zhimei.desk.states import next_state
from zhimei.desk.text_input import clean_text
from zhimei.errors import InputError, StaleRevisionError
from zhimei.records import (
    Draft,
    DraftSource,
    Generation,
    Publication,
    Revision,
    RevisionCheck,
    User,
)
from zhimei.store.desk_store import DraftChange, NewAudit, PublicationUpdate

__all__ = [
    "MAX_TITLE_CHARS",
    "add_generations",
    "cancel_scheduled",
    "create_draft",
    "edit",
    "paragraph",
    "paragraph_bounds",
    "replace_paragraph",
    "restore",
]

MAX_TITLE_CHARS = 200
# A title taken from the text is its first sentence, cut to this many characters.
_TITLE_CUT = 80


def _title(title: str | None, generations: Sequence[Generation], sources: Sequence[DraftSource]) -> str:
    if title is not None:
        return clean_text(title, "the title", MAX_TITLE_CHARS).replace("\n", " ")
    first = generations[0]
    if first.task_id.startswith("headline") and first.output is not None:
        candidate = first.output.text
    elif sources and sources[0].title.strip():
        candidate = sources[0].title
    else:
        text = first.output.text if first.output is not None else ""
        candidate = next(iter(split_sentences(text, first.lang)), "")
    candidate = " ".join(candidate.split())
    if len(candidate) > _TITLE_CUT:
        candidate = candidate[: _TITLE_CUT - 1] + "…"
    return candidate or "untitled"


def _generation_text(gen: Generation) -> str:
    if gen.output is None or not gen.output.text.strip():
        raise InputError(
            f"generation {gen.id} produced no text (every attempt failed)",
            "regenerate, or start the draft from your own text",
        )
    return clean_text(gen.output.text, f"the text of generation {gen.id}")


def _generate_event(ctx: DeskContext, actor: User, number: int, gen: Generation, **extra: object) -> NewAudit:
    return ctx.event(
        "generate",
        actor,
        number,
        generation_id=gen.id,
        task=gen.task_id,
        prompt_version=gen.prompt_version,
        backend=gen.backend,
        model=gen.model_resolved,
        passed=gen.passed,
        **extra,
    )


def _generated(
    ctx: DeskContext,
    draft: Draft,
    sources: Sequence[DraftSource],
    parent: Revision | None,
    generations: Sequence[Generation],
    actor: User,
) -> tuple[list[Revision], list[RevisionCheck], list[NewAudit]]:
    """One revision per generation, each the next one's parent; their checks and audit events."""
    at = ctx.now()
    revisions: list[Revision] = []
    checks: list[RevisionCheck] = []
    audit: list[NewAudit] = []
    number = parent.number if parent else 0
    for gen in generations:
        text = _generation_text(gen)
        number += 1
        revision = ctx.revision(
            draft, parent, number, text, "generated", actor.name, at, generation_id=gen.id
        )
        revisions.append(revision)
        checks.append(ctx.check(draft, sources, revision))
        audit.append(_generate_event(ctx, actor, number, gen))
        parent = revision
    return revisions, checks, audit


def create_draft(
    ctx: DeskContext,
    generations: Sequence[Generation],
    sources: Sequence[DraftSource],
    *,
    by: str | None,
    title: str | None = None,
    story_id: str | None = None,
    params: dict[str, Any] | None = None,
) -> Draft:
    """A new draft whose revisions are ``generations`` (variants, in order; the last is the head).

    The generations are added to the generation log if they are not there yet. ``by`` None is
    unattended work (the intake's automatic drafts). Raises InputError for no generations, a
    generation without text, or generations of different tasks or languages.
    """
    actor = ctx.actor(by, "drafts.create", system=True)
    if not generations:
        raise InputError("a draft needs at least one generation", "generate first")
    first = generations[0]
    if any(g.task_id != first.task_id or g.lang != first.lang for g in generations):
        raise InputError("the generations of one draft must share their task and language")
    for gen in generations:
        _generation_text(gen)
        ctx.store.log_generation(gen)
    at = ctx.now()
    draft = Draft(
        id=0,
        created_at=at,
        created_by=actor.name,
        updated_at=at,
        title=_title(title, generations, sources),
        lang=first.lang,
        task_id=first.task_id,
        task_input=first.input,
        params=params or {},
        story_id=story_id,
        state="draft",
        head=len(generations),
    )
    revisions, checks, audit = _generated(ctx, draft, sources, None, generations, actor)
    created = ctx.event(
        "create", actor, None, task=first.task_id, story_id=story_id, sources=len(sources), title=draft.title
    )
    applied = ctx.store.create(
        DraftChange(
            at=at,
            draft=draft,
            sources=tuple(sources),
            revisions=tuple(revisions),
            checks=tuple(checks),
            audit=(created, *audit),
        )
    )
    return ctx.store.draft(applied.draft_id)


def cancel_scheduled(ctx: DeskContext, draft: Draft) -> tuple[PublicationUpdate, ...]:
    """Cancel the draft's scheduled publications (their approval is withdrawn or the draft closed)."""
    pubs: list[Publication] = ctx.store.publications(draft_id=draft.id, statuses=("scheduled",))
    return tuple(PublicationUpdate(id=p.id, status="cancelled") for p in pubs)


def _check_parent(draft: Draft, parent: int | None) -> int:
    if parent is not None and parent != draft.head:
        raise StaleRevisionError(
            f"revision {parent} of draft {draft.id} is no longer the newest: revision {draft.head} is",
            f"nothing was saved; see what changed with: zhimei drafts diff {draft.id} "
            f"--from {parent} --to {draft.head}, then edit revision {draft.head}",
        )
    return draft.head


def add_generations(
    ctx: DeskContext, draft_id: int, generations: Sequence[Generation], *, by: str | None, parent: int | None
) -> list[Revision]:
    """New model-written revisions of a draft (regenerated variants); nothing is overwritten.

    ``parent`` is the head the generations were made on; StaleRevisionError if it moved since.
    """
    actor = ctx.actor(by, "drafts.regenerate")
    for gen in generations:
        _generation_text(gen)
        ctx.store.log_generation(gen)
    made: list[Revision] = []

    def plan(draft: Draft) -> DraftChange:
        state = next_state(draft.state, "revise", draft.id)
        head = _check_parent(draft, parent)
        sources = ctx.store.sources(draft.id)
        revisions, checks, audit = _generated(
            ctx, draft, sources, ctx.store.revision(draft.id, head), generations, actor
        )
        made[:] = revisions
        at = revisions[-1].created_at
        return DraftChange(
            at=at,
            draft=ctx.updated(draft, at, head=revisions[-1].number, state=state, approved_revision=None),
            revisions=tuple(revisions),
            checks=tuple(checks),
            publication_updates=cancel_scheduled(ctx, draft) if draft.approved_revision else (),
            audit=tuple(audit),
        )

    ctx.mutate(draft_id, plan)
    return made


def _save_human(
    ctx: DeskContext,
    draft_id: int,
    actor: User,
    parent: int | None,
    make: Callable[[Draft, Revision], Revision],
    action: str,
) -> Revision:
    """Save a revision a person made (``make(draft, head) -> Revision``) on ``parent``."""
    made: list[Revision] = []

    def plan(draft: Draft) -> DraftChange:
        state = next_state(draft.state, "revise", draft.id)
        number = _check_parent(draft, parent)
        head = ctx.store.revision(draft.id, number)
        revision = make(draft, head)
        if revision.text == head.text:
            raise InputError(
                f"the text is the same as revision {head.number}; nothing was saved", "change something first"
            )
        made[:] = [revision]
        sources = ctx.store.sources(draft.id)
        ops = opcodes(head.text, revision.text, draft.lang)
        added = sum(o.b2 - o.b1 for o in ops if o.tag != "equal")
        removed = sum(o.a2 - o.a1 for o in ops if o.tag != "equal")
        detail: dict[str, Any] = {"parent": head.number, "chars_added": added, "chars_removed": removed}
        if revision.restored_from is not None:
            detail["restored_from"] = revision.restored_from
        return DraftChange(
            at=revision.created_at,
            draft=ctx.updated(
                draft, revision.created_at, head=revision.number, state=state, approved_revision=None
            ),
            revisions=(revision,),
            checks=(ctx.check(draft, sources, revision),),
            publication_updates=cancel_scheduled(ctx, draft) if draft.approved_revision else (),
            audit=(ctx.event(action, actor, revision.number, **detail),),
        )

    ctx.mutate(draft_id, plan)
    return made[0]


def edit(ctx: DeskContext, draft_id: int, text: str, *, by: str | None, parent: int | None) -> Revision:
    """Save ``text`` as a new revision by ``by``, made from revision ``parent``.

    ``parent`` None means "the newest revision as it is now" (for callers that just read it).
    Raises StaleRevisionError when ``parent`` is no longer the newest revision, InputError for
    empty, unchanged, too long or binary text, WorkflowError for a published or spiked draft.
    """
    actor = ctx.actor(by, "drafts.edit")
    text = clean_text(text, "the edit")

    def make(draft: Draft, head: Revision) -> Revision:
        return ctx.revision(draft, head, head.number + 1, text, "edit", actor.name, ctx.now())

    return _save_human(ctx, draft_id, actor, parent, make, "edit")


def restore(
    ctx: DeskContext, draft_id: int, number: int, *, by: str | None, parent: int | None = None
) -> Revision:
    """Save the text of revision ``number`` again, as a new revision (history is kept whole).

    Its provenance is the restored revision's: text keeps its first author.
    """
    actor = ctx.actor(by, "drafts.restore")
    old = ctx.store.revision(draft_id, number)

    def make(draft: Draft, head: Revision) -> Revision:
        return ctx.revision(
            draft, head, head.number + 1, old.text, "restore", actor.name, ctx.now(), restored=old
        )

    return _save_human(ctx, draft_id, actor, parent, make, "restore")


_PARAGRAPH_BREAK = re.compile(r"\n[ \t\u3000]*\n\s*")


def paragraph_bounds(text: str) -> list[tuple[int, int]]:
    """``[start, end)`` of each paragraph of ``text`` (paragraphs are separated by blank lines)."""
    bounds: list[tuple[int, int]] = []
    start = 0
    for brk in [*_PARAGRAPH_BREAK.finditer(text), None]:
        end = brk.start() if brk else len(text)
        if text[start:end].strip():
            bounds.append((start, end))
        if brk:
            start = brk.end()
    return bounds


def paragraph(text: str, index: int) -> tuple[int, int]:
    """Bounds of paragraph ``index`` (1-based); InputError when there is no such paragraph."""
    bounds = paragraph_bounds(text)
    if not 1 <= index <= len(bounds):
        raise InputError(
            f"there is no paragraph {index}: the text has {len(bounds)}",
            f"give a paragraph number from 1 to {len(bounds)}",
        )
    return bounds[index - 1]


def replace_paragraph(
    ctx: DeskContext, draft_id: int, index: int, gen: Generation, *, by: str | None, parent: int
) -> Revision:
    """A new revision of revision ``parent`` with paragraph ``index`` rewritten by ``gen``.

    Only the new paragraph is the model's in the provenance; the rest keeps its authors.
    StaleRevisionError when ``parent`` is no longer the newest revision.
    """
    actor = ctx.actor(by, "drafts.regenerate")
    new_text = _generation_text(gen).strip()
    ctx.store.log_generation(gen)
    made: list[Revision] = []

    def plan(draft: Draft) -> DraftChange:
        state = next_state(draft.state, "revise", draft.id)
        head = ctx.store.revision(draft.id, _check_parent(draft, parent))
        start, end = paragraph(head.text, index)
        text = head.text[:start] + new_text + head.text[end:]
        if text == head.text:
            raise InputError(f"the model wrote paragraph {index} again unchanged", "regenerate again")
        at = ctx.now()
        revision = ctx.revision(
            draft,
            head,
            head.number + 1,
            text,
            "generated",
            actor.name,
            at,
            generation_id=gen.id,
            replaced=(start, end),
        )
        made[:] = [revision]
        event = _generate_event(ctx, actor, revision.number, gen, paragraph=index)
        return DraftChange(
            at=at,
            draft=ctx.updated(draft, at, head=revision.number, state=state, approved_revision=None),
            revisions=(revision,),
            checks=(ctx.check(draft, ctx.store.sources(draft.id), revision),),
            publication_updates=cancel_scheduled(ctx, draft) if draft.approved_revision else (),
            audit=(event,),
        )

    ctx.mutate(draft_id, plan)
    return made[0]
