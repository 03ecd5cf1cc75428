"""Sign-in throttling: too many failed attempts for one name or from one address lock it out a while.

Kept in the server process (one studio process per store is the deployment this serves); a
restart forgets the counts, which errs on the side of letting people back in.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable

from zhimei.errors import ZhimeiError

__all__ = ["LoginThrottle", "LoginThrottledError"]


class LoginThrottledError(ZhimeiError):
    """Too many failed sign-ins (HTTP 429); ``retry_after`` is in seconds."""

    def __init__(self, retry_after: int) -> None:
        super().__init__(
            "too many failed sign-ins", f"wait {retry_after} s, or ask an admin to reset the password"
        )
        self.retry_after = retry_after


class LoginThrottle:
    """At most ``attempts`` failures per key (a name, an address) within ``window`` seconds."""

    def __init__(
        self, attempts: int = 5, window: float = 900.0, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.attempts = attempts
        self.window = window
        self._clock = clock
        self._failures: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def _recent(self, key: str, now: float) -> deque[float]:
        times = self._failures.setdefault(key, deque())
        while times and now - times[0] >= self.window:
            times.popleft()
        return times

    def check(self, *keys: str) -> None:
        """Raise LoginThrottledError if any key is locked out."""
        now = self._clock()
        with self._lock:
            for key in keys:
                times = self._recent(key, now)
                if len(times) >= self.attempts:
                    raise LoginThrottledError(max(1, int(self.window - (now - times[0])) + 1))

    def failed(self, *keys: str) -> None:
        """Count a failed attempt against every key."""
        now = self._clock()
        with self._lock:
            for key in keys:
                self._recent(key, now).append(now)
            if len(self._failures) > 10_000:  # forget idle keys so the table stays small
                for key in [k for k, v in self._failures.items() if not v]:
                    del self._failures[key]

    def succeeded(self, name_key: str) -> None:
        """A successful sign-in clears the failures counted against the name."""
        with self._lock:
            self._failures.pop(name_key, None)
