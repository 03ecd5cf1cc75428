"""Evaluation runs through the library facade on the scripted backend: stored, logged, resumable."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from zhimei.api import Zhimei
from zhimei.backends.scripted import ScriptedBackend
from zhimei.config import Settings
from zhimei.errors import DuplicateError, InputError, NotFoundError, UnknownNameError
from zhimei.evaluation import MetricSettings, prompt_versions, select_prompt
from zhimei.records import GenerationRequest
from zhimei.tasks import get_task

ZH_SUMMARY = "地铁12号线一期将于12月28日开通，全长29.6公里，设车站21座。"
EN_SUMMARY = "The council approved a $4.8 billion budget with a 3.5 percent tax rise."


def _reply(request: GenerationRequest) -> str:
    # A plausible model: Chinese for Chinese prompts, one grounded English sentence otherwise.
    user = request.messages[1].content
    if "地铁" in user:
        return ZH_SUMMARY
    if "schools" in user:
        return "Heavy rain closed 14 schools on Monday and classes resume on Wednesday."
    return EN_SUMMARY


def test_run_scores_stores_and_logs_every_case(settings: Settings, cases_jsonl: Path) -> None:
    zm = Zhimei(settings, backend=ScriptedBackend([_reply]))
    seen: list[tuple[int, int]] = []
    report = zm.eval_run("summary", cases_jsonl, progress=lambda done, total: seen.append((done, total)))
    run = report.run
    assert run.status == "finished" and run.kind == "model" and run.prompt_version == "summary.v1"
    assert run.backend == "scripted" and run.model_resolved == "scripted" and run.cases_planned == 3
    assert seen[0] == (0, 3) and seen[-1] == (3, 3)
    zh, en1, _ = report.cases
    assert zh.output == ZH_SUMMARY and zh.scores["rougeL"] == pytest.approx(100.0)
    assert en1.scores["rougeL"] == pytest.approx(100.0)  # identical to the first of two references
    assert zh.scores["grounding"] == 1.0 and zh.generation_id is not None and zh.attempts >= 1
    for name in (
        "bleu",
        "chrf",
        "rougeL",
        "grounding",
        "novelty",
        "within_limit",
        "seconds_per_case",
        "tokens_per_s",
    ):
        assert name in run.metrics, name
    assert run.metrics["cases"] == 3 and run.options["generation"]["temperature"] == 0.0
    assert {g.id for g in zm.log(10)} == {c.generation_id for c in report.cases}
    assert zm.eval_list()[0].id == run.id
    data = report.to_json()
    assert data["metrics"] == run.metrics and data["cases"][0]["input"]["text"].startswith("市轨道交通")
    json.dumps(data)  # printable as JSON


class Interrupt(Exception):
    pass


def test_an_interrupted_run_resumes_where_it_stopped(settings: Settings, cases_jsonl: Path) -> None:
    calls: list[str] = []

    def flaky(request: GenerationRequest) -> str:
        calls.append(request.messages[1].content)
        if "council" in calls[-1] and sum("council" in c for c in calls) == 1:
            raise Interrupt  # the process dies while generating case 2
        return _reply(request)

    zm = Zhimei(settings, backend=ScriptedBackend([flaky]))
    with pytest.raises(Interrupt):
        zm.eval_run("summary", cases_jsonl, run_id="r1")
    assert zm.eval_store.done("r1") == {"zh-1"} and zm.eval_store.get("r1").status == "running"
    report = zm.eval_run("summary", cases_jsonl, run_id="r1")
    assert [c.case_id for c in report.cases] == ["zh-1", "en-1", "en-2"]
    assert report.run.status == "finished"
    zh_calls = sum("地铁" in c for c in calls)
    assert zh_calls == report.cases[0].attempts  # case 1 was not generated again
    before = len(calls)
    again = zm.eval_run("summary", cases_jsonl, run_id="r1")
    assert again.cases == report.cases and len(calls) == before
    with pytest.raises(DuplicateError, match="another set-up"):
        zm.eval_run("summary", cases_jsonl, run_id="r1", limit=2)


def test_the_default_run_id_follows_the_setup(settings: Settings, cases_jsonl: Path) -> None:
    zm = Zhimei(settings, backend=ScriptedBackend([_reply]))
    a = zm.eval_run("summary", cases_jsonl, limit=1).run.id
    assert zm.eval_run("summary", cases_jsonl, limit=1).run.id == a
    assert zm.eval_run("summary", cases_jsonl, limit=2).run.id != a
    assert a.startswith("summary-")


def test_inputs_that_cannot_be_generated_are_scored_empty(settings: Settings, cases_jsonl: Path) -> None:
    zm = Zhimei(settings, backend=ScriptedBackend([_reply], context_size=400))
    report = zm.eval_run("summary", cases_jsonl)
    zh = report.cases[0]  # the Chinese prompt does not fit 400 tokens with the reply budget
    assert zh.output is None and zh.error and "context" in zh.error
    assert zh.scores["rougeL"] == 0.0 and zh.scores["produced"] == 0.0
    assert report.run.metrics["produced"] < 1


def test_task_and_dataset_must_fit(settings: Settings, cases_jsonl: Path, e2e_csv: Path) -> None:
    zm = Zhimei(settings, backend=ScriptedBackend([_reply]))
    with pytest.raises(InputError, match="task brief needs data records"):
        zm.eval_run("brief", cases_jsonl)
    with pytest.raises(InputError, match="needs articles"):
        zm.eval_baselines("summary", e2e_csv, fmt="e2e")


def test_prompt_versions() -> None:
    assert prompt_versions("summary") == ["summary.v1"]
    task = get_task("summary")
    assert select_prompt(task, None) is task and select_prompt(task, "summary.v1") is task
    with pytest.raises(UnknownNameError, match=r"summary\.v1") as info:
        select_prompt(task, "summary.v2")
    assert "summary.v2" in str(info.value)


def test_a_new_prompt_version_is_selected(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import zhimei.evaluation.prompts as prompts_module

    monkeypatch.setattr(prompts_module, "prompt_versions", lambda task_id: [f"{task_id}.v1", f"{task_id}.v2"])
    task = select_prompt(get_task("summary"), "v2")
    assert task.prompt_version == "summary.v2" and task.id == "summary"
    assert isinstance(task, type(get_task("summary")))


def test_baselines_and_comparison(settings: Settings, cases_jsonl: Path) -> None:
    zm = Zhimei(settings, backend=ScriptedBackend([_reply]))
    reports = zm.eval_baselines("summary", cases_jsonl)
    assert [r.run.model_requested for r in reports] == ["lead-1", "lead-3", "textrank-3"]
    lead1 = reports[0]
    assert (
        lead1.run.kind == "baseline"
        and lead1.cases[0].output
        and lead1.cases[0].output.startswith("市轨道交通")
    )
    assert lead1.cases[0].scores["novelty"] == 0.0  # an extract copies its source
    model = zm.eval_run("summary", cases_jsonl)
    comparison = zm.eval_compare(lead1.run.id, model.run.id, resamples=200)
    assert comparison.paired_cases == 3 and comparison.same_dataset
    rouge = next(d for d in comparison.deltas if d.metric == "rougeL")
    assert rouge.delta > 0 and rouge.mean_b == pytest.approx(model.run.metrics["rougeL"])
    with pytest.raises(NotFoundError):
        zm.eval_compare("nope", model.run.id)


def test_score_outputs_made_elsewhere(settings: Settings, tmp_path: Path) -> None:
    path = tmp_path / "pred.jsonl"
    rows = [
        {
            "input": "国家统计局发布数据，工业增长5.3%。",
            "reference": "工业增长5.3%",
            "prediction": "工业增长5.3%",
            "lang": "zh",
        },
        {
            "input": "Rain closed 14 schools.",
            "reference": "Rain shut schools",
            "prediction": "Rain closed 15 schools",
        },
    ]
    path.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in rows), encoding="utf-8")
    zm = Zhimei(settings)
    report = zm.eval_score(path, metrics=MetricSettings(zh_tokenizer="jieba"))
    zh, en = report.cases
    assert zh.scores["rougeL"] == pytest.approx(100.0) and zh.scores["grounding"] == 1.0
    assert en.scores["grounding"] == 0.0 and report.run.kind == "scored" and report.run.task_id == "any"
    assert "checks_passed" not in zh.scores  # no task, no task checks
    with_task = zm.eval_score(path, task_name="summary")
    assert "checks_passed" in with_task.cases[0].scores
    missing = tmp_path / "nopred.jsonl"
    missing.write_text(json.dumps({"input": "x", "reference": "y"}), encoding="utf-8")
    with pytest.raises(InputError, match="no prediction"):
        zm.eval_score(missing)


def test_template_baseline_on_e2e(settings: Settings, e2e_csv: Path) -> None:
    (report,) = Zhimei(settings).eval_baselines("brief", e2e_csv, fmt="e2e")
    assert report.run.model_requested == "template" and report.run.metrics["slot_coverage"] == 1.0
    eagle = report.cases[0]
    assert eagle.output == "The Eagle is a coffee shop. It is located in the riverside."
    assert eagle.category == "3 attributes" and eagle.scores["bleu"] > 0 and "checks_passed" in eagle.scores
