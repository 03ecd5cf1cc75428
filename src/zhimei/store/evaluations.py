"""Evaluation runs: one row per run, one row per scored case. Cases are added as they finish, so an
interrupted run keeps every case it completed and resumes from there."""

from __future__ import annotations

import json
import math
from datetime import datetime
from typing import Any

from pydantic import ValidationError
from sqlalchemy import (
    Boolean,
    Engine,
    Float,
    ForeignKey,
    Integer,
    RowMapping,
    String,
    Table,
    Text,
    func,
    select,
    update,
)
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, mapped_column

from zhimei.errors import DuplicateError, InputError, NotFoundError, StorageError
from zhimei.records import EvalCaseResult, EvalRun
from zhimei.store.db import begin_write, describe
from zhimei.store.schema import Base, UTCDateTime, json_column

__all__ = ["EVAL_CASES", "EVAL_RUNS", "EvalCaseRow", "EvalRunRow", "EvalStore"]


class EvalRunRow(Base):
    """One row per evaluation run: the fields of ``records.EvalRun``, nested values as JSON."""

    __tablename__ = "eval_runs"

    id: Mapped[str] = mapped_column(String, primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    kind: Mapped[str] = mapped_column(String(16))
    task_id: Mapped[str] = mapped_column(String, index=True)
    prompt_version: Mapped[str] = mapped_column(String)
    backend: Mapped[str] = mapped_column(String)
    model_requested: Mapped[str] = mapped_column(String)
    model_resolved: Mapped[str] = mapped_column(String)
    options: Mapped[dict[str, Any]] = mapped_column(json_column())
    dataset: Mapped[str] = mapped_column(String)
    dataset_hash: Mapped[str] = mapped_column(String)
    cases_planned: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(16))
    metrics: Mapped[dict[str, Any]] = mapped_column(json_column())
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


class EvalCaseRow(Base):
    """One row per scored case of a run (``refs`` holds ``EvalCaseResult.references``)."""

    __tablename__ = "eval_cases"

    run_id: Mapped[str] = mapped_column(
        String, ForeignKey("eval_runs.id", ondelete="CASCADE"), primary_key=True
    )
    case_id: Mapped[str] = mapped_column(String, primary_key=True)
    position: Mapped[int] = mapped_column(Integer)
    input: Mapped[dict[str, Any]] = mapped_column(json_column())
    refs: Mapped[list[str]] = mapped_column(json_column())
    output: Mapped[str | None] = mapped_column(Text, nullable=True)
    scores: Mapped[dict[str, Any]] = mapped_column(json_column())
    category: Mapped[str | None] = mapped_column(String, nullable=True)
    lang: Mapped[str] = mapped_column(String(8))
    generation_id: Mapped[str | None] = mapped_column(String, nullable=True)
    passed: Mapped[bool | None] = mapped_column(Boolean, nullable=True)
    attempts: Mapped[int] = mapped_column(Integer)
    usage: Mapped[dict[str, Any]] = mapped_column(json_column())
    seconds: Mapped[float] = mapped_column(Float)
    error: Mapped[str | None] = mapped_column(Text, nullable=True)


EVAL_RUNS: Table = EvalRunRow.__table__  # type: ignore[assignment]
EVAL_CASES: Table = EvalCaseRow.__table__  # type: ignore[assignment]


class EvalStore:
    """Repository of evaluation runs and their cases."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def start(self, run: EvalRun) -> EvalRun:
        """Store a new run, or return the stored one with the same id if it was made the same way.

        A stored run with this id but another task, system, dataset or options raises DuplicateError:
        results of different set-ups must never mix under one id.
        """
        row = _run_row(run)
        try:
            with begin_write(self.engine) as conn:
                conn.execute(EVAL_RUNS.insert(), row)
            return run
        except IntegrityError:
            stored = self.get(run.id)
        if _setup(stored) != _setup(run):
            raise DuplicateError(
                f"evaluation run {run.id!r} in the {describe(self.engine)} was made with another set-up",
                "choose another --run-id, or repeat the original options to resume it",
            )
        return stored

    def get(self, run_id: str) -> EvalRun:
        """The run with this id; NotFoundError if there is none."""
        with self.engine.connect() as conn:
            row = conn.execute(select(EVAL_RUNS).where(EVAL_RUNS.c.id == run_id)).mappings().first()
        if row is None:
            raise NotFoundError(
                f"no evaluation run {run_id!r} in the {describe(self.engine)}", "list them: zhimei eval list"
            )
        return _run_from_row(row)

    def runs(self, task_id: str | None = None, last: int = 50) -> list[EvalRun]:
        """The ``last`` newest runs, newest first, optionally of one task id."""
        query = select(EVAL_RUNS).order_by(EVAL_RUNS.c.created_at.desc(), EVAL_RUNS.c.id.desc()).limit(last)
        if task_id is not None:
            query = query.where(EVAL_RUNS.c.task_id == task_id)
        with self.engine.connect() as conn:
            return [_run_from_row(row) for row in conn.execute(query).mappings()]

    def add_case(self, result: EvalCaseResult) -> None:
        """Store one finished case. The same case twice raises DuplicateError (a run scores a case once)."""
        row = _case_row(result)
        try:
            with begin_write(self.engine) as conn:
                conn.execute(EVAL_CASES.insert(), row)
        except IntegrityError as exc:
            if result.case_id in self.done(result.run_id):
                raise DuplicateError(
                    f"case {result.case_id!r} of run {result.run_id!r} is already stored",
                    "a resumed run skips the cases it has",
                ) from exc
            raise NotFoundError(
                f"no evaluation run {result.run_id!r} in the {describe(self.engine)}",
                "start the run before adding cases",
            ) from exc

    def done(self, run_id: str) -> set[str]:
        """Ids of the cases of ``run_id`` already stored."""
        with self.engine.connect() as conn:
            query = select(EVAL_CASES.c.case_id).where(EVAL_CASES.c.run_id == run_id)
            return set(conn.execute(query).scalars())

    def cases(self, run_id: str) -> list[EvalCaseResult]:
        """Every stored case of ``run_id`` in dataset order."""
        query = select(EVAL_CASES).where(EVAL_CASES.c.run_id == run_id).order_by(EVAL_CASES.c.position)
        with self.engine.connect() as conn:
            return [_case_from_row(row) for row in conn.execute(query).mappings()]

    def count_cases(self, run_id: str) -> int:
        with self.engine.connect() as conn:
            query = select(func.count()).select_from(EVAL_CASES).where(EVAL_CASES.c.run_id == run_id)
            return int(conn.execute(query).scalar_one())

    def finish(self, run_id: str, metrics: dict[str, float], finished_at: datetime) -> EvalRun:
        """Mark the run finished with its aggregate metrics (again on a resumed run: the newest wins)."""
        _check_json(metrics, f"metrics of run {run_id!r}")
        with begin_write(self.engine) as conn:
            changed = conn.execute(
                update(EVAL_RUNS)
                .where(EVAL_RUNS.c.id == run_id)
                .values(status="finished", metrics=metrics, finished_at=finished_at)
            ).rowcount
        if not changed:
            raise NotFoundError(f"no evaluation run {run_id!r} in the {describe(self.engine)}")
        return self.get(run_id)


def _setup(run: EvalRun) -> tuple[Any, ...]:
    return (
        run.kind,
        run.task_id,
        run.prompt_version,
        run.backend,
        run.model_requested,
        run.model_resolved,
        run.options,
        run.dataset_hash,
        run.cases_planned,
    )


def _check_json(value: Any, what: str) -> None:
    def finite(v: Any) -> bool:
        if isinstance(v, float):
            return math.isfinite(v)
        if isinstance(v, dict):
            return all(isinstance(k, str) and finite(x) for k, x in v.items())
        if isinstance(v, list | tuple):
            return all(finite(x) for x in v)
        return v is None or isinstance(v, str | int | bool)

    if not finite(value):
        raise InputError(f"{what} hold values JSON cannot store (NaN, infinity, non-str keys)")
    json.dumps(value)


def _run_row(run: EvalRun) -> dict[str, Any]:
    row = run.model_dump(mode="json")
    _check_json(row, f"evaluation run {run.id!r}")
    row["created_at"] = run.created_at
    row["finished_at"] = run.finished_at
    return row


def _run_from_row(row: RowMapping) -> EvalRun:
    try:
        return EvalRun.model_validate(dict(row))
    except ValidationError as exc:
        raise StorageError(
            f"stored evaluation run {row.get('id')!r} does not match the current record format: {exc}",
            "upgrade the database with zhimei.store.upgrade(engine)",
        ) from exc


def _case_row(result: EvalCaseResult) -> dict[str, Any]:
    row = result.model_dump(mode="json")
    _check_json(row, f"case {result.case_id!r} of run {result.run_id!r}")
    row["refs"] = row.pop("references")
    return row


def _case_from_row(row: RowMapping) -> EvalCaseResult:
    data = dict(row)
    data["references"] = tuple(data.pop("refs"))
    try:
        return EvalCaseResult.model_validate(data)
    except ValidationError as exc:
        raise StorageError(
            f"stored case {row.get('case_id')!r} of run {row.get('run_id')!r} does not match the record "
            f"format: {exc}",
            "upgrade the database with zhimei.store.upgrade(engine)",
        ) from exc
