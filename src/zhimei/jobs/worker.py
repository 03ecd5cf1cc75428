"""The job worker: claims jobs from the store, runs their handlers, and keeps their leases alive.

While a handler runs, a heartbeat thread extends the job's lease every third of the lease and
stores its progress; it also notices a cancel request or a lost lease. Handlers call
:meth:`JobContext.check` between items, which raises :class:`JobInterrupted` once the job should
stop (cancelled, lease lost, or the worker shutting down), so a job stops at an item boundary:

* cancelled → the job is marked cancelled;
* the worker is stopping (SIGTERM) → the job goes back to the queue for the next worker;
* the lease was lost (this worker stalled longer than the lease) → the job is left to its new owner.

A worker killed outright (kill -9) leaves its job ``running`` with a lease that expires; the next
claim takes it over. Handlers must therefore be idempotent: ingest stores by content hash and
auto-drafts by story and task.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import traceback
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any, Literal

from zhimei.errors import StorageError, ZhimeiError
from zhimei.records import Job
from zhimei.store.jobs import JobQueue

__all__ = [
    "DEFAULT_LEASE",
    "Handler",
    "JobContext",
    "JobInterrupted",
    "Worker",
    "WorkerStats",
    "worker_id",
]

log = logging.getLogger(__name__)

DEFAULT_LEASE = timedelta(seconds=60)
Handler = Callable[[Job, "JobContext"], dict[str, Any] | None]
StopReason = Literal["cancelled", "shutdown", "lost"]
Outcome = Literal["done", "failed", "cancelled", "released", "retried", "lost"]


def worker_id() -> str:
    """A name for this worker process, unique across hosts and restarts."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"


class JobInterrupted(Exception):
    """Raised by :meth:`JobContext.check` when the job must stop at this item boundary."""

    def __init__(self, reason: StopReason) -> None:
        super().__init__(reason)
        self.reason: StopReason = reason


class JobContext:
    """What a handler sees of its run: progress reporting and the stop check."""

    def __init__(self, job: Job, shutdown: threading.Event) -> None:
        self.job = job
        self._shutdown = shutdown
        self._cancelled = threading.Event()
        self._lost = threading.Event()
        self._lock = threading.Lock()
        self.done = job.progress_done
        self.total = job.progress_total

    def progress(self, done: int, total: int | None = None) -> None:
        """Record progress (stored with the next heartbeat)."""
        with self._lock:
            self.done = done
            if total is not None:
                self.total = total

    def snapshot(self) -> tuple[int, int | None]:
        with self._lock:
            return self.done, self.total

    @property
    def stop_reason(self) -> StopReason | None:
        """Why the job should stop now, or None."""
        if self._lost.is_set():
            return "lost"
        if self._cancelled.is_set():
            return "cancelled"
        if self._shutdown.is_set():
            return "shutdown"
        return None

    def should_stop(self) -> bool:
        return self.stop_reason is not None

    def check(self) -> None:
        """Raise JobInterrupted if the job must stop; call it between items."""
        reason = self.stop_reason
        if reason is not None:
            raise JobInterrupted(reason)


@dataclass
class WorkerStats:
    """What a worker did: jobs by outcome."""

    done: int = 0
    failed: int = 0
    cancelled: int = 0
    released: int = 0
    retried: int = 0
    lost: int = 0
    jobs: list[int] = field(default_factory=list)


class _Heartbeat(threading.Thread):
    def __init__(self, queue: JobQueue, ctx: JobContext, owner: str, lease: timedelta) -> None:
        super().__init__(name=f"heartbeat-{ctx.job.id}", daemon=True)
        self.queue, self.ctx, self.owner, self.lease = queue, ctx, owner, lease
        self.finished = threading.Event()

    def run(self) -> None:
        interval = max(self.lease.total_seconds() / 3, 0.05)
        while not self.finished.wait(interval):
            done, total = self.ctx.snapshot()
            try:
                ours, cancel = self.queue.heartbeat(self.ctx.job.id, self.owner, self.lease, done, total)
            except StorageError as exc:  # a busy database: try again at the next beat
                log.warning("heartbeat of job %s failed: %s", self.ctx.job.id, exc)
                continue
            if not ours:
                self.ctx._lost.set()
                return
            if cancel:
                self.ctx._cancelled.set()


class Worker:
    """Runs jobs of the kinds in ``handlers`` until stopped.

    ``retry_in(error)`` says after how long a failed job is tried again (None: fail it for good);
    by default errors that say they are retryable wait 30 s × attempt. ``idle()`` runs whenever the
    queue is empty (e.g. releasing embargoed publications); its errors are logged, never fatal.
    """

    def __init__(
        self,
        queue: JobQueue,
        handlers: Mapping[str, Handler],
        *,
        owner: str | None = None,
        lease: timedelta = DEFAULT_LEASE,
        poll: float = 1.0,
        retry_in: Callable[[Job, BaseException], timedelta | None] | None = None,
        idle: Callable[[], object] | None = None,
    ) -> None:
        self.queue = queue
        self.idle = idle
        self.handlers = dict(handlers)
        self.owner = owner or worker_id()
        self.lease = lease
        self.poll = poll
        self.retry_in = retry_in or _default_retry
        self.stopping = threading.Event()

    def stop(self) -> None:
        """Ask the worker to stop: the running job stops at its next item and goes back to the queue."""
        self.stopping.set()

    def run(self, *, until_idle: bool = False, max_jobs: int | None = None) -> WorkerStats:
        """Claim and run jobs until :meth:`stop` (or, with ``until_idle``, until none is claimable)."""
        stats = WorkerStats()
        while not self.stopping.is_set():
            if max_jobs is not None and len(stats.jobs) >= max_jobs:
                break
            try:
                job = self.queue.claim(self.owner, self.lease, tuple(self.handlers))
                if job is None:
                    self._run_idle()
                    if until_idle:
                        break
                    self.stopping.wait(self.poll)
                    continue
                stats.jobs.append(job.id)
                outcome = self.run_job(job)
            except StorageError as exc:  # the database is busy or away: its leases keep jobs safe
                log.warning("worker %s: %s; trying again", self.owner, exc)
                self.stopping.wait(max(self.poll, 1.0))
                continue
            setattr(stats, outcome, getattr(stats, outcome) + 1)
        return stats

    def _run_idle(self) -> None:
        if self.idle is None:
            return
        try:
            self.idle()
        except Exception:  # a failing side duty must not stop the jobs
            log.exception("worker %s: idle duty failed", self.owner)

    def run_job(self, job: Job) -> Outcome:
        """Run one claimed job to an outcome (the job row is updated accordingly)."""
        ctx = JobContext(job, self.stopping)
        beat = _Heartbeat(self.queue, ctx, self.owner, self.lease)
        beat.start()
        try:
            if job.cancel_requested:
                raise JobInterrupted("cancelled")
            result = self.handlers[job.kind](job, ctx)
        except JobInterrupted as stop:
            return self._interrupted(job, stop.reason)
        except Exception as exc:
            return self._failed(job, exc)
        finally:
            beat.finished.set()
            beat.join()
        done, total = ctx.snapshot()
        self.queue.heartbeat(job.id, self.owner, self.lease, done, total)
        return "done" if self.queue.finish(job.id, self.owner, result) else "lost"

    def _interrupted(self, job: Job, reason: StopReason) -> Outcome:
        if reason == "lost":
            log.warning("job %s: lease lost, left to its new owner", job.id)
            return "lost"
        if reason == "cancelled":
            return "cancelled" if self.queue.cancelled(job.id, self.owner) else "lost"
        return "released" if self.queue.release(job.id, self.owner) else "lost"

    def _failed(self, job: Job, exc: Exception) -> Outcome:
        message = str(exc) if isinstance(exc, ZhimeiError) else "".join(traceback.format_exception_only(exc))
        if not isinstance(exc, ZhimeiError):
            log.error("job %s (%s) failed:\n%s", job.id, job.kind, traceback.format_exc())
        retry = self.retry_in(job, exc)
        if not self.queue.fail(job.id, self.owner, message.strip()[:2000], retry_in=retry):
            return "lost"
        return "retried" if retry is not None and job.attempts < job.max_attempts else "failed"


def _default_retry(job: Job, exc: BaseException) -> timedelta | None:
    if getattr(exc, "retryable", False) or isinstance(exc, StorageError):
        return timedelta(seconds=30 * job.attempts)
    return None
