"""The job worker in-process: outcomes (done, cancelled, handed back, lost, retried, failed), the
ingest and draft handlers, and scheduled polling."""

from __future__ import annotations

import threading
import time
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import update

from tests.intake.conftest import EN_FOOTBALL, ZH_TYPHOON
from zhimei.api import Zhimei
from zhimei.errors import BackendError, InputError
from zhimei.intake.service import due
from zhimei.jobs import JobContext, Worker
from zhimei.records import Job, utcnow
from zhimei.store.intake_schema import JOBS
from zhimei.store.jobs import JobQueue

FAST = timedelta(seconds=0.3)  # heartbeats every 0.1 s


def looping(items: int, seen: list[int], each: float = 0.05):  # type: ignore[no-untyped-def]
    """A handler that works through ``items`` items, checking for a stop between them."""

    def handler(job: Job, ctx: JobContext) -> dict[str, int]:
        for n in range(items):
            ctx.check()
            time.sleep(each)
            seen.append(n)
            ctx.progress(n + 1, items)
        return {"items": items}

    return handler


def test_a_job_runs_to_done_with_its_progress(zm: Zhimei) -> None:
    seen: list[int] = []
    queue = JobQueue(zm.engine)
    job = queue.enqueue("loop", "loop-1")
    stats = Worker(queue, {"loop": looping(3, seen)}, lease=FAST).run(until_idle=True)
    done = queue.get(job.id)
    assert (stats.done, done.state, done.result) == (1, "done", {"items": 3})
    assert (done.progress_done, done.progress_total, done.lease_owner) == (3, 3, None)


def test_idle_duties_run_on_an_empty_queue_and_their_failures_are_not_fatal(zm: Zhimei) -> None:
    seen: list[int] = []
    calls: list[str] = []

    def duty() -> None:
        calls.append("idle")
        if len(calls) == 1:
            raise RuntimeError("the feed of published items is locked")

    queue = JobQueue(zm.engine)
    queue.enqueue("loop", "loop-1")
    worker = Worker(queue, {"loop": looping(2, seen)}, lease=FAST, idle=duty)
    assert worker.run(until_idle=True).done == 1 and calls == [
        "idle"
    ]  # after the job, once the queue is empty
    assert worker.run(until_idle=True).done == 0 and calls == ["idle", "idle"]


def test_cancel_stops_a_running_job_at_an_item_boundary(zm: Zhimei) -> None:
    seen: list[int] = []
    queue = JobQueue(zm.engine)
    job = queue.enqueue("loop", "loop-cancel")
    worker = Worker(queue, {"loop": looping(100, seen)}, lease=FAST)
    thread = threading.Thread(target=worker.run, kwargs={"until_idle": True})
    thread.start()
    while len(seen) < 3:
        time.sleep(0.01)
    queue.cancel(job.id)
    thread.join(10)
    assert queue.get(job.id).state == "cancelled" and 3 <= len(seen) < 100


def test_stopping_the_worker_hands_the_job_back(zm: Zhimei) -> None:
    seen: list[int] = []
    queue = JobQueue(zm.engine)
    job = queue.enqueue("loop", "loop-stop")
    worker = Worker(queue, {"loop": looping(100, seen)}, lease=FAST)
    thread = threading.Thread(target=worker.run)
    thread.start()
    while not seen:
        time.sleep(0.01)
    worker.stop()
    thread.join(10)
    back = queue.get(job.id)
    assert (back.state, back.attempts, back.lease_owner) == ("queued", 0, None)
    rest: list[int] = []
    Worker(queue, {"loop": looping(2, rest)}).run(until_idle=True)
    assert queue.get(job.id).state == "done"


def test_a_worker_that_lost_its_lease_leaves_the_job_alone(zm: Zhimei) -> None:
    seen: list[int] = []
    queue = JobQueue(zm.engine)
    job = queue.enqueue("loop", "loop-lost")
    worker = Worker(queue, {"loop": looping(100, seen)}, lease=FAST)
    thread = threading.Thread(target=worker.run, kwargs={"until_idle": True})
    thread.start()
    while not seen:
        time.sleep(0.01)
    with zm.engine.begin() as conn:  # another worker took it over meanwhile
        conn.execute(update(JOBS).where(JOBS.c.id == job.id).values(lease_owner="other"))
    thread.join(10)
    after = queue.get(job.id)
    assert (after.state, after.lease_owner) == ("running", "other") and len(seen) < 100


def test_failures_are_retried_when_they_may_pass_and_failed_otherwise(zm: Zhimei) -> None:
    queue = JobQueue(zm.engine)

    def flaky(job: Job, ctx: JobContext) -> None:
        raise BackendError("the model server is down", "start it")

    def broken(job: Job, ctx: JobContext) -> None:
        raise InputError("the story has no text")

    def buggy(job: Job, ctx: JobContext) -> None:
        raise KeyError("story")

    from zhimei.intake.service import retry_in

    a, b, c = (queue.enqueue(kind, kind) for kind in ("flaky", "broken", "buggy"))
    stats = Worker(queue, {"flaky": flaky, "broken": broken, "buggy": buggy}, retry_in=retry_in).run(
        until_idle=True
    )
    assert (stats.retried, stats.failed) == (1, 2)
    retried = queue.get(a.id)
    assert retried.state == "queued" and retried.run_after > utcnow() and "down" in (retried.error or "")
    assert queue.get(b.id).state == "failed" and queue.get(b.id).error == "the story has no text"
    assert queue.get(c.id).state == "failed" and "KeyError" in (queue.get(c.id).error or "")


def test_ingest_and_draft_jobs_through_the_worker(zm: Zhimei, tmp_path: Path) -> None:
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    (inbox / "a.txt").write_text("\n".join(ZH_TYPHOON), encoding="utf-8")
    (inbox / "b.txt").write_text("\n".join(EN_FOOTBALL), encoding="utf-8")
    zm.sources_add("folder", str(inbox), name="inbox")
    job = zm.ingest_queue("inbox")
    assert job.kind == "ingest" and job.payload == {"source": "inbox"}
    stats = zm.work(until_idle=True)
    assert (stats.done, stats.failed) == (5, 0)  # the pass, then two drafts for each of two stories
    result = zm.job_queue.get(job.id).result
    assert result is not None and result["sources"][0]["new"] == 2
    assert all(len(zm.story(s.id).drafts) == 2 for s in zm.stories_list())


def test_sources_are_polled_when_due_and_queued_once(zm: Zhimei, tmp_path: Path) -> None:
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    (inbox / "a.txt").write_text("\n".join(EN_FOOTBALL), encoding="utf-8")
    source = zm.sources_add("folder", str(inbox), name="inbox", every="10m")
    service = zm.intake_service
    now = utcnow()
    assert due(source, now)
    [job] = service.schedule(now)
    assert job.payload == {"source": "inbox"} and job.key.startswith("ingest:inbox:")
    assert service.schedule(now) == []  # one is queued already
    zm.work(until_idle=True)
    polled = zm.intake.sources.get("inbox")
    assert polled.last_status == "ok" and not due(polled, utcnow())
    assert due(polled, utcnow() + timedelta(minutes=11))
    failing = polled.model_copy(update={"failures": 3})
    assert not due(failing, utcnow() + timedelta(minutes=11))  # backs off: 10m × 2³
    assert due(failing, utcnow() + timedelta(minutes=81))
    assert not due(polled.model_copy(update={"enabled": False}), utcnow() + timedelta(days=1))


def test_watch_polls_and_works_until_stopped(zm: Zhimei, tmp_path: Path) -> None:
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    (inbox / "a.txt").write_text("\n".join(EN_FOOTBALL), encoding="utf-8")
    zm.sources_add("folder", str(inbox), name="inbox", every="1s")
    zm.intake.draft_tasks = ()
    worker = zm.worker(lease=5, poll=0.05)
    thread = threading.Thread(target=zm.watch, args=(worker,), kwargs={"tick": 0.1})
    thread.start()
    deadline = time.monotonic() + 10
    while len(zm.jobs_list(kind="ingest")) < 2 and time.monotonic() < deadline:
        time.sleep(0.05)
    worker.stop()
    thread.join(10)
    assert not thread.is_alive()
    ingests = zm.jobs_list(kind="ingest")
    assert len(ingests) >= 2 and all(j.state in ("done", "queued") for j in ingests)
    assert len(zm.stories_list()) == 1


@pytest.mark.parametrize("state", ["queued", "running"])
def test_jobs_cancel_through_the_api(zm: Zhimei, state: str) -> None:
    job = zm.job_queue.enqueue("ingest", f"cancel-{state}")
    if state == "running":
        assert zm.job_queue.claim("w", timedelta(seconds=30)) is not None
    cancelled = zm.jobs_cancel(job.id)
    assert cancelled.cancel_requested and cancelled.state == ("cancelled" if state == "queued" else "running")
