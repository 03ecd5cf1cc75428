"""Stories (with drafts made from them), search, sources, ingest runs (queued as jobs) and jobs."""

from typing import TYPE_CHECKING, Annotated, Literal

from zhimei.interfaces.http.deps import Deps
from zhimei.interfaces.http.errors import ERROR_RESPONSES, HttpProblem
from zhimei.interfaces.http.schemas import MAX_ID, IngestIn, SourceIn, StoryDraftIn
from zhimei.interfaces.http.security import ADMINS, ANYONE, EDITORS, Principal
from zhimei.records import Draft, Job, SearchHit, Source, StoredStory

if TYPE_CHECKING:
    from fastapi import APIRouter

__all__ = ["router"]

JobStates = Literal["queued", "running", "done", "failed", "cancelled"]
Kinds = Literal["document", "story", "archive"]


def router(deps: Deps) -> "APIRouter":
    from fastapi import APIRouter, Depends, Path, Query

    Id = Annotated[int, Path(ge=1, le=MAX_ID)]

    state = deps.state
    zm = state.zm
    api = APIRouter(prefix="/api", tags=["intake"], responses=ERROR_RESPONSES)
    anyone, editors = deps.guard(ANYONE), deps.guard(EDITORS)

    @api.get("/stories")
    def stories(
        caller: Principal = Depends(anyone),
        since: str | None = Query(None, max_length=40, description="1d, 6h, 2026-11-20 …"),
        topic: str | None = Query(None, max_length=100),
        lang: Literal["zh", "en"] | None = Query(None),
        limit: int = Query(50, ge=1, le=500),
    ) -> list[StoredStory]:
        """Stories changed since ``since``, optionally of one topic and with documents in one language."""
        found = zm.stories_list(since=since, topic=topic, limit=limit)
        return [s for s in found if lang is None or lang in s.langs]

    @api.get("/stories/{ref}")
    def story(ref: str, caller: Principal = Depends(anyone)) -> StoredStory:
        """A story (by id or key) with its documents, near-duplicates, tags and drafts."""
        return zm.story(ref)

    @api.post("/stories/{ref}/drafts", status_code=201)
    def story_draft(ref: str, body: StoryDraftIn, caller: Principal = Depends(anyone)) -> Draft:
        """A new draft written by a task from the story's documents; 429 when the queue is full."""
        with state.gate.admit():
            return zm.drafts_from_story(
                ref, body.task, by=caller.name, n=body.n, params=body.params, title=body.title, lang=body.lang
            )

    @api.get("/search")
    def search(
        caller: Principal = Depends(anyone),
        q: str = Query(min_length=1, max_length=500),
        since: str | None = Query(None, max_length=40),
        kind: list[Kinds] = Query(default_factory=list),
        limit: int = Query(20, ge=1, le=200),
    ) -> list[SearchHit]:
        """Full-text search over documents, stories and the archive."""
        return zm.search(q, since=since, kinds=kind, limit=limit)

    @api.get("/sources")
    def sources(caller: Principal = Depends(anyone)) -> list[Source]:
        """Every source with how its last run went."""
        return zm.sources_list()

    @api.post("/sources", status_code=201)
    def add_source(body: SourceIn, caller: Principal = Depends(editors)) -> Source:
        """Add a feed or web page (editors), or a folder on the server (admins: it reads its files)."""
        if body.kind == "folder" and not caller.may(ADMINS):
            raise HttpProblem(403, "permission_denied", "only an admin adds folder sources", "ask an admin")
        return zm.sources_add(body.kind, body.location, name=body.name, every=body.every)

    @api.delete("/sources/{name:path}")
    def remove_source(name: str, caller: Principal = Depends(editors)) -> Source:
        """Remove a source; its documents stay (editors)."""
        return zm.sources_remove(name)

    @api.post("/ingest", status_code=202)
    def ingest(body: IngestIn, caller: Principal = Depends(editors)) -> Job:
        """Queue an ingest pass over one source or all (editors); a worker runs it."""
        return zm.ingest_queue(body.source)

    @api.get("/jobs")
    def jobs(
        caller: Principal = Depends(anyone),
        state_: list[JobStates] = Query(default_factory=list, alias="state"),
        kind: str | None = Query(None, max_length=64),
        limit: int = Query(50, ge=1, le=500),
    ) -> list[Job]:
        """The newest jobs first, with progress."""
        return zm.jobs_list(states=state_, kind=kind, limit=limit)

    @api.post("/jobs/{job_id}/cancel")
    def cancel_job(job_id: Id, caller: Principal = Depends(editors)) -> Job:
        """Cancel a job: a queued one at once, a running one at its next item (editors)."""
        return zm.jobs_cancel(job_id)

    return api
