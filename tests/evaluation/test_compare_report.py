"""Paired bootstrap comparison, and the offline HTML report with embedded plots."""

from __future__ import annotations

import base64
from html.parser import HTMLParser
from pathlib import Path

import pytest

from zhimei.api import Zhimei
from zhimei.backends.scripted import ScriptedBackend
from zhimei.config import Settings
from zhimei.errors import InputError
from zhimei.evaluation import compare_runs, paired_bootstrap
from zhimei.evaluation.report import render_html
from zhimei.records import EvalCaseResult, EvalRun, utcnow


def test_bootstrap_is_reproducible_and_brackets_the_delta() -> None:
    a = [0.1, 0.4, 0.35, 0.8, 0.5, 0.2, 0.6, 0.3]
    b = [x + 0.1 for x in a]
    delta, low, high, p_better = paired_bootstrap(a, b, resamples=500, seed=7)
    assert delta == pytest.approx(0.1) and low == pytest.approx(0.1) and high == pytest.approx(0.1)
    assert p_better == 1.0
    noisy = [x + d for x, d in zip(a, [0.3, -0.2, 0.1, -0.1, 0.2, -0.3, 0.05, 0.0], strict=True)]
    first = paired_bootstrap(a, noisy, resamples=500, seed=7)
    assert first == paired_bootstrap(a, noisy, resamples=500, seed=7)
    assert first != paired_bootstrap(a, noisy, resamples=500, seed=8)
    assert first[1] < first[0] < first[2] and first[1] < 0 < first[2]  # not significant either way
    assert 0 < first[3] < 1


@pytest.mark.parametrize(
    ("a", "b", "kwargs"),
    [
        ([], [], {}),
        ([1.0], [1.0, 2.0], {}),
        ([1.0], [2.0], {"confidence": 1.5}),
        ([1.0], [2.0], {"resamples": 0}),
    ],
)
def test_bootstrap_refuses_bad_input(a: list[float], b: list[float], kwargs: dict[str, float]) -> None:
    with pytest.raises(InputError):
        paired_bootstrap(a, b, **kwargs)  # type: ignore[arg-type]


def _run(run_id: str, dataset_hash: str = "h") -> EvalRun:
    return EvalRun(
        id=run_id,
        created_at=utcnow(),
        kind="baseline",
        task_id="summary",
        prompt_version="lead-1",
        backend="baseline",
        model_requested="lead-1",
        model_resolved="lead-1",
        dataset="d",
        dataset_hash=dataset_hash,
        cases_planned=3,
    )


def _case(run_id: str, case_id: str, rouge: float) -> EvalCaseResult:
    return EvalCaseResult(
        run_id=run_id,
        case_id=case_id,
        position=0,
        input={},
        references=("r",),
        output="o",
        scores={"rougeL": rouge},
        lang="en",
    )


def test_compare_pairs_cases_by_id() -> None:
    a = [_case("a", "1", 10), _case("a", "2", 20), _case("a", "3", 30)]
    b = [_case("b", "3", 40), _case("b", "1", 30), _case("b", "9", 99)]
    result = compare_runs(_run("a"), a, _run("b", "other"), b, resamples=100)
    assert result.paired_cases == 2 and not result.same_dataset
    (rouge,) = result.deltas
    assert rouge.n == 2 and rouge.mean_a == 20 and rouge.mean_b == 35 and rouge.delta == 15
    assert rouge.significant and result.to_json()["deltas"][0]["significant"] is True  # type: ignore[index]
    with pytest.raises(InputError, match="share no case"):
        compare_runs(_run("a"), a, _run("c"), [_case("c", "x", 1)])


class _Images(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.images: list[str] = []
        self.tables = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "img":
            self.images.append(dict(attrs)["src"] or "")
        self.tables += tag == "table"


def test_html_report_embeds_plots(settings: Settings, cases_jsonl: Path, tmp_path: Path) -> None:
    zm = Zhimei(settings, backend=ScriptedBackend(["<b>地铁</b> 12号线将于12月28日开通。"]))
    baseline = zm.eval_baselines("summary", cases_jsonl, only=["lead-1"])[0]
    model = zm.eval_run("summary", cases_jsonl)
    out = tmp_path / "report.html"
    zm.eval_report([baseline.run.id, model.run.id], html=out)
    html = out.read_text(encoding="utf-8")
    parser = _Images()
    parser.feed(html)
    assert len(parser.images) == 2 and parser.tables >= 4
    for src in parser.images:
        assert src.startswith("data:image/png;base64,")
        assert base64.b64decode(src.split(",", 1)[1]).startswith(b"\x89PNG\r\n\x1a\n")
    assert "&lt;b&gt;地铁&lt;/b&gt;" in html and "<b>地铁" not in html  # model output is escaped
    assert "vs " + baseline.run.id in html and "交通" in html
    assert "<script" not in html and "http" not in html.replace("http-equiv", "")  # nothing fetched
    with pytest.raises(InputError):
        render_html([])
