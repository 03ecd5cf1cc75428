"""Evaluation with the real embedded models: a 3-case run on the 0.5B pack, and USE embedding similarity."""

from __future__ import annotations

from pathlib import Path

import pytest

from zhimei.api import Zhimei
from zhimei.config import load_settings
from zhimei.evaluation import MetricSettings
from zhimei.evaluation.embedding import SentenceEncoder

pytestmark = pytest.mark.model


def test_eval_run_on_three_cases_with_the_05b_model(embedded_05b, cases_jsonl: Path, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    # No retries and a short budget keep the test to a few generations on a shared CPU.
    flags = {"home": tmp_path / "home", "model": "qwen2.5-0.5b", "max_retries": 0}
    settings = load_settings(flags, environ={}, cwd=tmp_path)
    zm = Zhimei(settings, backend=embedded_05b)
    report = zm.eval_run("summary", cases_jsonl, limit=3, run_id="real-05b", options={"max_tokens": 120})
    run = report.run
    assert run.status == "finished" and run.model_resolved.endswith(
        "1d9614638d18024d0fbb36575a15f1302a3adf044df10345688ec4f6e1c4ff32"
    )
    assert len(report.cases) == 3 and all(c.output for c in report.cases)
    assert all(c.usage.completion_tokens > 0 and c.seconds > 0 for c in report.cases)
    assert 0 < run.metrics["rougeL"] <= 100 and run.metrics["tokens_per_s"] > 0
    assert report.cases[0].lang == "zh" and report.cases[0].scores["rouge1"] > 10  # Chinese is not scored 0
    assert len(zm.log(10)) >= 3  # every generation is logged


def test_embedding_similarity_with_the_encoder_pack(models_dir: Path) -> None:
    encoder = SentenceEncoder(models_dir)
    same = encoder.similarity(
        "地铁12号线将于12月开通。", ["Metro line 12 opens in December.", "股市今日大跌。"]
    )
    other = encoder.similarity("地铁12号线将于12月开通。", ["股市今日大跌。"])
    assert same > other and 0.5 < same <= 1.0001


def test_embedding_metric_in_a_run(settings, cases_jsonl: Path, models_dir: Path) -> None:  # type: ignore[no-untyped-def]
    path = cases_jsonl.parent / "p.jsonl"
    path.write_text(
        '{"input": "Rain closed schools.", "reference": "Schools shut by rain", '
        '"prediction": "Rain shut schools"}',
        "utf-8",
    )
    zm = Zhimei(settings)
    report = zm.eval_score(path, metrics=MetricSettings(embedding=True))
    assert report.cases[0].scores["embedding"] > 0.6
