"""--batch against a real llama-cpp-python server (0.5B pack), with concurrent requests."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.model import test_openai_llama_server as llama_server
from zhimei.api import Zhimei
from zhimei.backends.openai import OpenAIBackend
from zhimei.config import Settings

pytestmark = pytest.mark.model

# The same llama_cpp.server subprocess (0.5B pack, loopback) as the backend's own tests.
server_url = llama_server.server_url


@pytest.fixture(scope="module", autouse=True)
def _no_interrupts() -> Iterator[None]:
    # llama_cpp.server serves one request at a time, and by default a new request interrupts the
    # one streaming (that reply ends early, with [DONE]): switched off through its environment.
    with pytest.MonkeyPatch.context() as env:
        env.setenv("INTERRUPT_REQUESTS", "False")
        yield


def test_batch_with_concurrent_requests_to_a_server(
    server_url: str, settings: Settings, tmp_path: Path
) -> None:
    rows = [
        {"text": "国家统计局18日发布数据显示，前三季度国内生产总值同比增长4.8%。", "id": "gdp"},
        {"text": "The city council voted 7-2 on Tuesday to approve a $4.8 billion budget.", "id": "budget"},
        {"text": "市轨道交通集团宣布，地铁12号线将于12月28日开通运营，全长29.6公里。", "id": "metro"},
    ]
    src = tmp_path / "in.jsonl"
    src.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    out = tmp_path / "out.jsonl"
    with OpenAIBackend(server_url, context_size=llama_server.N_CTX, timeout=300.0) as backend:
        zm = Zhimei(settings, backend=backend)
        summary = zm.generate_batch("headline", src, out, concurrency=2, options={"max_tokens": 24})
        assert (summary.done, summary.failed, summary.skipped) == (3, 0, 0)
        lines = {line["id"]: line for line in map(json.loads, out.read_text("utf-8").splitlines())}
        assert set(lines) == {"gdp", "budget", "metro"} and all(line["output"] for line in lines.values())
        assert all(line["usage"]["completion_tokens"] > 0 for line in lines.values())
        assert len(zm.log(10)) == 3
        again = zm.generate_batch("headline", src, out, concurrency=2, options={"max_tokens": 24})
        assert again.skipped == 3
        # One at a time gives the same replies: none was cut short by the other requests.
        alone = tmp_path / "alone.jsonl"
        zm.generate_batch("headline", src, alone, concurrency=1, options={"max_tokens": 24})
        outputs = {
            line["id"]: line["output"] for line in map(json.loads, alone.read_text("utf-8").splitlines())
        }
        assert outputs == {key: line["output"] for key, line in lines.items()}
