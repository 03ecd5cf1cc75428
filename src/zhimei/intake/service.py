"""The intake on the job queue: ingest and auto-draft job handlers, and polling sources on schedule.

* ``ingest`` jobs (payload ``{"source": NAME}``, or ``null`` for every enabled source) run one
  pass; ``zhimei ingest watch`` queues one per source whenever its ``every`` has passed since its
  last run (longer after failures: ``every`` × 2^failures, at most × 16).
* ``draft`` jobs (payload ``{"story": ID, "task": "headline"}``) are queued by the ingest of a new
  story and write its auto-draft (:mod:`zhimei.intake.drafts`).
"""

from __future__ import annotations

import logging
import threading
from datetime import datetime, timedelta
from typing import Any

from zhimei.errors import BackendError, StorageError, ZhimeiError
from zhimei.intake.drafts import Generate, ToDesk, write_draft
from zhimei.intake.pipeline import Intake
from zhimei.jobs import Handler, JobContext, Worker, WorkerStats
from zhimei.records import Job, Source, utcnow
from zhimei.store.jobs import JobQueue

__all__ = ["MAX_BACKOFF", "IntakeService", "due", "retry_in"]

log = logging.getLogger(__name__)

MAX_BACKOFF = 16


def due(source: Source, now: datetime) -> bool:
    """Whether a scheduled source should be polled now."""
    if not source.enabled or not source.every:
        return False
    if source.last_run_at is None:
        return True
    wait = source.every * min(2**source.failures, MAX_BACKOFF)
    return source.last_run_at + timedelta(seconds=wait) <= now


def retry_in(job: Job, exc: BaseException) -> timedelta | None:
    """Backend and storage failures, and fetch failures that say so, are retried with a growing wait."""
    if isinstance(exc, BackendError | StorageError) or getattr(exc, "retryable", False):
        return timedelta(seconds=min(30 * job.attempts, 600))
    return None


class IntakeService:
    """Ingest and draft handlers over one :class:`~zhimei.intake.pipeline.Intake` and job queue."""

    def __init__(
        self,
        intake: Intake,
        queue: JobQueue,
        generate: Generate,
        desk_lang: str,
        to_desk: ToDesk | None = None,
    ) -> None:
        self.intake = intake
        self.queue = queue
        self.generate = generate
        self.desk_lang = desk_lang
        self.to_desk = to_desk

    def handlers(self) -> dict[str, Handler]:
        return {"ingest": self.ingest_job, "draft": self.draft_job}

    def selected(self, name: str | None) -> list[Source]:
        """The named source, or every enabled one."""
        return [self.intake.sources.get(name)] if name else self.intake.sources.list(enabled_only=True)

    def ingest_job(self, job: Job, ctx: JobContext) -> dict[str, Any]:
        """Handler of ``ingest`` jobs."""
        sources = self.selected(job.payload.get("source"))

        def progress(name: str, done: int, total: int) -> None:
            ctx.progress(done, total)

        runs = self.intake.run(sources, progress=progress, stop=ctx.should_stop)
        ctx.check()
        return {"sources": [run.model_dump(mode="json") for run in runs]}

    def draft_job(self, job: Job, ctx: JobContext) -> dict[str, Any]:
        """Handler of ``draft`` jobs."""
        ctx.check()
        ctx.progress(0, 1)
        story, task = int(job.payload["story"]), str(job.payload["task"])
        result = write_draft(self.intake.engine, story, task, self.generate, self.desk_lang, self.to_desk)
        ctx.progress(1, 1)
        return result

    def enqueue_ingest(self, name: str | None = None) -> Job:
        """Queue a pass over one source (or all enabled ones) for a worker."""
        if name is not None:
            self.intake.sources.get(name)
        key = f"ingest:{name or '*'}:{utcnow().isoformat()}"
        return self.queue.enqueue("ingest", key, {"source": name}, priority=1)

    def schedule(self, now: datetime | None = None) -> list[Job]:
        """Queue an ingest job for every due source that has none queued or running."""
        now = now or utcnow()
        queued: list[Job] = []
        for source in self.intake.sources.list(enabled_only=True):
            if not due(source, now) or self.queue.active("ingest", f"ingest:{source.name}:"):
                continue
            slot = int(now.timestamp() // max(source.every or 1, 1))
            queued.append(
                self.queue.enqueue(
                    "ingest", f"ingest:{source.name}:{slot}", {"source": source.name}, priority=1
                )
            )
        return queued

    def watch(self, worker: Worker, tick: float = 5.0) -> WorkerStats:
        """Schedule due sources every ``tick`` seconds and run jobs, until ``worker.stop()``."""

        def scheduler() -> None:
            while not worker.stopping.is_set():
                try:
                    self.schedule()
                except ZhimeiError as exc:  # a busy or unreachable database: try at the next tick
                    log.warning("scheduling sources failed: %s", exc)
                worker.stopping.wait(tick)

        thread = threading.Thread(target=scheduler, name="intake-scheduler", daemon=True)
        thread.start()
        try:
            return worker.run()
        finally:
            worker.stop()
            thread.join()
