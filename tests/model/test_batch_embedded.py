"""Batched decoding in the embedded backend (0.5B pack): same greedy output, slots reused, batch runs."""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

from zhimei.api import Zhimei
from zhimei.backends.base import collect
from zhimei.config import Settings
from zhimei.records import ArticleInput, GenerationOptions, GenerationRequest, TaskParams
from zhimei.tasks import get_task

pytestmark = pytest.mark.model

STORIES = [
    (
        "zh",
        "市轨道交通集团昨日宣布，地铁12号线一期工程将于今年12月28日正式开通运营。该线路全长29.6公里，共设车站21座。",
    ),
    (
        "en",
        "The city council voted 7-2 on Tuesday night to approve a $4.8 billion budget "
        "for the coming fiscal year.",
    ),
    ("zh", "国家统计局18日发布数据显示，前三季度国内生产总值为949746亿元，按不变价格计算，同比增长4.8%。"),
    (
        "en",
        "Northwind Technologies said on Wednesday it would cut about 1,800 jobs, "
        "or roughly 9 percent of its staff.",
    ),
    ("zh", "受强降雨影响，省防汛抗旱指挥部于7月15日20时将防汛应急响应提升至Ⅲ级，已转移群众2.3万人。"),
]


def summary_requests(max_tokens: int, **options: Any) -> list[GenerationRequest]:
    task = get_task("summary")
    opts = GenerationOptions(max_tokens=max_tokens, **options)
    return [task.build(ArticleInput(text=t, lang=lang), TaskParams(), opts) for lang, t in STORIES]  # type: ignore[arg-type]


def one_at_a_time(backend: Any, reqs: list[GenerationRequest]) -> list[tuple[str, int, str | None]]:
    backend.llm.reset()  # each request then reuses the cached instructions of the one before
    done = [collect(backend.generate(r)) for r in reqs]
    return [(d.text, d.usage.completion_tokens, d.finish_reason) for d in done]


def test_three_greedy_sequences_decoded_together_equal_one_at_a_time(embedded_05b: Any) -> None:
    # Three zh prompts short enough that prompt + reply stay within 256 KV cells, where batches of
    # up to 3 rows are bit-exact (zhimei.backends.batched); the decoder copies the first prompt's
    # cached instructions to the other slots, as one-at-a-time generation reuses them.
    reqs = [r for r, (lang, _) in zip(summary_requests(40), STORIES, strict=True) if lang == "zh"]
    alone = one_at_a_time(embedded_05b, reqs)
    with embedded_05b.batching(3), ThreadPoolExecutor(3) as pool:
        decoder = embedded_05b._batched
        done = list(pool.map(lambda r: collect(embedded_05b.generate(r)), reqs))
        assert decoder.stats.copied_prefixes == 2 and decoder.stats.reused_tokens > 100
    together = [(d.text, d.usage.completion_tokens, d.finish_reason) for d in done]
    assert together == alone
    assert all(text for text, _, _ in together)


def test_slots_are_reused_and_stop_strings_end_a_sequence(embedded_05b: Any) -> None:
    reqs = summary_requests(24)[:4]
    stopped = reqs[1].model_copy(update={"options": reqs[1].options.model_copy(update={"stop": (" ",)})})
    sampled = reqs[2].model_copy(
        update={"options": reqs[2].options.model_copy(update={"temperature": 0.8, "seed": 3})}
    )
    work = [reqs[0], stopped, sampled, reqs[3]]
    with embedded_05b.batching(2), ThreadPoolExecutor(4) as pool:  # 4 requests through 2 slots
        done = list(pool.map(lambda r: collect(embedded_05b.generate(r)), work))
        decoder = embedded_05b._batched
        assert decoder.stats.by_rows and max(decoder.stats.by_rows) <= 2
    assert done[1].finish_reason == "stop" and " " not in done[1].text
    assert all(0 < d.usage.completion_tokens <= 24 for d in done)
    assert all(d.text for d in done[::2])
    assert embedded_05b._batched is None  # the session closed; one-at-a-time generation is back


def test_a_batch_file_through_the_embedded_backend(
    embedded_05b: Any, settings: Settings, tmp_path: Path
) -> None:
    rows = [{"text": t, "lang": lang, "id": i} for i, (lang, t) in enumerate(STORIES[:3])]
    src = tmp_path / "in.jsonl"
    src.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    zm = Zhimei(settings, backend=embedded_05b)
    out = tmp_path / "out.jsonl"
    summary = zm.generate_batch("headline", src, out, concurrency=3, options={"max_tokens": 24})
    assert (summary.done, summary.failed) == (3, 0)
    lines = [json.loads(line) for line in out.read_text("utf-8").splitlines()]
    assert sorted(line["id"] for line in lines) == [0, 1, 2] and all(line["output"] for line in lines)
    assert zm.generate_batch("headline", src, out, concurrency=3, options={"max_tokens": 24}).skipped == 3
