"""The guarded wire under :mod:`.fetch`: an httpx transport over httpcore whose network backend
connects only to checked addresses, and whose every socket operation ends by the fetch's deadline.

Defends against DNS rebinding (the address checked is the address connected to: the host is
resolved once per connection, every answer is checked by :mod:`.netguard`, and the socket
connects to one of those addresses while TLS verification and SNI keep the name), against
servers that trickle bytes (each read's timeout is cut to what is left of the fetch's deadline,
headers included), and against compression bombs (:class:`Inflater` never produces more than the
caller's limit per call). Built on the public httpcore API (``ConnectionPool(network_backend=…)``)
and httpx's ``BaseTransport``; proxies are not supported, on purpose.
"""

from __future__ import annotations

import contextlib
import contextvars
import functools
import math
import ssl
import time
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from zhimei.errors import ExtraMissingError
from zhimei.sources.errors import ConnectFailedError, FetchError, FetchTimeoutError
from zhimei.sources.netguard import AllowList, Resolver, resolve_checked

__all__ = ["Inflater", "Limits", "deadline_scope", "guarded_client", "remaining", "set_hop"]

# The deadline and current URL of the fetch running in this thread (context).
_DEADLINE: contextvars.ContextVar[float] = contextvars.ContextVar("zhimei_fetch_deadline", default=math.inf)
_URL: contextvars.ContextVar[str] = contextvars.ContextVar("zhimei_fetch_url", default="")


@dataclass(frozen=True)
class Limits:
    """Timeouts (seconds) the wire enforces and names in its messages."""

    connect: float
    read: float
    total: float


@contextlib.contextmanager
def deadline_scope(url: str, seconds: float) -> Iterator[None]:
    """Within the block, every connection and socket read ends ``seconds`` from now at the latest."""
    deadline_token = _DEADLINE.set(time.monotonic() + seconds)
    url_token = _URL.set(url)
    try:
        yield
    finally:
        _URL.reset(url_token)
        _DEADLINE.reset(deadline_token)


def set_hop(url: str) -> None:
    """Name the URL being fetched now (a redirect hop), for error messages."""
    _URL.set(url)


def remaining() -> float:
    """Seconds left before the current fetch's deadline (inf outside a fetch)."""
    return _DEADLINE.get() - time.monotonic()


def _httpcore() -> Any:
    try:
        import httpcore
    except ImportError as exc:
        raise ExtraMissingError("httpx", "intake") from exc
    return httpcore


class _DeadlineStream:
    """A network stream whose every read and write ends by the fetch's deadline."""

    def __init__(self, inner: Any) -> None:
        self._inner = inner

    def _timeout(self, timeout: float | None, error: str) -> float:
        left = remaining()
        if left <= 0:
            raise getattr(_httpcore(), error)("the fetch's deadline passed")
        return left if timeout is None else min(timeout, left)

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        data: bytes = self._inner.read(max_bytes, self._timeout(timeout, "ReadTimeout"))
        return data

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        self._inner.write(buffer, self._timeout(timeout, "WriteTimeout"))

    def close(self) -> None:
        self._inner.close()

    def start_tls(
        self, ssl_context: ssl.SSLContext, server_hostname: str | None = None, timeout: float | None = None
    ) -> _DeadlineStream:
        timeout = self._timeout(timeout, "ConnectTimeout")
        return _DeadlineStream(self._inner.start_tls(ssl_context, server_hostname, timeout))

    def get_extra_info(self, info: str) -> Any:
        return self._inner.get_extra_info(info)


class _PinnedNetwork:
    """An httpcore network backend that connects only to addresses the guard has checked.

    The host is resolved once per connection; every address is checked; the socket connects to
    one of those addresses, never to the name. TLS still verifies and sends the name (httpcore
    passes the URL's host as ``server_hostname``).
    """

    def __init__(self, allow: AllowList, resolver: Resolver, connect_timeout: float) -> None:
        self._allow = allow
        self._resolver = resolver
        self._connect_timeout = connect_timeout
        self._inner = _httpcore().SyncBackend()

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Any = None,
    ) -> _DeadlineStream:
        budget = min(timeout or self._connect_timeout, remaining())
        if budget <= 0:
            raise _httpcore().ConnectTimeout("the fetch's deadline passed")
        started = time.monotonic()
        addresses = resolve_checked(
            host, port, allow=self._allow, resolver=self._resolver, timeout=budget, url=_URL.get() or host
        )
        failure: Exception | None = None
        for address in addresses:
            left = budget - (time.monotonic() - started)
            if left <= 0:
                break
            try:
                stream = self._inner.connect_tcp(
                    address, port, timeout=left, local_address=local_address, socket_options=socket_options
                )
            except (_httpcore().ConnectError, _httpcore().ConnectTimeout) as exc:
                failure = exc
                continue
            return _DeadlineStream(stream)
        raise failure or _httpcore().ConnectTimeout(f"connecting to {host} took longer than {budget:g} s")

    def connect_unix_socket(self, path: str, timeout: float | None = None, socket_options: Any = None) -> Any:
        raise _httpcore().ConnectError("unix sockets are not fetched")

    def sleep(self, seconds: float) -> None:
        time.sleep(seconds)


@contextlib.contextmanager
def _network_errors(host: str, limits: Limits) -> Iterator[None]:
    """httpcore's exceptions as FetchErrors that say what happened and what to do."""
    core = _httpcore()
    url = _URL.get()
    try:
        yield
    except core.TimeoutException as exc:
        if remaining() <= 0:
            raise FetchTimeoutError(
                f"fetching {url} took longer than {limits.total:g} s in all",
                "the server is too slow; try again later",
                url=url,
            ) from None
        what = "connecting to" if isinstance(exc, core.ConnectTimeout) else "waiting for data from"
        limit = limits.connect if isinstance(exc, core.ConnectTimeout) else limits.read
        raise FetchTimeoutError(
            f"{what} {host} took longer than {limit:g} s", "the server is too slow; try again later", url=url
        ) from None
    except (core.ConnectError, core.ReadError, core.WriteError) as exc:
        what = "cannot connect to" if isinstance(exc, core.ConnectError) else "lost the connection to"
        raise ConnectFailedError(
            f"{what} {host}: {exc or 'refused'}", "check the URL, or try again later", url=url
        ) from None
    except core.ProtocolError as exc:
        raise FetchError(
            f"{host} sent a malformed HTTP response: {exc}", "check that the URL is a web server", url=url
        ) from None


@functools.cache
def _wire() -> tuple[Any, Any]:
    """httpx and the guarded transport class (built on first use: httpx is an optional extra)."""
    try:
        import httpx
    except ImportError as exc:
        raise ExtraMissingError("httpx", "intake") from exc
    core = _httpcore()

    class CoreStream(httpx.SyncByteStream):
        def __init__(self, response: Any, host: str, limits: Limits) -> None:
            self._response = response
            self._host = host
            self._limits = limits

        def __iter__(self) -> Iterator[bytes]:
            with _network_errors(self._host, self._limits):
                yield from self._response.stream

        def close(self) -> None:
            self._response.close()

    class GuardedTransport(httpx.BaseTransport):
        """httpx → httpcore over the pinned network backend (httpx's own transport, minus proxies)."""

        def __init__(self, network: _PinnedNetwork, limits: Limits, context: ssl.SSLContext) -> None:
            self._limits = limits
            self._pool = core.ConnectionPool(
                ssl_context=context, network_backend=network, max_connections=10, retries=0
            )

        def handle_request(self, request: httpx.Request) -> httpx.Response:
            host = request.url.host
            core_request = core.Request(
                method=request.method,
                url=core.URL(
                    scheme=request.url.raw_scheme,
                    host=request.url.raw_host,
                    port=request.url.port,
                    target=request.url.raw_path,
                ),
                headers=request.headers.raw,
                content=request.stream,
                extensions=request.extensions,
            )
            with _network_errors(host, self._limits):
                response = self._pool.handle_request(core_request)
            return httpx.Response(
                status_code=response.status,
                headers=response.headers,
                stream=CoreStream(response, host, self._limits),
                extensions=response.extensions,
            )

        def close(self) -> None:
            self._pool.close()

    return httpx, GuardedTransport


@functools.cache
def _tls_context() -> ssl.SSLContext:
    # Built once: loading the CA bundle costs ~30 ms per client.
    httpx, _ = _wire()
    context: ssl.SSLContext = httpx.create_ssl_context()
    return context


def guarded_client(allow: AllowList, resolver: Resolver, limits: Limits, user_agent: str) -> Any:
    """An ``httpx.Client`` over the guarded transport: no redirects followed, no proxies."""
    httpx, transport_class = _wire()
    network = _PinnedNetwork(allow, resolver, limits.connect)
    return httpx.Client(
        transport=transport_class(network, limits, _tls_context()),
        follow_redirects=False,
        trust_env=False,
        headers={"User-Agent": user_agent, "Accept-Encoding": "gzip, deflate"},
    )


class Inflater:
    """gzip/deflate decoding whose output per call never exceeds a limit (bomb-proof)."""

    def __init__(self, coding: str) -> None:
        self._gzip = coding in ("gzip", "x-gzip")
        self._raw_fallback = not self._gzip  # "deflate" is zlib-wrapped by the spec, raw by some servers
        self._z = zlib.decompressobj(31 if self._gzip else 15)

    def feed(self, data: bytes, limit: int) -> bytes:
        out = bytearray()
        while data and len(out) < limit:
            try:
                out += self._z.decompress(data, limit - len(out))
            except zlib.error:
                if not self._raw_fallback:
                    raise
                self._raw_fallback = False
                self._z = zlib.decompressobj(-15)
                continue
            self._raw_fallback = False
            if self._z.eof:  # a gzip stream may hold several members; anything else ends here
                data = self._z.unused_data if self._gzip else b""
                if data:
                    self._z = zlib.decompressobj(31)
            else:
                data = self._z.unconsumed_tail
        return bytes(out)

    def finish(self, limit: int) -> bytes:
        """What is left once the body has ended (nothing is left unconsumed unless the cap was hit)."""
        if self._z.eof:
            return b""
        tail = self.feed(self._z.unconsumed_tail, limit)
        if len(tail) >= limit:
            return tail
        tail += self._z.flush()
        if not self._z.eof:
            raise zlib.error("the compressed stream ended early")
        return tail
