"""The job queue: enqueue by idempotency key, claim with a lease, heartbeat, finish, cancel.

Claiming is one atomic UPDATE of the oldest claimable job: queued and due, or running with an
expired lease (its worker died). On SQLite the write lock taken at BEGIN IMMEDIATE serialises
claims; on PostgreSQL the candidate row is picked ``FOR UPDATE SKIP LOCKED``, so concurrent
workers never wait for each other or take the same job. A running job whose worker died too
often (``attempts`` reached ``max_attempts``) is failed instead of run again, and one whose
cancel was requested is cancelled: no job stays "running" without a live worker.
"""

from __future__ import annotations

import builtins
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from pydantic import ValidationError
from sqlalchemy import Connection, Engine, RowMapping, and_, func, or_, select, true, update
from sqlalchemy.exc import IntegrityError

from zhimei.errors import InputError, NotFoundError, StorageError
from zhimei.records import Job, JobState, utcnow
from zhimei.store.db import begin_write, describe
from zhimei.store.intake_schema import JOBS

__all__ = ["JobQueue", "enqueue"]

ACTIVE: tuple[JobState, ...] = ("queued", "running")


def _job(row: RowMapping) -> Job:
    try:
        return Job.model_validate(dict(row))
    except ValidationError as exc:
        raise StorageError(
            f"stored job {row.get('id')} does not match the current record format: {exc}",
            "upgrade the database with zhimei.store.upgrade(engine)",
        ) from exc


def enqueue(
    conn: Connection,
    kind: str,
    key: str,
    payload: dict[str, Any],
    *,
    priority: int = 0,
    max_attempts: int = 3,
    run_after: datetime | None = None,
) -> int | None:
    """Queue a job inside the caller's transaction; None if a job with this key exists already
    (whatever its state: a key names one piece of work, done once)."""
    if conn.execute(select(JOBS.c.id).where(JOBS.c.key == key)).scalar() is not None:
        return None
    now = utcnow()
    new_id = conn.execute(
        JOBS.insert()
        .values(
            kind=kind,
            key=key,
            payload=payload,
            state="queued",
            priority=priority,
            created_at=now,
            updated_at=now,
            run_after=run_after or now,
            progress_done=0,
            attempts=0,
            max_attempts=max_attempts,
            cancel_requested=False,
        )
        .returning(JOBS.c.id)
    ).scalar_one()
    return int(new_id)


class JobQueue:
    """Repository of :class:`~zhimei.records.Job` rows and the lease protocol of workers."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    # -- adding and reading -------------------------------------------------------------------
    def enqueue(
        self,
        kind: str,
        key: str,
        payload: dict[str, Any] | None = None,
        *,
        priority: int = 0,
        max_attempts: int = 3,
        run_after: datetime | None = None,
    ) -> Job:
        """Queue a job, or return the job already stored under ``key``."""
        if not key or len(key) > 400:
            raise InputError("a job key must be 1 to 400 characters", "derive it from what the job does")
        try:
            with begin_write(self.engine) as conn:
                enqueue(
                    conn,
                    kind,
                    key,
                    payload or {},
                    priority=priority,
                    max_attempts=max_attempts,
                    run_after=run_after,
                )
        except IntegrityError:  # PostgreSQL: another process queued the same key meanwhile
            pass
        return self.by_key(key)

    def get(self, job_id: int) -> Job:
        """The job with this id; NotFoundError if there is none."""
        with self.engine.connect() as conn:
            row = conn.execute(select(JOBS).where(JOBS.c.id == job_id)).mappings().first()
        if row is None:
            raise NotFoundError(
                f"no job {job_id} in the {describe(self.engine)}", "list them: zhimei jobs list"
            )
        return _job(row)

    def by_key(self, key: str) -> Job:
        with self.engine.connect() as conn:
            row = conn.execute(select(JOBS).where(JOBS.c.key == key)).mappings().first()
        if row is None:
            raise NotFoundError(f"no job with key {key!r}", "list them: zhimei jobs list")
        return _job(row)

    def list(self, *, states: Sequence[JobState] = (), kind: str | None = None, limit: int = 50) -> list[Job]:
        """The newest jobs first, optionally only those in ``states`` or of one ``kind``."""
        query = select(JOBS).order_by(JOBS.c.id.desc()).limit(limit)
        if states:
            query = query.where(JOBS.c.state.in_(list(states)))
        if kind is not None:
            query = query.where(JOBS.c.kind == kind)
        with self.engine.connect() as conn:
            return [_job(row) for row in conn.execute(query).mappings()]

    def active(self, kind: str, key_prefix: str) -> builtins.list[Job]:
        """Queued or running jobs of ``kind`` whose key starts with ``key_prefix``."""
        escaped = key_prefix.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        query = select(JOBS).where(
            JOBS.c.kind == kind, JOBS.c.state.in_(ACTIVE), JOBS.c.key.like(escaped + "%", escape="\\")
        )
        with self.engine.connect() as conn:
            return [_job(row) for row in conn.execute(query).mappings()]

    def counts(self) -> dict[str, int]:
        """How many jobs are in each state."""
        with self.engine.connect() as conn:
            rows = conn.execute(select(JOBS.c.state, func.count()).group_by(JOBS.c.state))
            return {state: int(n) for state, n in rows}

    # -- the worker's side ----------------------------------------------------------------------
    def claim(self, owner: str, lease: timedelta, kinds: Sequence[str] = ()) -> Job | None:
        """Take the next job for ``owner`` (queued and due, or running with an expired lease), or None.

        The job becomes ``running`` under ``owner`` until ``now + lease``; its attempts grow by one.
        """
        now = utcnow()
        kind_filter = JOBS.c.kind.in_(list(kinds)) if kinds else true()
        expired = and_(JOBS.c.state == "running", JOBS.c.lease_expires < now)
        with begin_write(self.engine) as conn:
            self._sweep(conn, now, expired, kind_filter)
            candidate = (
                select(JOBS.c.id)
                .where(kind_filter, or_(and_(JOBS.c.state == "queued", JOBS.c.run_after <= now), expired))
                .order_by(JOBS.c.priority.desc(), JOBS.c.id)
                .limit(1)
            )
            if conn.dialect.name == "postgresql":
                candidate = candidate.with_for_update(skip_locked=True)
            row = (
                conn.execute(
                    update(JOBS)
                    .where(JOBS.c.id == candidate.scalar_subquery())
                    .values(
                        state="running",
                        lease_owner=owner,
                        lease_expires=now + lease,
                        heartbeat_at=now,
                        attempts=JOBS.c.attempts + 1,
                        started_at=func.coalesce(JOBS.c.started_at, now),
                        updated_at=now,
                    )
                    .returning(*JOBS.c)
                )
                .mappings()
                .first()
            )
        return None if row is None else _job(row)

    def _sweep(self, conn: Connection, now: datetime, expired: Any, kind_filter: Any) -> None:
        """Settle running jobs whose worker died: cancelled if asked, failed if out of attempts."""
        conn.execute(
            update(JOBS)
            .where(kind_filter, expired, JOBS.c.cancel_requested.is_(True))
            .values(state="cancelled", finished_at=now, updated_at=now, lease_owner=None, lease_expires=None)
        )
        conn.execute(
            update(JOBS)
            .where(kind_filter, expired, JOBS.c.attempts >= JOBS.c.max_attempts)
            .values(
                state="failed",
                finished_at=now,
                updated_at=now,
                lease_owner=None,
                lease_expires=None,
                error="its worker stopped without finishing it, on every attempt",
            )
        )

    def heartbeat(
        self, job_id: int, owner: str, lease: timedelta, done: int | None = None, total: int | None = None
    ) -> tuple[bool, bool]:
        """Extend the lease (and store progress); returns (still ours, cancel requested)."""
        now = utcnow()
        values: dict[str, Any] = {"lease_expires": now + lease, "heartbeat_at": now, "updated_at": now}
        if done is not None:
            values["progress_done"] = done
        if total is not None:
            values["progress_total"] = total
        with begin_write(self.engine) as conn:
            ours = conn.execute(
                update(JOBS)
                .where(JOBS.c.id == job_id, JOBS.c.lease_owner == owner, JOBS.c.state == "running")
                .values(**values)
                .returning(JOBS.c.cancel_requested)
            ).first()
        return (ours is not None, bool(ours[0]) if ours is not None else False)

    def _settle(self, job_id: int, owner: str, **values: Any) -> bool:
        now = utcnow()
        with begin_write(self.engine) as conn:
            result = conn.execute(
                update(JOBS)
                .where(JOBS.c.id == job_id, JOBS.c.lease_owner == owner, JOBS.c.state == "running")
                .values(updated_at=now, lease_owner=None, lease_expires=None, **values)
            )
        return result.rowcount == 1

    def finish(self, job_id: int, owner: str, result: dict[str, Any] | None = None) -> bool:
        """Mark a job done; False if ``owner`` no longer holds it."""
        return self._settle(job_id, owner, state="done", finished_at=utcnow(), result=result, error=None)

    def fail(self, job_id: int, owner: str, error: str, *, retry_in: timedelta | None = None) -> bool:
        """Record a failure: queued again after ``retry_in`` while attempts remain, else failed."""
        job = self.get(job_id)
        if retry_in is not None and job.attempts < job.max_attempts and not job.cancel_requested:
            return self._settle(job_id, owner, state="queued", run_after=utcnow() + retry_in, error=error)
        return self._settle(job_id, owner, state="failed", finished_at=utcnow(), error=error)

    def release(self, job_id: int, owner: str) -> bool:
        """Give a running job back to the queue untouched (a worker shutting down); the attempt is
        not counted."""
        return self._settle(job_id, owner, state="queued", attempts=JOBS.c.attempts - 1)

    def cancelled(self, job_id: int, owner: str) -> bool:
        """Mark a running job cancelled (its handler stopped at a cancel request)."""
        return self._settle(job_id, owner, state="cancelled", finished_at=utcnow())

    def cancel(self, job_id: int) -> Job:
        """Cancel a job: a queued one at once, a running one at its next item boundary."""
        now = utcnow()
        with begin_write(self.engine) as conn:
            conn.execute(
                update(JOBS)
                .where(JOBS.c.id == job_id, JOBS.c.state == "queued")
                .values(state="cancelled", cancel_requested=True, finished_at=now, updated_at=now)
            )
            conn.execute(
                update(JOBS)
                .where(JOBS.c.id == job_id, JOBS.c.state == "running")
                .values(cancel_requested=True, updated_at=now)
            )
        return self.get(job_id)
