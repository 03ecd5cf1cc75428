"""One OS thread for all of a model's llama.cpp compute.

llama-cpp-python's CPU backend runs each graph on an OpenMP team (libgomp) that belongs to the OS
thread calling ``llama_decode``. Every other calling thread gets a team of its own, and once the
teams hold more threads than there are cores, libgomp stops spinning between graph nodes and puts
its threads to sleep, which slows each node down. Measured on 2 cores with the 1.5B pack: greedy
decoding at 31 tok/s on the first thread, 23 tok/s once a second thread has decoded, 19.5 tok/s on
a third. Callers in many threads (a batch runner, a web server's worker pool) would pay that on
every request, so the embedded backend sends its compute through one ``LlamaThread``.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import Future
from typing import Any, TypeVar

__all__ = ["LlamaThread"]

T = TypeVar("T")

_ITEM, _END, _ERROR = range(3)
# Items a stream may produce ahead of its reader.
_AHEAD = 64


class LlamaThread:
    """A daemon thread that runs the jobs given to it one at a time, in order."""

    def __init__(self, name: str = "zhimei-llama") -> None:
        self._name = name
        self._jobs: queue.SimpleQueue[Callable[[], None]] = queue.SimpleQueue()
        self._thread: threading.Thread | None = None
        self._start_lock = threading.Lock()

    def _loop(self) -> None:
        while True:
            self._jobs.get()()

    def submit(self, job: Callable[[], None]) -> None:
        """Queue ``job`` (it must not raise: report through its own channel)."""
        with self._start_lock:
            if self._thread is None:
                self._thread = threading.Thread(target=self._loop, name=self._name, daemon=True)
                self._thread.start()
        self._jobs.put(job)

    def on_thread(self) -> bool:
        """Whether the caller is this thread (a job must not wait for another job)."""
        return threading.current_thread() is self._thread

    def call(self, fn: Callable[[], T]) -> T:
        """``fn()`` run on the thread; its result or its exception."""
        if self.on_thread():
            return fn()
        future: Future[T] = Future()

        def job() -> None:
            try:
                future.set_result(fn())
            except BaseException as exc:  # handed to the caller
                future.set_exception(exc)

        self.submit(job)
        return future.result()

    def stream(self, make: Callable[[], Iterator[T]]) -> Iterator[T]:
        """The items of ``make()``, produced on the thread (at most a few ahead of the reader);
        stop reading to stop it."""
        if self.on_thread():
            yield from make()
            return
        out: queue.Queue[tuple[int, Any]] = queue.Queue(maxsize=_AHEAD)
        stop = threading.Event()

        def put(entry: tuple[int, Any]) -> bool:
            while not stop.is_set():  # a reader that went away must not block the thread
                try:
                    out.put(entry, timeout=0.1)
                    return True
                except queue.Full:
                    continue
            return False

        def job() -> None:
            try:
                items = make()
                try:
                    for item in items:
                        if not put((_ITEM, item)):
                            break
                finally:
                    close = getattr(items, "close", None)
                    if close is not None:
                        close()
                put((_END, None))
            except BaseException as exc:  # handed to the reader
                put((_ERROR, exc))

        self.submit(job)
        try:
            while True:
                kind, value = out.get()
                if kind == _END:
                    return
                if kind == _ERROR:
                    raise value
                yield value
        finally:
            stop.set()
