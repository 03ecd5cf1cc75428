"""Records of evaluation runs and their cases."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, Literal

from pydantic import AwareDatetime, Field, field_validator

from zhimei.records.base import Lang, Record
from zhimei.records.generation import Usage

__all__ = ["EvalCaseResult", "EvalRun"]


class EvalRun(Record):
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


class EvalCaseResult(Record):
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
