"""How one studio server behaves: cookies, the generation queue, sign-in throttling, first-start setup."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["ServerOptions"]


@dataclass(frozen=True)
class ServerOptions:
    """Options of one server process.

    ``https``: the studio is served over https (directly or behind a proxy), so cookies get
    ``Secure``. ``generation_slots`` generations run at once and ``generation_queue`` more may
    wait; beyond that a request gets 429 with ``Retry-After``. ``login_attempts`` failed sign-ins
    per name or per client address within ``login_window_s`` lock that name or address out for the
    rest of the window. ``setup_code``: the one-time code the first-start page asks for (printed
    by ``zhimei serve``); None disables the page. ``request_threads``: how many requests run their
    (blocking) work at once (default: room for every running and queued generation, plus 4); more
    only adds contention for the interpreter and memory (measured in benchmarks/bench_api.py).
    """

    https: bool = False
    generation_slots: int = 1
    generation_queue: int = 4
    retry_after_s: int = 10
    login_attempts: int = 5
    login_window_s: int = 900
    setup_code: str | None = None
    max_variants: int = 5
    request_threads: int | None = None

    @property
    def threads(self) -> int:
        """Request threads: at least one more than the generations that may hold one."""
        held = self.generation_slots + self.generation_queue
        return max(self.request_threads or held + 4, held + 1)
