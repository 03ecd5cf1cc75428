"""The bounded queue in front of generation: a few run, a few wait, the rest are turned away (429).

Generation is CPU-bound and slow; letting every request start one would make all of them slow and
exhaust the server's threads. A request is admitted only while fewer than ``slots + queue`` are
inside; an admitted request then waits for one of the ``slots``.
"""

from __future__ import annotations

import threading
from types import TracebackType

from zhimei.errors import ZhimeiError

__all__ = ["GenerationGate", "QueueFullError", "Ticket"]


class QueueFullError(ZhimeiError):
    """Too many generations are running or waiting (HTTP 429); ``retry_after`` is in seconds."""

    def __init__(self, inside: int, retry_after: int) -> None:
        super().__init__(
            f"the generation queue is full ({inside} running or waiting)",
            f"retry in {retry_after} s",
        )
        self.retry_after = retry_after


class Ticket:
    """An admitted request: ``with ticket:`` waits for a slot, runs, then leaves the queue."""

    def __init__(self, gate: GenerationGate) -> None:
        self._gate = gate
        self._left = False
        self._holding = False

    def wait(self, cancelled: threading.Event | None = None, poll: float = 0.2) -> bool:
        """Wait for a slot; False (and the ticket left) if ``cancelled`` is set first."""
        while not self._gate._slots.acquire(timeout=poll):
            if cancelled is not None and cancelled.is_set():
                self.leave()
                return False
        self._holding = True
        return True

    def leave(self) -> None:
        """Give the slot back (if held) and leave the queue; safe to call twice."""
        if self._holding:
            self._holding = False
            self._gate._slots.release()
        if not self._left:
            self._left = True
            self._gate._leave()

    def __enter__(self) -> Ticket:
        if not self._holding:
            self.wait()
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.leave()


class GenerationGate:
    """At most ``slots`` generations at once, ``queue`` more waiting."""

    def __init__(self, slots: int = 1, queue: int = 4, retry_after: int = 10) -> None:
        if slots < 1 or queue < 0:
            raise ValueError("a generation gate needs at least one slot and a queue of zero or more")
        self.capacity = slots + queue
        self.retry_after = retry_after
        self._slots = threading.BoundedSemaphore(slots)
        self._lock = threading.Lock()
        self._inside = 0

    @property
    def inside(self) -> int:
        """How many admitted requests are running or waiting."""
        return self._inside

    def admit(self) -> Ticket:
        """A ticket, or QueueFullError when the queue is full."""
        with self._lock:
            if self._inside >= self.capacity:
                raise QueueFullError(self._inside, self.retry_after * (1 + self._inside - self.capacity))
            self._inside += 1
        return Ticket(self)

    def _leave(self) -> None:
        with self._lock:
            self._inside -= 1
