"""LlamaThread: every job on one thread, results and errors handed back, streams stoppable."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest

from zhimei.backends.llama_thread import LlamaThread


def test_calls_from_many_threads_run_on_one_thread_in_turn() -> None:
    worker = LlamaThread()
    with ThreadPoolExecutor(4) as pool:
        names = set(pool.map(lambda _: worker.call(lambda: threading.current_thread().name), range(12)))
    assert names == {"zhimei-llama"}
    assert worker.call(lambda: worker.call(lambda: 42)) == 42  # a job may call in without waiting on itself


def test_errors_reach_the_caller() -> None:
    worker = LlamaThread()

    def fail() -> None:
        raise ValueError("broken")

    with pytest.raises(ValueError, match="broken"):
        worker.call(fail)
    assert worker.call(lambda: "still working") == "still working"


def test_a_stream_yields_on_the_thread_and_stops_when_the_reader_does() -> None:
    worker = LlamaThread()
    produced: list[int] = []
    closed = threading.Event()

    def numbers() -> Iterator[int]:
        try:
            for i in range(1000):
                produced.append(i)
                yield i
        finally:
            closed.set()

    reader = worker.stream(numbers)
    assert [next(reader) for _ in range(3)] == [0, 1, 2]
    reader.close()
    assert closed.wait(5)
    assert worker.call(lambda: len(produced)) < 1000


def test_a_stream_hands_its_error_to_the_reader() -> None:
    worker = LlamaThread()

    def broken() -> Iterator[int]:
        yield 1
        raise RuntimeError("decode failed")

    reader = worker.stream(broken)
    assert next(reader) == 1
    with pytest.raises(RuntimeError, match="decode failed"):
        next(reader)
