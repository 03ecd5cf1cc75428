"""Typed records passed between stages. Frozen: a stage returns a new record, never mutates one."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, field_validator

__all__ = [
    "AigcMetadata",
    "ApiToken",
    "ArchiveArticle",
    "ArchiveImport",
    "ArticleInput",
    "Assignment",
    "Attempt",
    "AuditEvent",
    "AuthSession",
    "CheckResult",
    "Chunk",
    "Comment",
    "Document",
    "DocumentTags",
    "Draft",
    "DraftSource",
    "DuplicateLink",
    "EditPair",
    "Entity",
    "EvalCaseResult",
    "EvalRun",
    "Flag",
    "FlagAck",
    "FlagKind",
    "Generation",
    "GenerationOptions",
    "GenerationRequest",
    "Job",
    "JobState",
    "Keyword",
    "Label",
    "Lang",
    "Message",
    "NearDuplicate",
    "ProvenanceSpan",
    "Publication",
    "PublicationStatus",
    "RecordInput",
    "ReviewDecision",
    "ReviewState",
    "Revision",
    "RevisionCheck",
    "RevisionKind",
    "Role",
    "SearchHit",
    "Source",
    "SourceKind",
    "SourceRun",
    "SourcesInput",
    "StoredStory",
    "Story",
    "StoryDocument",
    "StoryDraft",
    "TaskOutput",
    "TaskParams",
    "Timings",
    "TopicScore",
    "Usage",
    "User",
    "Verification",
    "utcnow",
]

Lang = Literal["zh", "en"]


def utcnow() -> datetime:
    """The current time, timezone-aware, in UTC."""
    return datetime.now(UTC)


class _Record(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class GenerationOptions(_Record):
    """Sampling controls a user may set on any generation."""

    max_tokens: int = Field(default=256, ge=1, le=32768)
    temperature: float = Field(default=0.0, ge=0.0, le=2.0, allow_inf_nan=False)
    top_p: float = Field(default=0.95, gt=0.0, le=1.0, allow_inf_nan=False)
    seed: int | None = None
    stop: tuple[str, ...] = ()


class Message(_Record):
    role: Literal["system", "user", "assistant"]
    content: str


class GenerationRequest(_Record):
    """What a backend is asked to do: chat messages plus sampling options."""

    messages: tuple[Message, ...]
    options: GenerationOptions = GenerationOptions()


class Usage(_Record):
    prompt_tokens: int = 0
    completion_tokens: int = 0


class Timings(_Record):
    """Seconds from the request to the first token and to the end."""

    first_token_s: float = 0.0
    total_s: float = 0.0


class Chunk(_Record):
    """One piece of a streamed reply. The last chunk has ``done`` and carries usage, timings and model id."""

    text: str = ""
    done: bool = False
    usage: Usage | None = None
    timings: Timings | None = None
    model_id: str | None = None
    finish_reason: str | None = None


class CheckResult(_Record):
    """One check of one output: its name, whether it passed, and a human-readable detail."""

    name: str
    passed: bool
    detail: str = ""
    # A critical failure means the output asserts something its source does not (e.g. a number).
    critical: bool = False


class TaskParams(_Record):
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


class ArticleInput(_Record):
    """A source text to write from (headline, summary)."""

    text: str
    lang: Lang
    title: str | None = None


class SourcesInput(_Record):
    """Several source texts to write one article from; citations ``[n]`` number them from 1."""

    sources: tuple[ArticleInput, ...] = Field(min_length=1)
    lang: Lang


class RecordInput(_Record):
    """A structured data record to write a brief from (JSON object or CSV row)."""

    data: dict[str, Any]
    lang: Lang


class TaskOutput(_Record):
    """A parsed task output: the text and any structured fields the task defines."""

    text: str
    fields: dict[str, Any] = Field(default_factory=dict)


class Attempt(_Record):
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


class Generation(_Record):
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


class Document(_Record):
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


class EvalRun(_Record):
    """One evaluation run: a task × system × prompt version scored on a dataset.

    ``kind`` says where outputs came from: a model through a backend, a classic baseline, or outputs
    scored as given. ``options`` holds everything that shapes the outputs (sampling, task parameters,
    limit, seed, metric settings); a run resumed under the same id must have the same options.
    ``metrics`` are the aggregates, filled in when the run finishes.
    """

    id: str = Field(min_length=1, max_length=200)
    created_at: AwareDatetime
    kind: Literal["model", "baseline", "scored"]
    task_id: str
    prompt_version: str
    backend: str
    model_requested: str
    model_resolved: str
    options: dict[str, Any] = Field(default_factory=dict)
    dataset: str
    dataset_hash: str
    cases_planned: int = Field(ge=0)
    status: Literal["running", "finished"] = "running"
    metrics: dict[str, float] = Field(default_factory=dict)
    finished_at: AwareDatetime | None = None

    @field_validator("created_at", "finished_at")
    @classmethod
    def _run_times_in_utc(cls, value: datetime | None) -> datetime | None:
        return None if value is None else value.astimezone(UTC)


class EvalCaseResult(_Record):
    """One case of an evaluation run: input, references, the output (None if none was produced) and scores."""

    run_id: str
    case_id: str
    position: int = Field(ge=0)
    input: dict[str, Any]
    references: tuple[str, ...]
    output: str | None
    scores: dict[str, float] = Field(default_factory=dict)
    category: str | None = None
    lang: Lang
    generation_id: str | None = None
    passed: bool | None = None
    attempts: int = Field(default=0, ge=0)
    usage: Usage = Usage()
    seconds: float = Field(default=0.0, ge=0.0)
    error: str | None = None


# --- stories: near-duplicates, stories, tags ----------------------------------------------------


class NearDuplicate(_Record):
    """An indexed document that nearly repeats another: its key and the estimated Jaccard similarity."""

    key: str
    similarity: float = Field(ge=0.0, le=1.0)


class Story(_Record):
    """Documents about one event, in any language, keyed by their ``content_hash``.

    ``documents`` are in the order they joined; ``representative`` is one of them (see
    ``zhimei.stories.cluster`` for the rule).
    """

    id: str
    documents: tuple[str, ...] = Field(min_length=1)
    representative: str
    langs: tuple[Lang, ...]


class TopicScore(_Record):
    """One topic label for a text, with the classifier's probability for it."""

    label: str
    score: float = Field(ge=0.0, le=1.0)


class Keyword(_Record):
    """A keyword of a text and its weight (TF-IDF or TextRank, higher is more central)."""

    text: str
    weight: float


class Entity(_Record):
    """A named entity found in a text; ``kind`` is ``name`` where the extractor cannot tell the type."""

    text: str
    kind: Literal["person", "place", "organisation", "name"]
    count: int = Field(default=1, ge=1)


class DocumentTags(_Record):
    """Topics, keywords and entities of one document (keyed by its ``content_hash``)."""

    document: str
    topics: tuple[TopicScore, ...]
    keywords: tuple[Keyword, ...]
    entities: tuple[Entity, ...]


# --- desk: verification flags and AIGC labels ---------------------------------------------------

FlagKind = Literal["grounding", "copying", "pii", "sensitive", "link"]


class Flag(_Record):
    """One finding of draft verification, at ``[start, end)`` character offsets in the draft.

    ``category`` refines ``kind`` (grounding: number, percent, money, date, person, place,
    organisation, name; pii: resident_id, mobile, email, bank_card, address; copying: overlap;
    sensitive: term; link: url, email). ``value`` is the normalised value the ``id`` is derived
    from, so an editor's acknowledgement survives re-verification and edits elsewhere in the text.
    """

    id: str
    kind: FlagKind
    category: str
    severity: Literal["info", "warning", "error"]
    start: int = Field(ge=0)
    end: int = Field(ge=0)
    text: str
    value: str
    detail: str
    blocks_publishing: bool = False


class Verification(_Record):
    """Every flag of one draft, in text order, with counts per kind and the checks that ran."""

    lang: Lang
    checks: tuple[FlagKind, ...]
    flags: tuple[Flag, ...]
    counts: dict[str, int]
    blocking: int = Field(ge=0)

    @property
    def blocks_publishing(self) -> bool:
        """Whether any flag blocks publishing (until an editor acknowledges it)."""
        return self.blocking > 0

    def outstanding(self, acknowledged: Iterable[str] = ()) -> tuple[Flag, ...]:
        """The blocking flags whose ids are not among ``acknowledged``."""
        done = frozenset(acknowledged)
        return tuple(f for f in self.flags if f.blocks_publishing and f.id not in done)


class AigcMetadata(_Record):
    """The implicit AIGC label of GB 45438-2025 (Annex E): the fields under the ``AIGC`` key.

    ``Label`` is ``"1"`` (AI-generated or synthesised), ``"2"`` (possibly) or ``"3"`` (suspected);
    a producer always writes ``"1"``. ``ContentProducer``/``ProduceID`` name the generating service
    and its id for the content, ``ContentPropagator``/``PropagateID`` the publishing service and its
    id; the reserved codes carry integrity data (zhimei writes ``sha256:<hex>`` of the content).
    """

    model_config = ConfigDict(frozen=True, extra="forbid", populate_by_name=True)

    label: Literal["1", "2", "3"] = Field(default="1", alias="Label")
    content_producer: str = Field(alias="ContentProducer", max_length=1000)
    produce_id: str = Field(alias="ProduceID", max_length=1000)
    reserved_code1: str = Field(default="", alias="ReservedCode1", max_length=1000)
    content_propagator: str = Field(default="", alias="ContentPropagator", max_length=1000)
    propagate_id: str = Field(default="", alias="PropagateID", max_length=1000)
    reserved_code2: str = Field(default="", alias="ReservedCode2", max_length=1000)

    def fields(self) -> dict[str, str]:
        """The seven fields under their standard names, in the standard's order."""
        return self.model_dump(by_alias=True)


class Label(_Record):
    """The AIGC label of one published text: the visible wording and the machine-readable metadata.

    ``kind`` is ``generated`` or ``assisted`` (by ``human_edit_ratio``, see ``zhimei.desk.labels``);
    ``digital_source_type`` is the IPTC NewsCodes URI; ``reviewed_by`` is the editor holding
    editorial responsibility and ``reviewed_at`` when the review was recorded.
    """

    explicit_text: str
    lang: Lang
    position: Literal["top", "bottom"]
    kind: Literal["generated", "assisted"]
    aigc: AigcMetadata
    digital_source_type: str
    reviewed_by: str | None = None
    reviewed_at: AwareDatetime | None = None
    human_edit_ratio: float = Field(ge=0.0, le=1.0, allow_inf_nan=False)

    @field_validator("reviewed_at")
    @classmethod
    def _reviewed_in_utc(cls, value: datetime | None) -> datetime | None:
        return None if value is None else value.astimezone(UTC)


# --- desk: users, drafts, revisions, review, publications, audit --------------------------------

Role = Literal["reporter", "editor", "admin"]
ReviewState = Literal["draft", "in_review", "approved", "published", "rejected", "spiked"]
RevisionKind = Literal["generated", "edit", "restore", "correction"]
PublicationStatus = Literal["scheduled", "published", "unpublished", "superseded", "cancelled"]


class User(_Record):
    """A person at the desk; ``role`` decides what they may do (see ``zhimei.desk.permissions``)."""

    name: str = Field(min_length=1, max_length=64)
    role: Role
    created_at: AwareDatetime
    created_by: str | None = None


class DraftSource(_Record):
    """A source document of a draft, kept as a text snapshot so verification needs nothing else.

    ``ref`` says where it came from: a document's content hash, a file name or a URL.
    """

    text: str
    lang: Lang
    title: str = ""
    ref: str | None = None


class Draft(_Record):
    """A piece of content being written; its texts are its revisions.

    ``head`` is the newest revision; ``approved_revision`` the one an editor approved (cleared when
    a newer revision is saved). ``task_input`` is the task input its generations were made from, so
    it can be regenerated. ``version`` grows with every change of the draft, for optimistic
    concurrency.
    """

    id: int
    created_at: AwareDatetime
    created_by: str
    updated_at: AwareDatetime
    title: str
    lang: Lang
    task_id: str | None = None
    task_input: dict[str, Any] | None = None
    params: dict[str, Any] = Field(default_factory=dict)
    story_id: str | None = None
    state: ReviewState = "draft"
    head: int = Field(ge=1)
    approved_revision: int | None = None
    assignee: str | None = None
    version: int = Field(default=1, ge=1)


class ProvenanceSpan(_Record):
    """Who wrote ``[start, end)`` of a revision's text: the model (``by`` is the generation id) or a
    person (``by`` is the user), and in which revision that text first appeared."""

    start: int = Field(ge=0)
    end: int = Field(ge=0)
    origin: Literal["model", "human"]
    by: str
    revision: int = Field(ge=1)


class Revision(_Record):
    """One saved text of a draft. Append-only: every change is a new revision, nothing is overwritten.

    ``author`` is the user who saved it; ``generation_id`` the generation when the model wrote it;
    ``restored_from`` the revision a restore copied. ``diff`` is a unified diff to ``parent``;
    ``spans`` cover the text and say who wrote each part.
    """

    draft_id: int
    number: int = Field(ge=1)
    created_at: AwareDatetime
    kind: RevisionKind
    author: str
    generation_id: str | None = None
    parent: int | None = None
    restored_from: int | None = None
    text: str
    diff: str = ""
    sha256: str
    spans: tuple[ProvenanceSpan, ...] = ()
    note: str | None = None

    @property
    def by_model(self) -> bool:
        """Whether the model wrote this revision."""
        return self.generation_id is not None


class RevisionCheck(_Record):
    """The verification of one revision against its draft's sources."""

    draft_id: int
    revision: int
    created_at: AwareDatetime
    verification: Verification


class ReviewDecision(_Record):
    """A step of review on one revision: submitted, approved, rejected (with a reason) or spiked."""

    id: int
    draft_id: int
    revision: int
    decision: Literal["submitted", "approved", "rejected", "spiked"]
    actor: str
    created_at: AwareDatetime
    reason: str | None = None


class FlagAck(_Record):
    """An editor's acknowledgement of a verification flag (by its stable id) on a draft."""

    draft_id: int
    flag_id: str
    revision: int
    actor: str
    created_at: AwareDatetime
    note: str | None = None


class Comment(_Record):
    """A comment on a draft, optionally on one revision."""

    id: int
    draft_id: int
    revision: int | None = None
    author: str
    created_at: AwareDatetime
    text: str


class Assignment(_Record):
    """Who a draft was assigned to, by whom and when (the newest is the current one)."""

    id: int
    draft_id: int
    assignee: str
    actor: str
    created_at: AwareDatetime


class Publication(_Record):
    """One approved revision published (or scheduled) in one format to one target.

    ``target`` is a folder or a URL; ``key`` identifies (draft, revision, format, target), so
    publishing the same revision there again is the same publication. ``label`` is the AIGC label
    it carries (None only when no part of the text came from the model); ``correction`` the
    visible correction notice of a corrected publication.
    """

    id: int
    draft_id: int
    revision: int
    format: str
    target: str
    key: str
    status: PublicationStatus
    actor: str
    created_at: AwareDatetime
    scheduled_at: AwareDatetime | None = None
    published_at: AwareDatetime | None = None
    unpublished_at: AwareDatetime | None = None
    location: str | None = None
    label: Label | None = None
    correction: str | None = None


class AuditEvent(_Record):
    """One change at the desk: who did what to which draft and revision, when. Append-only."""

    id: int
    created_at: AwareDatetime
    actor: str
    action: str
    draft_id: int | None = None
    revision: int | None = None
    detail: dict[str, Any] = Field(default_factory=dict)


class EditPair(_Record):
    """A model output and the human version an editor approved from it: data for learning from edits."""

    draft_id: int
    task_id: str | None
    lang: Lang
    generation_id: str
    model_revision: int
    model_text: str
    approved_revision: int
    approved_text: str
    approved_by: str
    approved_at: AwareDatetime


# --- intake: sources, runs, stored stories, jobs, search, archive ---------------------------------

SourceKind = Literal["rss", "web", "folder"]
JobState = Literal["queued", "running", "done", "failed", "cancelled"]


class Source(_Record):
    """A feed (``rss``), a web page (``web``) or a watched folder, polled every ``every`` seconds.

    ``etag``/``last_modified`` are the validators of its last successful fetch; ``last_status`` and
    ``last_error`` say how its last run went; ``failures`` counts failed runs in a row.
    """

    id: int
    name: str
    kind: SourceKind
    location: str
    every: int | None = None
    enabled: bool = True
    category: str | None = None
    created_at: AwareDatetime
    etag: str | None = None
    last_modified: str | None = None
    last_run_at: AwareDatetime | None = None
    last_status: Literal["ok", "not_modified", "failed", "cancelled"] | None = None
    last_error: str | None = None
    last_error_kind: str | None = None
    last_counts: dict[str, int] = Field(default_factory=dict)
    failures: int = 0


class SourceRun(_Record):
    """What one ingest pass did with one source: items new, near-duplicate (stored and linked),
    revised in place, unchanged, and failed; the stories it started and the drafts it queued."""

    source: str
    status: Literal["ok", "not_modified", "failed", "cancelled"]
    new: int = 0
    duplicate: int = 0
    updated: int = 0
    unchanged: int = 0
    failed: int = 0
    stories_new: int = 0
    drafts_queued: int = 0
    seconds: float = 0.0
    error: str | None = None
    error_kind: str | None = None
    item_errors: tuple[str, ...] = ()


class StoryDocument(_Record):
    """A document of a stored story, as ``stories show`` lists it."""

    id: int
    title: str
    source: str
    lang: Lang
    url: str | None = None
    published: AwareDatetime | None = None
    ingested_at: AwareDatetime
    similarity: float
    representative: bool = False


class DuplicateLink(_Record):
    """Document ``document`` nearly repeats the earlier ``duplicate_of`` (estimated Jaccard)."""

    document: int
    duplicate_of: int
    similarity: float


class StoryDraft(_Record):
    """An auto-draft of a story: the logged generation of one task, the desk draft made from it
    (``draft_id``, when the desk is there) and the intake's flags."""

    task: str
    generation_id: str
    created_at: AwareDatetime
    text: str | None
    passed: bool
    draft_id: int | None = None
    flags: tuple[CheckResult, ...] = ()


class StoredStory(_Record):
    """A stored story: ``id`` for people, ``key`` the clustering's stable id; tags are the
    representative document's. ``documents``, ``duplicates`` and ``drafts`` are filled by
    ``story(…)`` and left empty in listings."""

    id: int
    key: str
    title: str
    created_at: AwareDatetime
    updated_at: AwareDatetime
    size: int
    langs: tuple[Lang, ...]
    representative: int | None = None
    topic: str | None = None
    topics: tuple[TopicScore, ...] = ()
    keywords: tuple[Keyword, ...] = ()
    entities: tuple[Entity, ...] = ()
    documents: tuple[StoryDocument, ...] = ()
    duplicates: tuple[DuplicateLink, ...] = ()
    drafts: tuple[StoryDraft, ...] = ()


class Job(_Record):
    """A unit of long work in the store: a lease with heartbeat while it runs, an idempotency
    ``key``, progress, attempts and a cancel flag checked between items."""

    id: int
    kind: str
    key: str
    payload: dict[str, Any] = Field(default_factory=dict)
    state: JobState
    priority: int = 0
    created_at: AwareDatetime
    updated_at: AwareDatetime
    run_after: AwareDatetime
    started_at: AwareDatetime | None = None
    finished_at: AwareDatetime | None = None
    lease_owner: str | None = None
    lease_expires: AwareDatetime | None = None
    heartbeat_at: AwareDatetime | None = None
    progress_done: int = 0
    progress_total: int | None = None
    attempts: int = 0
    max_attempts: int = 3
    cancel_requested: bool = False
    error: str | None = None
    result: dict[str, Any] | None = None


class SearchHit(_Record):
    """One full-text search result: a ``document``, ``story`` or ``archive`` article, best first."""

    kind: Literal["document", "story", "archive"]
    ref: int
    title: str
    lang: Lang
    at: AwareDatetime
    score: float
    snippet: str


class ArchiveArticle(_Record):
    """A past published article of the newsroom; ``headline`` and ``summary`` when the file had them."""

    id: int
    content_hash: str
    title: str
    text: str
    lang: Lang
    source_file: str
    imported_at: AwareDatetime
    headline: str | None = None
    summary: str | None = None
    published: AwareDatetime | None = None
    url: str | None = None
    author: str | None = None


class ArchiveImport(_Record):
    """What an archive import did: articles added, already there, and files that failed (with why)."""

    files: int = 0
    imported: int = 0
    unchanged: int = 0
    failed: int = 0
    errors: tuple[str, ...] = ()


# --- studio accounts: API tokens and sessions (the secrets themselves are never stored) ----------


class ApiToken(_Record):
    """An API token of a user, for programs: only its sha256 is stored; ``prefix`` shows which one it is."""

    id: int
    user: str
    name: str = Field(min_length=1, max_length=100)
    prefix: str
    created_at: AwareDatetime
    last_used_at: AwareDatetime | None = None
    revoked_at: AwareDatetime | None = None


class AuthSession(_Record):
    """A signed-in studio session: its user, its CSRF token and when it ends (idle or absolute)."""

    user: str
    csrf: str
    created_at: AwareDatetime
    expires_at: AwareDatetime
    last_seen_at: AwareDatetime
