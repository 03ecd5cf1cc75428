"""The webhook publisher: POST the publication's JSON to a URL, with an idempotency key and retries.

Every request carries ``Idempotency-Key`` (the same for every retry of one delivery), so a receiver
that saw a request whose answer was lost can recognise the retry. Connection errors, timeouts,
429 and 5xx answers are retried with growing pauses; any other 4xx answer fails at once.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

from zhimei.errors import ExtraMissingError, InputError, PublishError

__all__ = ["RETRIES", "check_url", "post"]

RETRIES = 3
_TIMEOUT = 15.0


def check_url(url: str) -> str:
    """``url`` if it is an http(s) URL with a host; InputError otherwise."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise InputError(f"not a webhook URL: {url!r}", "give an http:// or https:// URL")
    return url


def post(
    url: str,
    payload: dict[str, Any],
    key: str,
    *,
    retries: int = RETRIES,
    backoff: float = 0.5,
    transport: Any = None,
    sleep: Callable[[float], None] = time.sleep,
) -> int:
    """POST ``payload`` as JSON; returns the answer's status. PublishError after the last failure."""
    try:
        import httpx
    except ImportError as exc:
        raise ExtraMissingError("httpx", "desk") from exc
    body = json.dumps(payload, ensure_ascii=False).encode("utf-8")
    headers = {"Content-Type": "application/json; charset=utf-8", "Idempotency-Key": key}
    problem = ""
    with httpx.Client(timeout=_TIMEOUT, transport=transport, follow_redirects=False) as client:
        for attempt in range(retries + 1):
            if attempt:
                sleep(backoff * 2 ** (attempt - 1))
            try:
                answer = client.post(url, content=body, headers=headers)
            except httpx.HTTPError as exc:
                problem = f"{type(exc).__name__}: {exc}"
                continue
            if answer.status_code < 300:
                return answer.status_code
            problem = f"HTTP {answer.status_code}"
            if answer.status_code != 429 and answer.status_code < 500:
                break
    raise PublishError(
        f"the webhook {url} did not accept the publication ({problem})",
        "check the receiving service and retry; the same publication is sent with the same key",
    )
