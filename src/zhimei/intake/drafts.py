"""Auto-drafts: a headline and a summary for each new story, written from its representative document.

A draft job is keyed by story and task, so it is queued once; running it again (a worker killed
mid-generation, then restarted) links the generation an earlier attempt already logged for the
same input instead of writing a second one, and a story that has its draft is left alone.

Prompt-injection hygiene: the source reaches the model as delimited data (the tasks see to that);
on top, any URL or e-mail address in a draft that its source does not hold is flagged on the
draft (``links`` check), whatever task wrote it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import Engine

from zhimei.checks.text import detect_lang
from zhimei.errors import InputError
from zhimei.generation import input_hash
from zhimei.records import ArticleInput, Document, Generation, Lang, utcnow
from zhimei.store.db import begin_write
from zhimei.store.documents import get_document
from zhimei.store.generations import GenerationLog
from zhimei.store.stories_repo import draft_generation, find_generation, get_story, link_generation
from zhimei.tasks.base import links_check

__all__ = ["MAX_SOURCE_CHARS", "Generate", "ToDesk", "draft_input", "write_draft"]

# The start of the representative document a draft is written from: enough for a headline and a
# summary, and within the default model's context window whatever the document's length.
MAX_SOURCE_CHARS = 3000
Generate = Callable[[str, ArticleInput], Generation]
ToDesk = Callable[[Generation, Document, int], "int | None"]


def draft_input(title: str, text: str, doc_lang: Lang, desk_lang: str) -> ArticleInput:
    """The task input of an auto-draft: the document's title and opening, in the desk's language
    (``auto``: the document's own)."""
    body = text[:MAX_SOURCE_CHARS].strip() or title
    lang: Lang = desk_lang if desk_lang in ("zh", "en") else doc_lang  # type: ignore[assignment]
    if not body.strip():
        raise InputError("the story's representative document has no text", "nothing to draft from")
    return ArticleInput(text=body, lang=lang, title=title or None)


def write_draft(
    engine: Engine,
    story_id: int,
    task: str,
    generate: Generate,
    desk_lang: str,
    to_desk: ToDesk | None = None,
) -> dict[str, Any]:
    """Write (or find) the ``task`` draft of a story and link it to the story; returns what was done.

    ``to_desk(generation, document, story_id)`` makes the desk draft of the generation (or finds the
    one an interrupted attempt made) and returns its id; None when there is no desk.
    """
    with engine.connect() as conn:
        existing = draft_generation(conn, story_id, task)
    if existing is not None:
        return {"story": story_id, "task": task, "generation": existing, "reused": True}
    story = get_story(engine, story_id)
    if story.representative is None:
        raise InputError(f"story {story_id} has no representative document", "nothing to draft from")
    doc = get_document(engine, story.representative).document
    inp = draft_input(doc.title, doc.text, doc.lang or detect_lang(doc.text), desk_lang)
    generation_id = find_generation(engine, task, input_hash(inp))
    reused = generation_id is not None
    generation = GenerationLog(engine).get(generation_id) if generation_id else generate(task, inp)
    text = generation.output.text if generation.output else ""
    links = links_check(text, f"{inp.title or ''}\n{inp.text}")
    flags = [] if links.passed else [links.model_dump(mode="json")]
    draft_id = to_desk(generation, doc, story_id) if to_desk is not None and generation.output else None
    with begin_write(engine) as conn:
        link_generation(conn, story_id, task, generation.id, flags, utcnow(), draft_id)
    return {
        "story": story_id,
        "task": task,
        "generation": generation.id,
        "draft": draft_id,
        "reused": reused,
        "flagged": bool(flags),
    }
