"""The backend protocol every text generation backend implements, and construction by name."""

from __future__ import annotations

import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol, runtime_checkable

from zhimei import registry
from zhimei.errors import BackendError, ContextOverflowError
from zhimei.records import Chunk, GenerationOptions, GenerationRequest, Message, Timings, Usage

if TYPE_CHECKING:
    from zhimei.config import Settings

__all__ = [
    "PROBE_REQUEST",
    "Backend",
    "BackendFactory",
    "BackendProbe",
    "Completion",
    "Located",
    "check_budget",
    "collect",
    "create_backend",
    "probe",
]


@runtime_checkable
class Backend(Protocol):
    """Streams a reply to a chat request.

    ``generate`` yields text chunks; the last has ``done=True`` and carries usage, timings and the
    resolved model id (a file's sha256 or a server's model id).
    """

    name: str

    @property
    def model_id(self) -> str:
        """The resolved id of the model this backend serves."""
        ...

    @property
    def context_size(self) -> int:
        """Tokens the model can attend to: prompt plus completion."""
        ...

    def count_tokens(self, request: GenerationRequest) -> int:
        """Prompt tokens ``request`` will take, chat template included."""
        ...

    def generate(self, request: GenerationRequest) -> Iterator[Chunk]:
        """Stream the reply; raise ContextOverflowError before sending if the prompt does not fit."""
        ...


class BackendFactory(Protocol):
    def from_settings(self, settings: Settings) -> Backend: ...


def create_backend(settings: Settings, name: str | None = None) -> Backend:
    """The backend registered as ``name`` (default: the setting), built from settings."""
    factory: BackendFactory = registry.load(registry.BACKENDS, name or settings.backend)
    return factory.from_settings(settings)


def check_budget(prompt_tokens: int, max_tokens: int, context_size: int) -> None:
    """Refuse, before anything is sent, a request whose prompt and reply cannot fit the context."""
    if prompt_tokens + max_tokens > context_size:
        raise ContextOverflowError(
            f"the input needs {prompt_tokens} prompt tokens + {max_tokens} for the reply, "
            f"more than the model's context of {context_size}",
            "shorten the input, lower --max-tokens, or raise ZHIMEI_N_CTX",
        )


class Completion:
    """A finished reply assembled from chunks."""

    def __init__(self, text: str, usage: Usage, timings: Timings, model_id: str, finish_reason: str | None):
        self.text = text
        self.usage = usage
        self.timings = timings
        self.model_id = model_id
        self.finish_reason = finish_reason


def collect(chunks: Iterable[Chunk]) -> Completion:
    """Drain a chunk stream into one Completion; the stream must end with a done chunk."""
    parts: list[str] = []
    for chunk in chunks:
        parts.append(chunk.text)
        if chunk.done:
            return Completion(
                "".join(parts),
                chunk.usage or Usage(),
                chunk.timings or Timings(),
                chunk.model_id or "",
                chunk.finish_reason,
            )
    raise RuntimeError("backend stream ended without a final chunk")


@runtime_checkable
class Located(Protocol):
    """A backend that can say where its model lives; optional, for probes and messages."""

    @property
    def location(self) -> str:
        """The model file or folder, or the server URL."""
        ...


@dataclass(frozen=True)
class BackendProbe:
    """The result of testing a backend end to end: what answered, with which model, how fast."""

    backend: str
    location: str  # model file or folder, or server URL; "" if the backend does not say
    model_id: str  # as the reply resolved it
    context_size: int
    ready_s: float  # reaching the server or loading the model, and counting a prompt's tokens
    prompt_tokens: int
    completion_tokens: int
    first_token_s: float
    round_trip_s: float  # the one-token reply, request to final chunk
    reply: str


PROBE_REQUEST = GenerationRequest(
    messages=(Message(role="user", content="Reply with one word: are you ready?"),),
    options=GenerationOptions(max_tokens=1, temperature=0.0, seed=0),
)


def probe(backend: Backend) -> BackendProbe:
    """Reach ``backend``, resolve its model and context, and time a one-token reply.

    Raises the backend's own typed error (unreachable server, refused key, missing model …).
    """
    start = time.perf_counter()
    context = backend.context_size
    prompt_tokens = backend.count_tokens(PROBE_REQUEST)
    ready = time.perf_counter() - start
    start = time.perf_counter()
    chunks = list(backend.generate(PROBE_REQUEST))
    if not chunks or not chunks[-1].done:
        raise BackendError(
            f"backend {backend.name} ended its reply without a final chunk",
            "the backend is broken: report it to whoever provides it",
        )
    done = collect(chunks)
    return BackendProbe(
        backend=backend.name,
        location=backend.location if isinstance(backend, Located) else "",
        model_id=done.model_id or backend.model_id,
        context_size=context,
        ready_s=ready,
        prompt_tokens=done.usage.prompt_tokens or prompt_tokens,
        completion_tokens=done.usage.completion_tokens,
        first_token_s=done.timings.first_token_s,
        round_trip_s=time.perf_counter() - start,
        reply=done.text,
    )
