"""Jobs: long work (ingest runs, auto-drafts, later training and media renders) run by workers.

The queue lives in the store (:mod:`zhimei.store.jobs`: idempotency keys, leases, progress,
cancel); :mod:`zhimei.jobs.worker` claims jobs and runs the handler of each job's kind, keeping its
lease alive with a heartbeat thread. Handlers come from the stages (see ``zhimei.api``).
"""

from zhimei.jobs.worker import (
    DEFAULT_LEASE,
    Handler,
    JobContext,
    JobInterrupted,
    Worker,
    WorkerStats,
    worker_id,
)

__all__ = ["DEFAULT_LEASE", "Handler", "JobContext", "JobInterrupted", "Worker", "WorkerStats", "worker_id"]
