"""Records of generation: requests, options, checks, attempts, generations and ingested documents."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, Literal

from pydantic import AwareDatetime, Field, field_validator

from zhimei.records.base import Lang, Record

__all__ = [
    "ArticleInput",
    "Attempt",
    "CheckResult",
    "Chunk",
    "Document",
    "Generation",
    "GenerationOptions",
    "GenerationRequest",
    "Message",
    "RecordInput",
    "SourcesInput",
    "TaskOutput",
    "TaskParams",
    "Timings",
    "Usage",
]


class GenerationOptions(Record):
    """Sampling controls a user may set on any generation."""

    max_tokens: int = Field(default=256, ge=1, le=32768)
    temperature: float = Field(default=0.0, ge=0.0, le=2.0, allow_inf_nan=False)
    top_p: float = Field(default=0.95, gt=0.0, le=1.0, allow_inf_nan=False)
    seed: int | None = None
    stop: tuple[str, ...] = ()


class Message(Record):
    role: Literal["system", "user", "assistant"]
    content: str


class GenerationRequest(Record):
    """What a backend is asked to do: chat messages plus sampling options."""

    messages: tuple[Message, ...]
    options: GenerationOptions = GenerationOptions()


class Usage(Record):
    prompt_tokens: int = 0
    completion_tokens: int = 0


class Timings(Record):
    """Seconds from the request to the first token and to the end."""

    first_token_s: float = 0.0
    total_s: float = 0.0


class Chunk(Record):
    """One piece of a streamed reply. The last chunk has ``done`` and carries usage, timings and model id."""

    text: str = ""
    done: bool = False
    usage: Usage | None = None
    timings: Timings | None = None
    model_id: str | None = None
    finish_reason: str | None = None


class CheckResult(Record):
    """One check of one output: its name, whether it passed, and a human-readable detail."""

    name: str
    passed: bool
    detail: str = ""
    # A critical failure means the output asserts something its source does not (e.g. a number).
    critical: bool = False


class TaskParams(Record):
    """Task controls. Each task reads the ones it defines and refuses the others it is given.

    ``length`` is in zh characters or en words; ``required`` names fields a brief must mention.
    """

    length: int | None = Field(default=None, ge=1, le=20000)
    required: tuple[str, ...] = ()
    style: Literal["concise", "formal", "lively"] | None = None  # rewrite
    target_lang: Lang | None = None  # translate
    kind: Literal["video", "podcast"] | None = None  # script
    seconds: int | None = Field(default=None, ge=10, le=3600)  # script: target duration
    platform: Literal["weibo", "x"] | None = None  # social


class ArticleInput(Record):
    """A source text to write from (headline, summary)."""

    text: str
    lang: Lang
    title: str | None = None


class SourcesInput(Record):
    """Several source texts to write one article from; citations ``[n]`` number them from 1."""

    sources: tuple[ArticleInput, ...] = Field(min_length=1)
    lang: Lang


class RecordInput(Record):
    """A structured data record to write a brief from (JSON object or CSV row)."""

    data: dict[str, Any]
    lang: Lang


class TaskOutput(Record):
    """A parsed task output: the text and any structured fields the task defines."""

    text: str
    fields: dict[str, Any] = Field(default_factory=dict)


class Attempt(Record):
    """One round-trip to the model inside a generation (first try or a corrective retry)."""

    raw: str
    output: TaskOutput | None
    checks: tuple[CheckResult, ...]
    usage: Usage
    timings: Timings
    error: str | None = None

    @property
    def failed(self) -> tuple[CheckResult, ...]:
        return tuple(c for c in self.checks if not c.passed)


class Generation(Record):
    """One logged generation with full provenance. Append-only once stored."""

    id: str
    created_at: AwareDatetime
    task_id: str
    prompt_version: str
    lang: Lang
    backend: str
    model_requested: str
    model_resolved: str
    options: GenerationOptions
    input_hash: str
    input: dict[str, Any]
    output: TaskOutput | None
    checks_first: tuple[CheckResult, ...]
    checks_final: tuple[CheckResult, ...]
    attempts: int
    usage: Usage
    timings: Timings
    variant: int = 0

    @field_validator("created_at")
    @classmethod
    def _in_utc(cls, value: datetime) -> datetime:
        return value.astimezone(UTC)

    @property
    def passed(self) -> bool:
        return self.output is not None and all(c.passed for c in self.checks_final)


class Document(Record):
    """A cleaned document from any source (feed item, web page, file, archive).

    ``content_hash`` is the sha256 of the normalised text: the same item ingested twice is one document.
    """

    source: str
    title: str
    text: str
    lang: Lang
    content_hash: str
    url: str | None = None
    canonical_url: str | None = None
    published: AwareDatetime | None = None
    author: str | None = None

    @field_validator("published")
    @classmethod
    def _published_in_utc(cls, value: datetime | None) -> datetime | None:
        return None if value is None else value.astimezone(UTC)
