"""The contract every backend must pass. Subclass ``BackendContract`` and provide a ``backend`` fixture.

The backend fixture must produce short replies (tests use small max_tokens) and be deterministic at
temperature 0.
"""

from __future__ import annotations

import pytest

from zhimei.backends.base import Backend, collect
from zhimei.errors import ContextOverflowError
from zhimei.records import GenerationOptions, GenerationRequest, Message


def request(text: str = "用一句话介绍杭州。", **options: object) -> GenerationRequest:
    opts = GenerationOptions(**{"max_tokens": 24, "temperature": 0.0, "seed": 7, **options})  # type: ignore[arg-type]
    return GenerationRequest(
        messages=(Message(role="system", content="Be brief."), Message(role="user", content=text)),
        options=opts,
    )


class BackendContract:
    # Hooks a backend's test class may set.
    # True once the backend holds back text that may begin a stop sequence until it knows (a stop
    # sequence split across chunks must not appear even in part); every backend should.
    holds_back_stop_prefixes = False

    def test_is_a_backend(self, backend: Backend) -> None:
        assert isinstance(backend, Backend)
        assert backend.name
        assert backend.context_size > 0
        assert backend.model_id

    def test_stream_ends_with_one_final_chunk(self, backend: Backend) -> None:
        chunks = list(backend.generate(request()))
        assert chunks, "no chunks"
        assert chunks[-1].done
        assert not any(c.done for c in chunks[:-1])
        final = chunks[-1]
        assert final.usage is not None and final.usage.completion_tokens >= 1
        assert final.usage.prompt_tokens == backend.count_tokens(request())
        assert final.timings is not None and final.timings.total_s >= final.timings.first_token_s >= 0
        assert final.model_id == backend.model_id
        assert final.finish_reason in {"stop", "length"}
        assert "".join(c.text for c in chunks).strip()

    def test_max_tokens_is_a_ceiling(self, backend: Backend) -> None:
        done = collect(backend.generate(request("Write a long story about a city.", max_tokens=5)))
        assert 1 <= done.usage.completion_tokens <= 5

    def test_greedy_is_deterministic(self, backend: Backend) -> None:
        first = collect(backend.generate(request())).text
        second = collect(backend.generate(request())).text
        assert first == second

    def test_stop_sequence_is_not_emitted(self, backend: Backend) -> None:
        full = collect(backend.generate(request())).text
        assert len(full) >= 4
        stop = full[2:4]
        cut = collect(backend.generate(request(stop=(stop,)))).text
        assert stop not in cut
        assert full.startswith(cut)

    def test_counting_tokens_grows_with_the_prompt(self, backend: Backend) -> None:
        assert backend.count_tokens(request("a " * 50)) > backend.count_tokens(request("a"))

    def test_context_overflow_is_refused_before_sending(self, backend: Backend) -> None:
        huge = "新闻" * backend.context_size
        with pytest.raises(ContextOverflowError):
            next(iter(backend.generate(request(huge))))

    def test_stop_sequence_split_across_chunks(self, backend: Backend) -> None:
        chunks = [c.text for c in backend.generate(request()) if c.text]
        full = "".join(chunks)
        edge = next((i for i in range(1, len(chunks)) if chunks[i - 1].strip() and chunks[i].strip()), None)
        if edge is None:  # one chunk: no boundary to split a stop across
            assert not self.holds_back_stop_prefixes, "a streaming backend's reply came in one chunk"
            return
        stop = chunks[edge - 1][-1] + chunks[edge][0]
        cut = collect(backend.generate(request(stop=(stop,))))
        assert stop not in cut.text and full.startswith(cut.text)
        if self.holds_back_stop_prefixes:  # not even the stop's first part
            assert cut.text == full[: full.index(stop)] and cut.finish_reason == "stop"
