"""The job queue on SQLite and PostgreSQL: idempotent enqueue, atomic claims, leases, cancel."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from sqlalchemy import Engine, update

from zhimei.errors import InputError, NotFoundError
from zhimei.records import utcnow
from zhimei.store.intake_schema import JOBS
from zhimei.store.jobs import JobQueue

LEASE = timedelta(seconds=30)


@pytest.fixture
def queue(engine: Engine) -> JobQueue:
    return JobQueue(engine)


def expire(queue: JobQueue, job_id: int) -> None:
    """Make a running job look as if its worker died long ago."""
    with queue.engine.begin() as conn:
        conn.execute(
            update(JOBS).where(JOBS.c.id == job_id).values(lease_expires=utcnow() - timedelta(hours=1))
        )


def test_enqueue_is_idempotent_by_key(queue: JobQueue) -> None:
    first = queue.enqueue("draft", "draft:story-1:headline", {"story": 1})
    again = queue.enqueue("draft", "draft:story-1:headline", {"story": 99})
    assert again.id == first.id and again.payload == {"story": 1} and first.state == "queued"
    assert queue.counts() == {"queued": 1}
    with pytest.raises(InputError):
        queue.enqueue("draft", "")
    with pytest.raises(NotFoundError):
        queue.get(12345)


def test_claims_take_the_most_urgent_due_job_once(queue: JobQueue) -> None:
    low = queue.enqueue("draft", "a")
    high = queue.enqueue("ingest", "b", priority=1)
    later = queue.enqueue("draft", "c", run_after=utcnow() + timedelta(hours=1))
    claimed = queue.claim("w1", LEASE)
    assert claimed is not None and claimed.id == high.id and claimed.state == "running"
    assert claimed.lease_owner == "w1" and claimed.attempts == 1 and claimed.lease_expires is not None
    second = queue.claim("w2", LEASE, kinds=("draft",))
    assert second is not None and second.id == low.id
    assert queue.claim("w3", LEASE) is None  # "c" is not due yet
    assert queue.get(later.id).state == "queued"


def test_concurrent_workers_never_take_the_same_job(queue: JobQueue, engine: Engine) -> None:
    for n in range(30):
        queue.enqueue("draft", f"job-{n}")
    taken: list[int] = []
    lock = threading.Lock()
    errors: list[BaseException] = []

    def work(owner: str) -> None:
        mine = JobQueue(engine)
        try:
            while (job := mine.claim(owner, LEASE)) is not None:
                with lock:
                    taken.append(job.id)
                mine.finish(job.id, owner)
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(f"w{i}",)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert sorted(taken) == sorted(set(taken)) and len(taken) == 30
    assert queue.counts() == {"done": 30}


def test_a_dead_workers_job_is_taken_over_then_failed_when_out_of_attempts(queue: JobQueue) -> None:
    job = queue.enqueue("ingest", "once", max_attempts=2)
    assert queue.claim("dead-1", LEASE) is not None
    assert queue.claim("w", LEASE) is None  # the lease still holds
    expire(queue, job.id)
    taken = queue.claim("w", LEASE)
    assert taken is not None and taken.lease_owner == "w" and taken.attempts == 2
    assert not queue.finish(job.id, "dead-1")  # the dead worker's late result is refused
    expire(queue, job.id)
    assert queue.claim("w2", LEASE) is None
    failed = queue.get(job.id)
    assert failed.state == "failed" and "every attempt" in (failed.error or "") and failed.lease_owner is None


def test_heartbeat_extends_the_lease_and_reports_cancel_requests(queue: JobQueue) -> None:
    job = queue.enqueue("ingest", "beat")
    claimed = queue.claim("w", timedelta(seconds=1))
    assert claimed is not None and claimed.lease_expires is not None
    ours, cancel = queue.heartbeat(job.id, "w", LEASE, done=3, total=10)
    assert (ours, cancel) == (True, False)
    beaten = queue.get(job.id)
    assert beaten.lease_expires is not None and beaten.lease_expires > claimed.lease_expires
    assert (beaten.progress_done, beaten.progress_total) == (3, 10)
    assert queue.cancel(job.id).state == "running"
    assert queue.heartbeat(job.id, "w", LEASE) == (True, True)
    assert queue.heartbeat(job.id, "someone-else", LEASE) == (False, False)
    assert queue.cancelled(job.id, "w") and queue.get(job.id).state == "cancelled"


def test_cancel_release_and_retry(queue: JobQueue) -> None:
    queued = queue.enqueue("draft", "q")
    assert queue.cancel(queued.id).state == "cancelled"
    assert queue.claim("w", LEASE) is None

    job = queue.enqueue("draft", "r")
    assert queue.claim("w", LEASE) is not None
    assert queue.release(job.id, "w")
    released = queue.get(job.id)
    assert released.state == "queued" and released.attempts == 0 and released.lease_owner is None

    assert queue.claim("w", LEASE) is not None
    assert queue.fail(job.id, "w", "backend down", retry_in=timedelta(hours=1))
    retried = queue.get(job.id)
    assert retried.state == "queued" and retried.error == "backend down" and retried.run_after > utcnow()

    other = queue.enqueue("draft", "s", max_attempts=1)
    assert queue.claim("w", LEASE, kinds=("draft",)) is not None
    assert queue.fail(other.id, "w", "broken input", retry_in=timedelta(seconds=1))
    assert queue.get(other.id).state == "failed"  # no attempts left


def test_a_cancel_requested_on_a_dead_workers_job_cancels_it(queue: JobQueue) -> None:
    job = queue.enqueue("ingest", "dead-cancel")
    assert queue.claim("dead", LEASE) is not None
    queue.cancel(job.id)
    expire(queue, job.id)
    assert queue.claim("w", LEASE) is None
    assert queue.get(job.id).state == "cancelled"


def test_active_finds_queued_and_running_jobs_by_key_prefix(queue: JobQueue) -> None:
    queue.enqueue("ingest", "ingest:wire_1:1")
    queue.enqueue("ingest", "ingest:wire%:1")
    done = queue.enqueue("ingest", "ingest:wire_1:0")
    queue.cancel(done.id)
    assert [j.key for j in queue.active("ingest", "ingest:wire_1:")] == ["ingest:wire_1:1"]
    assert [j.key for j in queue.active("ingest", "ingest:wire%:")] == ["ingest:wire%:1"]
    assert queue.list(states=("cancelled",))[0].id == done.id
