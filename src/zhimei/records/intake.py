"""Records of intake: sources, runs, stored stories, jobs, search, archive."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import AwareDatetime, Field

from zhimei.records.base import Lang, Record
from zhimei.records.generation import CheckResult
from zhimei.records.stories import Entity, Keyword, TopicScore

__all__ = [
    "ArchiveArticle",
    "ArchiveImport",
    "DuplicateLink",
    "Job",
    "JobState",
    "SearchHit",
    "Source",
    "SourceKind",
    "SourceRun",
    "StoredStory",
    "StoryDocument",
    "StoryDraft",
]


SourceKind = Literal["rss", "web", "folder"]
JobState = Literal["queued", "running", "done", "failed", "cancelled"]


class Source(Record):
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


class SourceRun(Record):
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


class StoryDocument(Record):
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


class DuplicateLink(Record):
    """Document ``document`` nearly repeats the earlier ``duplicate_of`` (estimated Jaccard)."""

    document: int
    duplicate_of: int
    similarity: float


class StoryDraft(Record):
    """An auto-draft of a story: the logged generation of one task, the desk draft made from it
    (``draft_id``, when the desk is there) and the intake's flags."""

    task: str
    generation_id: str
    created_at: AwareDatetime
    text: str | None
    passed: bool
    draft_id: int | None = None
    flags: tuple[CheckResult, ...] = ()


class StoredStory(Record):
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


class Job(Record):
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


class SearchHit(Record):
    """One full-text search result: a ``document``, ``story`` or ``archive`` article, best first."""

    kind: Literal["document", "story", "archive"]
    ref: int
    title: str
    lang: Lang
    at: AwareDatetime
    score: float
    snippet: str


class ArchiveArticle(Record):
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


class ArchiveImport(Record):
    """What an archive import did: articles added, already there, and files that failed (with why)."""

    files: int = 0
    imported: int = 0
    unchanged: int = 0
    failed: int = 0
    errors: tuple[str, ...] = ()
