"""OpenAIBackend: the backend protocol over one OpenAI-compatible server, with retries and timeouts.

Owns the httpx client and everything that crosses the wire: the chat request, the JSON requests
for server facts and token counts, per-attempt timeouts within one deadline per call, and bounded
retries (429, 503 and connection failures only, honouring ``Retry-After``).
"""

from __future__ import annotations

import email.utils
import functools
import json
import math
import random
import ssl
import threading
import time
from collections.abc import Generator, Iterator, Mapping
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit, urlunsplit

from zhimei.backends.base import check_budget
from zhimei.backends.openai.errors import (
    RETRY_STATUSES,
    InvalidRequestError,
    OpenAIBackendError,
    QuotaExceededError,
    ServerErrors,
    ServerTimeoutError,
    public_url,
)
from zhimei.backends.openai.server_info import ServerInfo, fetch_server_info
from zhimei.backends.openai.stream import EventReader, assemble
from zhimei.backends.openai.tokens import Count, TokenCounter
from zhimei.errors import ConfigError, ExtraMissingError
from zhimei.records import Chunk, GenerationRequest, Timings, Usage

if TYPE_CHECKING:
    import httpx

    from zhimei.config import Settings

__all__ = ["CONNECT_TIMEOUT", "READ_TIMEOUT", "OpenAIBackend", "parse_retry_after"]

CONNECT_TIMEOUT = 5.0
# Longest silence tolerated between bytes; CPU servers can take a minute to prefill a long prompt.
READ_TIMEOUT = 90.0


def parse_retry_after(value: str | None, now: datetime | None = None) -> float | None:
    """Seconds to wait from a ``Retry-After`` header (delta-seconds or an HTTP date); None if unusable."""
    if not value:
        return None
    try:
        seconds = float(value)
    except ValueError:
        try:
            when = email.utils.parsedate_to_datetime(value)
        except (TypeError, ValueError):
            return None
        when = when if when.tzinfo else when.replace(tzinfo=UTC)
        seconds = (when - (now or datetime.now(UTC))).total_seconds()
    return max(0.0, seconds) if math.isfinite(seconds) else None


def _httpx() -> Any:
    try:
        import httpx
    except ImportError as exc:
        raise ExtraMissingError("httpx", "openai") from exc
    return httpx


@functools.cache
def _tls_context() -> ssl.SSLContext:
    # httpx's default context, built once: loading the CA bundle costs ~30 ms per client otherwise.
    context: ssl.SSLContext = _httpx().create_ssl_context()
    return context


def _split_base_url(base_url: str) -> tuple[str, str]:
    """(OpenAI API base, server root for the non-OpenAI extras). A bare host gets /v1."""
    parts = urlsplit(base_url.strip())
    if parts.scheme not in {"http", "https"} or not parts.netloc:
        raise ConfigError(
            f"the openai backend needs an http(s) server URL, not {base_url!r}",
            "set ZHIMEI_OPENAI_BASE_URL, e.g. http://127.0.0.1:8000/v1",
        )
    api_path = parts.path.rstrip("/") or "/v1"
    root_path = api_path.removesuffix("/v1")
    return (
        urlunsplit((parts.scheme, parts.netloc, api_path, "", "")),
        urlunsplit((parts.scheme, parts.netloc, root_path, "", "")),
    )


class OpenAIBackend:
    """Streams chat replies from an OpenAI-compatible server."""

    name = "openai"

    def __init__(
        self,
        base_url: str,
        *,
        api_key: str | None = None,
        model: str | None = None,
        timeout: float = 120.0,
        context_size: int = 4096,
        max_retries: int = 3,
        backoff: float = 0.5,
        max_wait: float = 30.0,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        """``model`` None uses the first model the server lists; ``context_size`` applies when the
        server does not report one. Retries wait ``backoff`` × 2^n or ``Retry-After``, at most
        ``max_wait`` s each; ``timeout`` bounds each whole call, retries included. ``transport``
        replaces httpx's network transport (tests, custom networking)."""
        self._httpx = _httpx()
        self.api_base, self._root = _split_base_url(base_url)
        self._api_key = api_key or None
        self._model = model or None
        self.timeout = float(timeout)
        self._fallback_context = context_size
        self.max_retries = max_retries
        self.backoff = backoff
        self.max_wait = max_wait
        headers = {"Authorization": f"Bearer {self._api_key}"} if self._api_key else {}
        self._client = self._httpx.Client(headers=headers, transport=transport, verify=_tls_context())
        self._errors = ServerErrors(self.api_base, self._api_key)
        self._tokens = TokenCounter(self._post_extra)
        self._lock = threading.Lock()
        self._info: ServerInfo | None = None
        self._reported_model: str | None = None
        self._usage_option = True

    @classmethod
    def from_settings(cls, settings: Settings) -> OpenAIBackend:
        if not settings.openai_base_url:
            raise ConfigError(
                "the openai backend needs the URL of an OpenAI-compatible server",
                "set ZHIMEI_OPENAI_BASE_URL, e.g. http://127.0.0.1:8000/v1",
            )
        key: Any = settings.openai_api_key
        return cls(
            settings.openai_base_url,
            api_key=key.get_secret_value() if hasattr(key, "get_secret_value") else key,
            model=settings.openai_model,
            timeout=settings.openai_timeout,
            context_size=settings.n_ctx,
        )

    def close(self) -> None:
        """Close the connection pool."""
        self._client.close()

    def __enter__(self) -> OpenAIBackend:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def model_id(self) -> str:
        """``openai:<api base>#<model>``, the model as the server last named it, else configured or listed."""
        model = self._reported_model or self._model or self._server_info().model
        return f"openai:{public_url(self.api_base)}#{model}"

    @property
    def context_size(self) -> int:
        return self._server_info().context_size

    @property
    def location(self) -> str:
        """The API base, without credentials."""
        return public_url(self.api_base)

    def count_tokens(self, request: GenerationRequest) -> int:
        return self._count(request).value

    def generate(self, request: GenerationRequest) -> Generator[Chunk, None, None]:
        """Stream the reply; closing the generator closes the connection, which stops the server."""
        info = self._server_info()
        count = self._count(request)
        check_budget(count.value, request.options.max_tokens, info.context_size)
        deadline = time.monotonic() + self.timeout
        start = time.perf_counter()
        response = self._post_chat(request, info.model, deadline)
        try:
            yield from self._stream(response, request, count, start, deadline)
        finally:
            # Also runs when the consumer closes the generator, so the server stops generating.
            response.close()

    # ------------------------------------------------------------------ chat

    def _post_chat(self, request: GenerationRequest, model: str, deadline: float) -> httpx.Response:
        opts = request.options
        body: dict[str, Any] = {
            "model": model,
            "messages": [{"role": m.role, "content": m.content} for m in request.messages],
            "stream": True,
            "max_tokens": opts.max_tokens,
            "temperature": opts.temperature,
            "top_p": opts.top_p,
        }
        if opts.seed is not None:
            body["seed"] = opts.seed
        if opts.stop:
            body["stop"] = list(opts.stop)
        url = f"{self.api_base}/chat/completions"
        if not self._usage_option:
            return self._send("POST", url, body, deadline, stream=True)
        try:
            return self._send(
                "POST", url, body | {"stream_options": {"include_usage": True}}, deadline, stream=True
            )
        except InvalidRequestError as exc:
            # Servers with strict request schemas reject stream_options; usage then comes from counting.
            if "stream_options" not in exc.detail:
                raise
            self._usage_option = False
            return self._send("POST", url, body, deadline, stream=True)

    def _stream(
        self,
        response: httpx.Response,
        request: GenerationRequest,
        count: Count,
        start: float,
        deadline: float,
    ) -> Iterator[Chunk]:
        reader = EventReader(self._errors, self._httpx, f"{self.api_base}/chat/completions", self.timeout)
        reply = yield from assemble(reader.events(response, deadline), request.options.stop, start)
        prompt_tokens, completion_tokens = count.value, reply.pieces
        if reply.usage is not None:
            served, generated = reply.usage
            # Ollama reports 0 prompt tokens when the prompt came from its cache: that says nothing.
            if served > 0:
                self._tokens.learn(count, served, self._errors.where)
                prompt_tokens = served
            completion_tokens = generated if served > 0 or generated > 0 else reply.pieces
        self._reported_model = reply.model or self._reported_model
        yield Chunk(
            done=True,
            usage=Usage(prompt_tokens=prompt_tokens, completion_tokens=completion_tokens),
            timings=Timings(first_token_s=reply.first_token_s, total_s=time.perf_counter() - start),
            model_id=self.model_id,
            finish_reason=reply.finish or "stop",
        )

    # ------------------------------------------------------------------ transport

    def _send(
        self,
        method: str,
        url: str,
        body: Mapping[str, Any] | None,
        deadline: float,
        *,
        stream: bool = False,
        retries: int | None = None,
    ) -> httpx.Response:
        """One request with bounded retries on 429, 503 and connection failures; other failures raise."""
        httpx = self._httpx
        retries = self.max_retries if retries is None else retries
        attempt = 0
        while True:
            attempt += 1
            retry_after: float | None = None
            try:
                request = self._client.build_request(method, url, json=body, timeout=self._timeout(deadline))
                response = self._client.send(request, stream=stream)
            except (httpx.ConnectTimeout, httpx.NetworkError, httpx.RemoteProtocolError) as exc:
                failure: OpenAIBackendError = self._errors.unreachable(url, exc, attempt)
            except httpx.TimeoutException as exc:  # the server is working on it: another copy would not help
                raise self._timeout_error(exc) from exc
            except httpx.TransportError as exc:  # proxy or protocol trouble
                raise self._errors.unreachable(url, exc, attempt) from exc
            else:
                if response.status_code < 400:
                    return response
                try:
                    content = response.read()
                except httpx.HTTPError:
                    content = b""
                finally:
                    response.close()
                failure = self._errors.http(response.status_code, content, url, attempts=attempt)
                if response.status_code not in RETRY_STATUSES or isinstance(failure, QuotaExceededError):
                    raise failure
                retry_after = parse_retry_after(response.headers.get("retry-after"))
                if retry_after is None and (ms := parse_retry_after(response.headers.get("retry-after-ms"))):
                    retry_after = ms / 1000
            if attempt > retries or not self._pause(attempt, retry_after, deadline):
                raise failure

    def _pause(self, attempt: int, retry_after: float | None, deadline: float) -> bool:
        """Sleep before another attempt; False if the wait would outlast the deadline."""
        if retry_after is not None:
            wait = min(retry_after, self.max_wait)
        else:  # jitter keeps many clients from retrying in lockstep
            wait = min(self.backoff * 2 ** (attempt - 1), self.max_wait) * random.uniform(0.5, 1.0)
        if time.monotonic() + wait >= deadline:
            return False
        time.sleep(wait)
        return True

    def _timeout(self, deadline: float) -> httpx.Timeout:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise self._timeout_error(None)
        connect, read = min(CONNECT_TIMEOUT, remaining), min(READ_TIMEOUT, remaining)
        return self._httpx.Timeout(connect=connect, read=read, write=read, pool=connect)

    def _timeout_error(self, exc: Exception | None) -> ServerTimeoutError:
        return self._errors.timed_out(exc, self.timeout)

    def _get_json(self, method: str, url: str, body: Mapping[str, Any] | None, **kw: Any) -> Any:
        deadline = time.monotonic() + kw.pop("timeout", self.timeout)
        response = self._send(method, url, body, deadline, **kw)
        content = response.content
        try:
            return json.loads(content.decode("utf-8"))
        except (UnicodeDecodeError, ValueError) as exc:
            raise self._errors.invalid(
                f"sent something that is not JSON for {public_url(url)}", content
            ) from exc

    def _post_extra(self, path: str, body: dict[str, Any]) -> Any:
        """POST to a non-OpenAI endpoint under the server root (tokenizers): no retries, at most 30 s."""
        url = f"{self._root}{path}"
        return self._get_json("POST", url, body, retries=0, timeout=min(self.timeout, 30.0))

    # ------------------------------------------------------------------ server facts and token counts

    def _server_info(self) -> ServerInfo:
        with self._lock:
            if self._info is None:
                self._info = fetch_server_info(
                    lambda: self._get_json("GET", f"{self.api_base}/models", None),
                    lambda: self._get_json("GET", f"{self._root}/props", None, retries=0),
                    model=self._model,
                    fallback_context=self._fallback_context,
                    errors=self._errors,
                )
            return self._info

    def _count(self, request: GenerationRequest) -> Count:
        info = self._server_info()
        return self._tokens.count(request, info.model, info.owned_by)
