"""Where a task, a backend and the log meet: build → generate → parse → check → retry → log."""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any, Protocol

from zhimei.backends.base import Backend, check_budget, collect
from zhimei.errors import ParseError
from zhimei.records import (
    ArticleInput,
    Attempt,
    CheckResult,
    Chunk,
    Generation,
    GenerationOptions,
    GenerationRequest,
    Message,
    RecordInput,
    SourcesInput,
    TaskParams,
    Timings,
    Usage,
    utcnow,
)
from zhimei.tasks.base import Task
from zhimei.tasks.overlap import rouge_l

__all__ = [
    "RETRY_TEMPERATURE",
    "GenerationSink",
    "Listener",
    "TaskInput",
    "input_hash",
    "retry_options",
    "run_task",
]

TaskInput = ArticleInput | RecordInput | SourcesInput


class GenerationSink(Protocol):
    """Where finished generations go (the store's append-only log)."""

    def append(self, gen: Generation) -> None: ...


@dataclass(frozen=True)
class Listener:
    """Callbacks for interfaces that show progress: text as it streams, and each retry."""

    on_text: Callable[[str], None] | None = None
    on_retry: Callable[[int, tuple[CheckResult, ...]], None] | None = None


def input_hash(inp: TaskInput) -> str:
    """sha256 of the input's canonical JSON, so identical inputs are recognised across runs."""
    canonical = json.dumps(inp.model_dump(mode="json"), sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def _attempt(
    task: Task[Any],
    inp: TaskInput,
    params: TaskParams,
    backend: Backend,
    request: GenerationRequest,
    listener: Listener,
) -> Attempt:
    completion = collect(_tee(backend.generate(request), listener.on_text))
    lang = task.output_lang(inp, params)
    try:
        output = task.parse(completion.text, lang)
        instruction = request.messages[-1].content if len(request.messages) > 2 else ""
        if instruction and rouge_l(output.text, instruction, lang) > ECHO_LIMIT:
            raise ParseError("the reply repeats the corrective instruction instead of answering it")
        output = task.fit(output, inp, params)
    except ParseError as exc:
        failure = CheckResult(name="parse", passed=False, detail=exc.message)
        return Attempt(
            raw=completion.text,
            output=None,
            checks=(failure,),
            usage=completion.usage,
            timings=completion.timings,
            error=exc.message,
        )
    checks = task.check(output, inp, params)
    return Attempt(
        raw=completion.text, output=output, checks=checks, usage=completion.usage, timings=completion.timings
    )


# A retry reply this close (ROUGE-L F1) to the corrective instruction is the instruction echoed back.
ECHO_LIMIT = 0.5

# Greedy retries tend to repeat the rejected answer; a retry samples, seeded from the request's seed,
# so a generation stays reproducible from its logged options.
RETRY_TEMPERATURE = 0.7


def retry_options(options: GenerationOptions, retry: int) -> GenerationOptions:
    """Options for corrective retry number ``retry`` (1, 2, …) of a request made with ``options``."""
    seed = (options.seed or 0) + 7919 * retry
    temperature = max(options.temperature, RETRY_TEMPERATURE)
    return options.model_copy(update={"temperature": temperature, "seed": seed})


def _tee(chunks: Iterator[Chunk], on_text: Callable[[str], None] | None) -> Iterator[Chunk]:
    for chunk in chunks:
        if chunk.text and on_text is not None:
            on_text(chunk.text)
        yield chunk


def _best(attempts: list[Attempt]) -> Attempt:
    # Fewest critical failures, then fewest failures; on a tie the later attempt, which saw the
    # corrective instruction.
    parsed = [a for a in attempts if a.output is not None] or attempts
    return min(reversed(parsed), key=lambda a: (sum(c.critical for c in a.failed), len(a.failed)))


def run_task(
    task: Task[Any],
    inp: TaskInput,
    params: TaskParams,
    backend: Backend,
    options: GenerationOptions,
    *,
    max_retries: int,
    model_requested: str,
    sink: GenerationSink | None = None,
    listener: Listener = Listener(),
    variant: int = 0,
) -> Generation:
    """Generate one output for ``inp``, retrying with a corrective instruction while checks fail.

    Returns the best attempt with its checks attached (never silently dropping a failure) and
    appends the generation to ``sink`` before returning.
    """
    task.validate(inp, params)
    request = task.build(inp, params, options)
    check_budget(backend.count_tokens(request), options.max_tokens, backend.context_size)
    attempts = [_attempt(task, inp, params, backend, request, listener)]
    while attempts[-1].failed and len(attempts) <= max_retries:
        last = attempts[-1]
        if listener.on_retry is not None:
            listener.on_retry(len(attempts), last.failed)
        follow_up = task.corrective(inp, params, last)
        request = GenerationRequest(
            messages=(
                *request.messages[:2],
                Message(role="assistant", content=last.raw),
                Message(role="user", content=follow_up),
            ),
            options=retry_options(options, len(attempts)),
        )
        attempts.append(_attempt(task, inp, params, backend, request, listener))
    best = _best(attempts)
    gen = Generation(
        id=uuid.uuid4().hex,
        created_at=utcnow(),
        task_id=task.id,
        prompt_version=task.prompt_version,
        lang=task.output_lang(inp, params),
        backend=backend.name,
        model_requested=model_requested,
        model_resolved=backend.model_id,
        options=options,
        input_hash=input_hash(inp),
        input=inp.model_dump(mode="json"),
        output=best.output,
        checks_first=attempts[0].checks,
        checks_final=best.checks,
        attempts=len(attempts),
        usage=Usage(
            prompt_tokens=sum(a.usage.prompt_tokens for a in attempts),
            completion_tokens=sum(a.usage.completion_tokens for a in attempts),
        ),
        timings=Timings(
            first_token_s=attempts[0].timings.first_token_s,
            total_s=sum(a.timings.total_s for a in attempts),
        ),
        variant=variant,
    )
    if sink is not None:
        sink.append(gen)
    return gen
