"""Turning generation requests into task inputs and into the work a generation stream runs."""

from __future__ import annotations

import random
import threading
from typing import Any

from zhimei.api import VARIANT_TEMPERATURE, Zhimei, record_from_data
from zhimei.errors import InputError
from zhimei.generation import TaskInput
from zhimei.interfaces.http.schemas import GenerateIn, NewDraftIn, OptionsIn, RegenerateIn
from zhimei.interfaces.http.streaming import Emit, Work, variant_listener

__all__ = ["new_draft_work", "regenerate_work", "task_input", "variant_options"]


def task_input(zm: Zhimei, body: GenerateIn) -> TaskInput:
    """The task input a request names: a data record, or text (language detected unless given)."""
    lang = None if body.lang == "auto" else body.lang
    if body.data is not None:
        if not body.data:
            raise InputError("the data record is empty", "give the record's fields")
        return record_from_data(body.data, body.lang)
    if body.text is None:
        raise InputError(f"task {body.task} needs a source", "give text (or data for a brief)")
    return zm.task_input(body.task, text=body.text, lang=lang)


def variant_options(options: OptionsIn | None, n: int, variant: int, seed: int) -> dict[str, Any]:
    """Options of one of ``n`` variants generated one by one: sampled, with its own seed, when n > 1
    (as the library does for several variants at once)."""
    opts = options.as_dict() if options else {}
    if n > 1 and opts.get("temperature") is None:
        opts["temperature"] = VARIANT_TEMPERATURE
    opts["seed"] = seed + variant
    return opts


def _seed(options: OptionsIn | None) -> int:
    given = options.seed if options else None
    return given if given is not None else random.randrange(2**30)


def new_draft_work(zm: Zhimei, by: str, body: NewDraftIn, inp: TaskInput) -> Work:
    """Stream work: a new draft whose ``n`` variants are generated one after another."""

    def work(emit: Emit, cancel: threading.Event) -> dict[str, Any]:
        seed = _seed(body.options)
        emit("variant", {"variant": 0})
        draft = zm.drafts_new(
            body.task,
            inp,
            by=by,
            n=1,
            params=body.params,
            options=variant_options(body.options, body.n, 0, seed),
            title=body.title,
            listener=variant_listener(emit, cancel, 0),
        )
        emit("draft", {"id": draft.id, "url": f"/drafts/{draft.id}"})
        emit("revision", {"variant": 0, "number": draft.head, "text": zm.drafts_revision(draft.id).text})
        for i in range(1, body.n):
            emit("variant", {"variant": i})
            made = zm.drafts_regenerate(
                draft.id,
                by=by,
                n=1,
                options=variant_options(body.options, body.n, i, seed),
                listener=variant_listener(emit, cancel, i),
            )
            emit("revision", {"variant": i, "number": made[-1].number, "text": made[-1].text})
        return {"draft": draft.id, "url": f"/drafts/{draft.id}"}

    return work


def regenerate_work(zm: Zhimei, by: str, draft_id: int, body: RegenerateIn) -> Work:
    """Stream work: ``n`` new model-written revisions of an existing draft."""

    def work(emit: Emit, cancel: threading.Event) -> dict[str, Any]:
        seed = _seed(body.options)
        numbers = []
        for i in range(body.n):
            emit("variant", {"variant": i})
            made = zm.drafts_regenerate(
                draft_id,
                by=by,
                n=1,
                options=variant_options(body.options, max(body.n, 2), i, seed),
                listener=variant_listener(emit, cancel, i),
            )
            numbers.append(made[-1].number)
            emit("revision", {"variant": i, "number": made[-1].number, "text": made[-1].text})
        return {"draft": draft_id, "revisions": numbers, "url": f"/drafts/{draft_id}"}

    return work
