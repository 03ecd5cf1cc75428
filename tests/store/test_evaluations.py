"""EvalStore on SQLite and PostgreSQL: runs and cases round-trip, resuming, and refusing mixed set-ups."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from sqlalchemy import Engine, inspect, text

from zhimei.errors import DuplicateError, InputError, NotFoundError
from zhimei.records import EvalCaseResult, EvalRun, Usage
from zhimei.store import EvalStore
from zhimei.store.evaluations import EVAL_CASES

from .conftest import BASE_TIME, BEIJING

if TYPE_CHECKING:
    from .conftest import Databases


def _run(run_id: str = "run-1", *, minutes: int = 0, **changes: object) -> EvalRun:
    values: dict[str, object] = {
        "id": run_id,
        "created_at": (BASE_TIME + timedelta(minutes=minutes)).astimezone(BEIJING),
        "kind": "model",
        "task_id": "summary",
        "prompt_version": "summary.v1",
        "backend": "embedded",
        "model_requested": "qwen2.5-1.5b",
        "model_resolved": "cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046",
        "options": {
            "generation": {"temperature": 0.0, "seed": 0},
            "limit": None,
            "metrics": {"zh_tokenizer": "char"},
        },
        "dataset": "cases.jsonl",
        "dataset_hash": "ab" * 32,
        "cases_planned": 3,
    }
    values.update(changes)
    return EvalRun.model_validate(values)


def _case(n: int, run_id: str = "run-1", **changes: object) -> EvalCaseResult:
    values: dict[str, object] = {
        "run_id": run_id,
        "case_id": f"c{n}",
        "position": n,
        "input": {"text": "国家统计局发布数据，工业增长5.3%。", "lang": "zh", "title": None},
        "references": ("工业增长5.3%", "工业增加值增长5.3%"),
        "output": "工业增长5.3%" if n != 1 else None,
        "scores": {"rougeL": 100.0 / (n + 1), "produced": float(n != 1), "figures": 1.0},
        "category": "经济" if n else None,
        "lang": "zh",
        "generation_id": f"gen-{n}",
        "passed": n % 2 == 0,
        "attempts": n + 1,
        "usage": Usage(prompt_tokens=120, completion_tokens=9),
        "seconds": 1.2345678901234,
        "error": None if n != 1 else "the input needs 5000 prompt tokens",
    }
    values.update(changes)
    return EvalCaseResult.model_validate(values)


def test_migration_creates_the_tables(engine: Engine) -> None:
    inspector = inspect(engine)
    assert {"eval_runs", "eval_cases"} <= set(inspector.get_table_names())
    assert inspector.get_pk_constraint("eval_cases")["constrained_columns"] == ["run_id", "case_id"]
    (fk,) = inspector.get_foreign_keys("eval_cases")
    assert fk["referred_table"] == "eval_runs" and fk["constrained_columns"] == ["run_id"]


def test_runs_and_cases_round_trip(engine: Engine) -> None:
    store = EvalStore(engine)
    run = _run()
    assert store.start(run) == run
    stored = store.get(run.id)
    assert stored == run and stored.created_at.utcoffset() == timedelta(0)
    cases = [_case(n) for n in (2, 0, 1)]  # stored out of order
    for case in cases:
        store.add_case(case)
    assert store.cases(run.id) == sorted(cases, key=lambda c: c.position)
    assert store.done(run.id) == {"c0", "c1", "c2"} and store.count_cases(run.id) == 3
    none = store.cases(run.id)[1]
    assert none.output is None and none.references == ("工业增长5.3%", "工业增加值增长5.3%")
    assert none.seconds == 1.2345678901234 and none.category == "经济"


def test_finish_records_metrics(engine: Engine) -> None:
    store = EvalStore(engine)
    store.start(_run())
    done = BASE_TIME + timedelta(hours=1)
    finished = store.finish("run-1", {"bleu": 41.25, "cases": 3.0}, done)
    assert finished.status == "finished" and finished.metrics == {"bleu": 41.25, "cases": 3.0}
    assert finished.finished_at == done
    with pytest.raises(InputError, match="NaN"):
        store.finish("run-1", {"bleu": float("nan")}, done)
    with pytest.raises(NotFoundError):
        store.finish("nope", {}, done)


def test_starting_again_resumes_only_the_same_setup(engine: Engine) -> None:
    store = EvalStore(engine)
    first = store.start(_run())
    # A later start of the same set-up returns the stored run (its original time), not a new one.
    assert store.start(_run(minutes=30)) == first
    for changes in ({"dataset_hash": "cd" * 32}, {"options": {"limit": 2}}, {"prompt_version": "summary.v2"}):
        with pytest.raises(DuplicateError, match="another set-up"):
            store.start(_run(**changes))


def test_cases_are_stored_once_and_need_their_run(engine: Engine) -> None:
    store = EvalStore(engine)
    store.start(_run())
    store.add_case(_case(0))
    with pytest.raises(DuplicateError, match="already stored"):
        store.add_case(_case(0, output="something else"))
    with pytest.raises(NotFoundError, match="start the run"):
        store.add_case(_case(0, run_id="missing"))
    with pytest.raises(InputError, match="JSON cannot store"):
        store.add_case(_case(5, scores={"rougeL": float("inf")}))
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM eval_cases")).scalar() == 1


def test_runs_newest_first_and_by_task(engine: Engine) -> None:
    store = EvalStore(engine)
    for i, task in enumerate(["summary", "brief", "summary"]):
        store.start(_run(f"run-{i}", minutes=i, task_id=task))
    assert [r.id for r in store.runs()] == ["run-2", "run-1", "run-0"]
    assert [r.id for r in store.runs("summary", last=1)] == ["run-2"]
    with pytest.raises(NotFoundError, match="eval list"):
        store.get("nope")


def test_deleting_a_run_deletes_its_cases(engine: Engine) -> None:
    store = EvalStore(engine)
    store.start(_run())
    store.add_case(_case(0))
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM eval_runs"))
        assert conn.execute(EVAL_CASES.select()).first() is None


def test_backup_and_restore_keep_runs_and_cases(engine: Engine, dbs: Databases, tmp_path: Path) -> None:
    from zhimei.store import backup, restore, upgrade

    store = EvalStore(engine)
    store.start(_run())
    for n in range(3):
        store.add_case(_case(n))
    store.finish("run-1", {"bleu": 12.5}, BASE_TIME)
    backup(engine, tmp_path / "eval.backup")
    target = dbs.engine(dbs.url("sqlite"))
    upgrade(target)
    counts = restore(target, tmp_path / "eval.backup").row_counts
    assert counts["eval_runs"] == 1 and counts["eval_cases"] == 3
    copy = EvalStore(target)
    assert copy.get("run-1") == store.get("run-1") and copy.cases("run-1") == store.cases("run-1")
