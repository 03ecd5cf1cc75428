"""What one studio server holds between requests: the library facade, its options, the
generation gate, sign-in throttling and the generation streams that can be cancelled."""

from __future__ import annotations

import threading
import uuid
from dataclasses import dataclass, field
from functools import cached_property

from zhimei.api import Zhimei
from zhimei.interfaces.http.gate import GenerationGate
from zhimei.interfaces.http.options import ServerOptions
from zhimei.interfaces.http.throttle import LoginThrottle
from zhimei.registry import Entry

__all__ = ["StreamRegistry", "StudioState"]


class StreamRegistry:
    """Running generation streams by id, each with its owner and a cancel flag."""

    def __init__(self) -> None:
        self._streams: dict[str, tuple[str, threading.Event]] = {}
        self._lock = threading.Lock()

    def open(self, owner: str) -> tuple[str, threading.Event]:
        """A new stream id and its cancel flag."""
        stream_id, flag = uuid.uuid4().hex, threading.Event()
        with self._lock:
            self._streams[stream_id] = (owner, flag)
        return stream_id, flag

    def cancel(self, stream_id: str, owner: str) -> bool:
        """Ask the stream to stop; False if there is no such stream of ``owner``'s."""
        with self._lock:
            found = self._streams.get(stream_id)
        if found is None or found[0] != owner:
            return False
        found[1].set()
        return True

    def close(self, stream_id: str) -> None:
        with self._lock:
            self._streams.pop(stream_id, None)


@dataclass
class StudioState:
    """Everything the routes share."""

    zm: Zhimei
    options: ServerOptions
    gate: GenerationGate = field(init=False)
    throttle: LoginThrottle = field(init=False)
    streams: StreamRegistry = field(default_factory=StreamRegistry)

    def __post_init__(self) -> None:
        o = self.options
        self.gate = GenerationGate(o.generation_slots, o.generation_queue, o.retry_after_s)
        self.throttle = LoginThrottle(o.login_attempts, float(o.login_window_s))

    @cached_property
    def tasks(self) -> list[Entry]:
        """The registered writing tasks, by name (read once: scanning entry points takes milliseconds)."""
        return sorted(self.zm.tasks().values(), key=lambda e: e.name)

    @property
    def task_names(self) -> list[str]:
        return [e.name for e in self.tasks]
