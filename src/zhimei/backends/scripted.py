"""A deterministic backend for tests and UI work: replies come from a script, not a model.

Tokens are characters for CJK text and whitespace-separated words otherwise, so budgets and
``max_tokens`` behave like a real backend's.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterator, Sequence
from typing import TYPE_CHECKING

from zhimei.backends.base import check_budget
from zhimei.records import Chunk, GenerationRequest, Timings, Usage

if TYPE_CHECKING:
    from zhimei.config import Settings

__all__ = ["ScriptedBackend", "scripted_tokens"]

_TOKEN = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]|\s*[^\s\u3400-\u9fff\uf900-\ufaff]+|\s+")

Reply = str | Callable[[GenerationRequest], str]


def scripted_tokens(text: str) -> list[str]:
    """Split text into pseudo-tokens whose concatenation is the text."""
    return _TOKEN.findall(text)


_BLOCK = re.compile(r"<([^<>/\s]+)(?:\s[^<>]*)?>(.*?)</\1>", re.S)


def _echo_source(request: GenerationRequest) -> str:
    """The last line of the first tag-delimited source block in the request, else of the last message."""
    for message in request.messages:
        block = _BLOCK.search(message.content)
        if block:
            lines = [ln.strip() for ln in block.group(2).splitlines() if ln.strip()]
            if lines:
                return lines[-1]
    last = request.messages[-1].content if request.messages else ""
    lines = [ln.strip() for ln in last.splitlines() if ln.strip()]
    return lines[-1] if lines else "OK"


class ScriptedBackend:
    """Replies in turn with ``replies`` (strings, or functions of the request); cycles at the end."""

    name = "scripted"

    def __init__(self, replies: Sequence[Reply] = (), *, context_size: int = 4096) -> None:
        self._replies: list[Reply] = list(replies) or [_echo_source]
        self._context = context_size
        self.calls: list[GenerationRequest] = []

    @classmethod
    def from_settings(cls, settings: Settings) -> ScriptedBackend:
        return cls(context_size=settings.n_ctx)

    @property
    def model_id(self) -> str:
        return "scripted"

    @property
    def context_size(self) -> int:
        return self._context

    @property
    def location(self) -> str:
        return "scripted replies (no model)"

    def count_tokens(self, request: GenerationRequest) -> int:
        return sum(len(scripted_tokens(m.content)) + 4 for m in request.messages)

    def generate(self, request: GenerationRequest) -> Iterator[Chunk]:
        prompt_tokens = self.count_tokens(request)
        check_budget(prompt_tokens, request.options.max_tokens, self.context_size)
        reply = self._replies[len(self.calls) % len(self._replies)]
        self.calls.append(request)
        text = reply(request) if callable(reply) else reply
        start = time.perf_counter()
        first = 0.0
        emitted: list[str] = []
        finish = "stop"
        for i, token in enumerate(scripted_tokens(text)):
            if i >= request.options.max_tokens:
                finish = "length"
                break
            candidate = "".join(emitted) + token
            cut = min((candidate.find(s) for s in request.options.stop if s in candidate), default=-1)
            if cut >= 0:
                token = candidate[:cut][len("".join(emitted)) :]
                if token:
                    emitted.append(token)
                    yield Chunk(text=token)
                break
            if not first:
                first = time.perf_counter() - start
            emitted.append(token)
            yield Chunk(text=token)
        yield Chunk(
            done=True,
            usage=Usage(prompt_tokens=prompt_tokens, completion_tokens=len(emitted)),
            timings=Timings(first_token_s=first, total_s=time.perf_counter() - start),
            model_id=self.model_id,
            finish_reason=finish,
        )
