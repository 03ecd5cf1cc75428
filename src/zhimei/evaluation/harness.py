"""Evaluation runs: produce an output for every case (a model through run_task, a baseline, or outputs
given), score it, and store it at once, so an interrupted run resumes where it stopped.

A run's id names its set-up. Re-running with the same id skips the cases already stored; a different
set-up under that id is refused. Without an explicit id, the id is derived from the set-up, so running
the same command again resumes the same run.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from zhimei.backends.base import Backend
from zhimei.errors import InputError
from zhimei.evaluation.baselines import run_baseline
from zhimei.evaluation.datasets import Dataset, EvalCase
from zhimei.evaluation.scoring import MetricSettings, Scorer, aggregate
from zhimei.generation import GenerationSink, Listener, run_task
from zhimei.records import CheckResult, EvalCaseResult, EvalRun, GenerationOptions, TaskParams, Usage, utcnow
from zhimei.store.evaluations import EvalStore
from zhimei.tasks.base import Task

__all__ = [
    "EvalReport",
    "ModelSetup",
    "Produced",
    "Progress",
    "default_run_id",
    "evaluate_baseline",
    "evaluate_model",
    "score_outputs",
]

Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class EvalReport:
    """A run and its cases, as stored."""

    run: EvalRun
    cases: tuple[EvalCaseResult, ...]

    def to_json(self) -> dict[str, Any]:
        """The run, its aggregate metrics and every case (input, output, references, scores)."""
        return {
            "run": self.run.model_dump(mode="json", exclude={"metrics"}),
            "metrics": self.run.metrics,
            "cases": [c.model_dump(mode="json", exclude={"run_id"}) for c in self.cases],
        }


@dataclass(frozen=True)
class Produced:
    """What a system produced for one case, with its cost."""

    output: str | None
    generation_id: str | None = None
    passed: bool | None = None
    attempts: int = 0
    usage: Usage = field(default_factory=Usage)
    seconds: float = 0.0
    error: str | None = None
    checks: tuple[CheckResult, ...] | None = None


def default_run_id(task_id: str, system: str, setup: dict[str, Any]) -> str:
    """``task-system-hash``: the same set-up on the same data gets the same id (and so resumes)."""
    digest = hashlib.sha256(json.dumps(setup, sort_keys=True, default=str).encode()).hexdigest()[:10]
    slug = re.sub(r"[^A-Za-z0-9_.+-]+", "-", Path(system).name.removesuffix(".gguf")).strip("-")
    return f"{task_id}-{slug or 'system'}-{digest}"


def _new_run(
    run_id: str | None,
    *,
    kind: Literal["model", "baseline", "scored"],
    task_id: str,
    prompt_version: str,
    backend: str,
    system: str,
    resolved: str,
    options: dict[str, Any],
    data: Dataset,
    ident: dict[str, Any] | None = None,
) -> EvalRun:
    setup = {**options, **(ident or {}), "data": data.hash}
    return EvalRun(
        id=run_id or default_run_id(task_id, system, setup),
        created_at=utcnow(),
        kind=kind,
        task_id=task_id,
        prompt_version=prompt_version,
        backend=backend,
        model_requested=system,
        model_resolved=resolved,
        options=options,
        dataset=data.name,
        dataset_hash=data.hash,
        cases_planned=len(data.cases),
    )


def _check_inputs(task: Task[Any], dataset: Dataset) -> None:
    for case in dataset.cases:
        if not isinstance(case.input, task.input_type):
            kind = "data records" if task.input_type.__name__ == "RecordInput" else "articles"
            raise InputError(
                f"task {task.id} needs {kind}; case {case.id!r} of {dataset.name} is not one",
                "choose the task that fits the dataset",
            )


def _execute(
    store: EvalStore,
    run: EvalRun,
    dataset: Dataset,
    produce: Callable[[EvalCase], Produced],
    scorer: Scorer,
    progress: Progress | None,
) -> EvalReport:
    run = store.start(run)
    done = store.done(run.id)
    total = len(dataset.cases)
    finished = sum(1 for c in dataset.cases if c.id in done)
    if progress:
        progress(finished, total)
    for position, case in enumerate(dataset.cases):
        if case.id in done:
            continue
        made = produce(case)
        store.add_case(
            EvalCaseResult(
                run_id=run.id,
                case_id=case.id,
                position=position,
                input=case.input.model_dump(mode="json"),
                references=case.references,
                output=made.output,
                scores=scorer.score(case, made.output, made.checks),
                category=case.category,
                lang=case.lang,
                generation_id=made.generation_id,
                passed=made.passed,
                attempts=made.attempts,
                usage=made.usage,
                seconds=made.seconds,
                error=made.error,
            )
        )
        finished += 1
        if progress:
            progress(finished, total)
    cases = store.cases(run.id)
    return EvalReport(store.finish(run.id, aggregate(cases), utcnow()), tuple(cases))


@dataclass(frozen=True)
class ModelSetup:
    """How a model run generates: backend, sampling, task parameters, retries, and where generations go."""

    backend: Backend
    model_requested: str
    options: dict[str, Any]
    params: TaskParams
    max_retries: int
    sink: GenerationSink | None = None


def _model_producer(task: Task[Any], setup: ModelSetup) -> Callable[[EvalCase], Produced]:
    def produce(case: EvalCase) -> Produced:
        opts = GenerationOptions(**{"max_tokens": task.max_tokens(case.input, setup.params), **setup.options})
        try:
            gen = run_task(
                task,
                case.input,
                setup.params,
                setup.backend,
                opts,
                max_retries=setup.max_retries,
                model_requested=setup.model_requested,
                sink=setup.sink,
                listener=Listener(),
            )
        except InputError as exc:  # this input cannot be generated from (too long …): score it as empty
            return Produced(output=None, error=exc.message)
        return Produced(
            output=gen.output.text if gen.output else None,
            generation_id=gen.id,
            passed=gen.passed,
            attempts=gen.attempts,
            usage=gen.usage,
            seconds=gen.timings.total_s,
            error=None if gen.output else "no output passed parsing",
            checks=gen.checks_final,
        )

    return produce


def evaluate_model(
    dataset: Dataset,
    task: Task[Any],
    setup: ModelSetup,
    store: EvalStore,
    *,
    metrics: MetricSettings,
    models_dir: Path,
    run_id: str | None = None,
    limit: int | None = None,
    progress: Progress | None = None,
) -> EvalReport:
    """Generate with ``task`` through ``setup.backend`` for every case (each checked, retried and logged
    like any generation), score and store it; resumes a stored run with the same id."""
    data = dataset.head(limit)
    _check_inputs(task, data)
    options = {
        "generation": setup.options,
        "params": setup.params.model_dump(mode="json", exclude_unset=True),
        "max_retries": setup.max_retries,
        "limit": limit,
        "metrics": metrics.as_dict(),
    }
    ident = {"prompt": task.prompt_version, "backend": setup.backend.name, "model": setup.model_requested}
    run = _new_run(
        run_id,
        kind="model",
        task_id=task.id,
        prompt_version=task.prompt_version,
        backend=setup.backend.name,
        system=setup.model_requested,
        resolved=setup.backend.model_id,
        options=options,
        data=data,
        ident=ident,
    )
    scorer = Scorer(metrics, task=task, params=setup.params, models_dir=models_dir)
    return _execute(store, run, data, _model_producer(task, setup), scorer, progress)


def evaluate_baseline(
    dataset: Dataset,
    task: Task[Any],
    baseline: str,
    store: EvalStore,
    *,
    metrics: MetricSettings,
    models_dir: Path,
    params: TaskParams | None = None,
    run_id: str | None = None,
    limit: int | None = None,
    progress: Progress | None = None,
) -> EvalReport:
    """Score classic baseline ``baseline`` of ``task`` (lead-n, TextRank, template) on the dataset."""
    data = dataset.head(limit)
    _check_inputs(task, data)
    params = params or TaskParams()
    options = {
        "params": params.model_dump(mode="json", exclude_unset=True),
        "limit": limit,
        "metrics": metrics.as_dict(),
    }
    run = _new_run(
        run_id,
        kind="baseline",
        task_id=task.id,
        prompt_version=baseline,
        backend="baseline",
        system=baseline,
        resolved=baseline,
        options=options,
        data=data,
    )

    def produce(case: EvalCase) -> Produced:
        text = run_baseline(task.id, baseline, case.input)
        return Produced(output=text or None, error=None if text else "the baseline produced nothing")

    scorer = Scorer(metrics, task=task, params=params, models_dir=models_dir)
    return _execute(store, run, data, produce, scorer, progress)


def score_outputs(
    dataset: Dataset,
    store: EvalStore,
    *,
    metrics: MetricSettings,
    models_dir: Path,
    task: Task[Any] | None = None,
    system: str = "given",
    run_id: str | None = None,
    limit: int | None = None,
    progress: Progress | None = None,
) -> EvalReport:
    """Score the ``prediction`` of every case as given (outputs made elsewhere) and store the run."""
    data = dataset.head(limit)
    missing = [c.id for c in data.cases if c.prediction is None]
    if missing:
        raise InputError(
            f"{len(missing)} cases of {data.name} have no prediction (first: {missing[0]!r})",
            "give every case a prediction field to score",
        )
    if task is not None:
        _check_inputs(task, data)
    task_id = task.id if task is not None else "any"
    options = {"limit": limit, "metrics": metrics.as_dict()}
    run = _new_run(
        run_id,
        kind="scored",
        task_id=task_id,
        prompt_version=task.prompt_version if task is not None else "",
        backend="given",
        system=system,
        resolved=system,
        options=options,
        data=data,
    )
    scorer = Scorer(metrics, task=task, models_dir=models_dir)
    return _execute(store, run, data, lambda c: Produced(output=c.prediction or None), scorer, progress)
