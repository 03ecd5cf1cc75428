"""Fetching: the one way every source reads a URL (feeds, pages, remote files).

Defends against, in order of appearance:

* **SSRF** — each URL and each redirect hop is checked by :mod:`.netguard` before use, and every
  connection resolves the host once, checks all its addresses and connects to one of exactly
  those (a network backend under httpcore pins the address; the Host header and TLS SNI keep the
  name). DNS rebinding between check and connect is therefore impossible. Proxies from the
  environment are ignored: a proxy would connect somewhere unchecked.
* **Hanging servers** — connect and read timeouts, and one deadline for the whole fetch that
  every socket read honours, so a server that trickles a byte at a time (even in its headers)
  ends at ``total_timeout``. Name lookups run under the connect timeout too.
* **Huge bodies and compression bombs** — a byte cap (20 MB by default) on the decoded body:
  a larger Content-Length is refused before reading, and gzip/deflate are inflated here with a
  bounded output per step, so a 1 GB gzip bomb stops at the cap having held at most the cap in
  memory. Other content codings are not requested and are refused if sent.
* **Redirect games** — at most 5 redirects, followed by hand so each hop is checked; a loop is
  reported as soon as a URL repeats.
* **Wasted work and impoliteness** — conditional GET (ETag / Last-Modified →
  :class:`NotModified`), a minimum interval between requests to one host, and a User-Agent.

Use one :class:`Fetcher` per ingest run (it keeps connections and the per-host clock);
:func:`fetch` is the one-shot form.
"""

from __future__ import annotations

import threading
import time
import zlib
from collections.abc import Callable
from typing import TYPE_CHECKING

from pydantic import BaseModel, ConfigDict, Field

from zhimei import __version__
from zhimei.sources.decode import charset_of
from zhimei.sources.errors import (
    FetchError,
    FetchTimeoutError,
    HTTPStatusError,
    ResponseTooLargeError,
    TooManyRedirectsError,
)
from zhimei.sources.netguard import AllowList, Resolver, check_url, system_resolver
from zhimei.sources.transport import Inflater, Limits, deadline_scope, guarded_client, remaining, set_hop

if TYPE_CHECKING:
    import httpx

    from zhimei.config import Settings

__all__ = [
    "DEFAULT_MAX_BYTES",
    "USER_AGENT",
    "FetchPolicy",
    "FetchResult",
    "Fetcher",
    "HostRateLimiter",
    "NotModified",
    "Validators",
    "fetch",
]

DEFAULT_MAX_BYTES = 20 * 1024 * 1024
USER_AGENT = f"zhimei/{__version__} (newsroom intake)"
_REDIRECTS = frozenset({301, 302, 303, 307, 308})
_KEPT_HEADERS = (
    "content-type",
    "content-language",
    "content-location",
    "etag",
    "last-modified",
    "date",
    "expires",
    "cache-control",
    "retry-after",
)


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class FetchPolicy(_Frozen):
    """Limits of a fetch. :meth:`from_settings` reads them from :class:`~zhimei.config.Settings`."""

    allow: tuple[str, ...] = ()
    connect_timeout: float = Field(default=10.0, gt=0)
    read_timeout: float = Field(default=30.0, gt=0)
    total_timeout: float = Field(default=60.0, gt=0)
    max_bytes: int = Field(default=DEFAULT_MAX_BYTES, ge=1)
    max_redirects: int = Field(default=5, ge=0, le=20)
    min_interval: float = Field(default=1.0, ge=0)
    user_agent: str = USER_AGENT

    @classmethod
    def from_settings(cls, settings: Settings) -> FetchPolicy:
        """The policy the ``fetch_*`` settings describe."""
        return cls(
            allow=settings.fetch_allow,
            connect_timeout=settings.fetch_connect_timeout,
            read_timeout=settings.fetch_read_timeout,
            total_timeout=settings.fetch_timeout,
            max_bytes=settings.fetch_max_bytes,
            min_interval=settings.fetch_interval,
        )


class Validators(_Frozen):
    """What a server said about a version of a resource; sent back to ask "changed since?"."""

    etag: str | None = None
    last_modified: str | None = None


class FetchResult(_Frozen):
    """A fetched body and what the server said about it.

    ``encoding`` is the charset label of the Content-Type header (a hint for decoding, None if
    absent); ``headers`` keeps the headers later stages use (lower-case names); ``address`` is the
    IP address the body came from.
    """

    url: str
    final_url: str
    status: int
    headers: dict[str, str]
    body: bytes
    encoding: str | None = None
    content_type: str | None = None
    etag: str | None = None
    last_modified: str | None = None
    address: str | None = None

    @property
    def validators(self) -> Validators:
        return Validators(etag=self.etag, last_modified=self.last_modified)


class NotModified(_Frozen):
    """The server says the resource has not changed since ``validators`` (HTTP 304)."""

    url: str
    final_url: str
    validators: Validators


class HostRateLimiter:
    """At most one request per ``min_interval`` seconds to each host. Thread-safe.

    ``clock`` and ``sleep`` are injectable, so tests run on a fake clock.
    """

    def __init__(
        self,
        min_interval: float,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.min_interval = min_interval
        self._clock = clock
        self._sleep = sleep
        self._next: dict[str, float] = {}
        self._lock = threading.Lock()

    def wait(self, host: str) -> float:
        """Wait until ``host`` may be asked again; returns the seconds waited."""
        key = host.lower()
        with self._lock:  # reserve a slot, then sleep outside the lock
            now = self._clock()
            start = max(now, self._next.get(key, now))
            self._next[key] = start + self.min_interval
        delay = start - now
        if delay > 0:
            self._sleep(delay)
        return delay


def _too_large(url: str, size: str, limit: int) -> ResponseTooLargeError:
    return ResponseTooLargeError(
        f"{url} is {size} the {limit / 1_048_576:g} MB limit",
        "raise fetch_max_bytes if this source is really that large",
        url=url,
    )


def _peer(response: httpx.Response) -> str | None:
    stream = response.extensions.get("network_stream")
    try:
        peer = stream.get_extra_info("server_addr") if stream is not None else None
    except OSError:
        return None
    return str(peer[0]) if peer else None


def _retry_after(value: str | None) -> float | None:
    try:
        return float(value) if value is not None else None
    except ValueError:
        return None


class Fetcher:
    """Fetches URLs under one :class:`FetchPolicy`, keeping connections and a per-host clock.

    ``resolver`` maps (host, port) to addresses (default: the system resolver); ``clock`` and
    ``sleep`` drive the per-host rate limit. Close it (or use it as a context manager) when done.
    """

    def __init__(
        self,
        policy: FetchPolicy | None = None,
        *,
        resolver: Resolver | None = None,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.policy = policy or FetchPolicy()
        self._allow = AllowList.parse(self.policy.allow)
        self._limiter = HostRateLimiter(self.policy.min_interval, clock=clock, sleep=sleep)
        limits = Limits(self.policy.connect_timeout, self.policy.read_timeout, self.policy.total_timeout)
        self._client = guarded_client(
            self._allow, resolver or system_resolver, limits, self.policy.user_agent
        )
        import httpx  # present: guarded_client raised ExtraMissingError otherwise

        self._httpx = httpx

    def __enter__(self) -> Fetcher:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self._client.close()

    def fetch(self, url: str, validators: Validators | None = None) -> FetchResult | NotModified:
        """GET ``url`` (following up to ``max_redirects`` checked redirects).

        With ``validators`` from an earlier result the request is conditional and an unchanged
        resource comes back as :class:`NotModified`. Raises a :class:`FetchError` subclass:
        BlockedURLError, ConnectFailedError, FetchTimeoutError, ResponseTooLargeError,
        TooManyRedirectsError, HTTPStatusError.
        """
        check_url(url, self._allow)
        with deadline_scope(url, self.policy.total_timeout):
            return self._follow(url, validators or Validators())

    def _follow(self, url: str, validators: Validators) -> FetchResult | NotModified:
        chain = [url]
        current = url
        while True:
            response = self._send(current, validators)
            try:
                location = response.headers.get("location")
                if response.status_code in _REDIRECTS and location:
                    target = self._redirect_target(response, location, current)
                    if target in chain:
                        raise TooManyRedirectsError(
                            f"redirect loop: {' → '.join([*chain[chain.index(target) :], target])}",
                            "the site is misconfigured; check the URL in a browser",
                            url=url,
                        )
                    if len(chain) > self.policy.max_redirects:
                        raise TooManyRedirectsError(
                            f"{url} redirects more than {self.policy.max_redirects} times",
                            "use the URL the redirects end at",
                            url=url,
                        )
                    chain.append(target)
                    current = target
                    set_hop(current)
                    continue
                return self._result(url, current, response, validators)
            finally:
                response.close()

    def _redirect_target(self, response: httpx.Response, location: str, current: str) -> str:
        try:
            target = str(response.url.join(location))
        except self._httpx.InvalidURL:
            raise FetchError(
                f"{current} redirects to an invalid URL {location!r}", "check the URL", url=current
            ) from None
        return check_url(target, self._allow)

    def _send(self, url: str, validators: Validators) -> httpx.Response:
        hx = self._httpx
        try:
            parsed = hx.URL(url)
        except hx.InvalidURL:
            raise FetchError(f"{url!r} is not a valid URL", "check the URL", url=url) from None
        self._limiter.wait(parsed.host)
        left = remaining()
        if left <= 0:
            raise FetchTimeoutError(
                f"fetching {url} took longer than {self.policy.total_timeout:g} s in all",
                "lower fetch_interval or raise fetch_timeout",
                url=url,
            )
        p = self.policy
        timeout = hx.Timeout(
            connect=min(p.connect_timeout, left),
            read=min(p.read_timeout, left),
            write=min(p.read_timeout, left),
            pool=min(p.connect_timeout, left),
        )
        headers = {}
        if validators.etag:
            headers["If-None-Match"] = validators.etag
        if validators.last_modified:
            headers["If-Modified-Since"] = validators.last_modified
        try:
            request = self._client.build_request("GET", parsed, headers=headers, timeout=timeout)
            response: httpx.Response = self._client.send(request, stream=True)
        except hx.HTTPError as exc:  # what the transport did not already translate
            raise FetchError(f"cannot fetch {url}: {exc}", "check the URL", url=url) from None
        return response

    def _result(
        self, url: str, final: str, response: httpx.Response, validators: Validators
    ) -> FetchResult | NotModified:
        status = response.status_code
        etag = response.headers.get("etag")
        modified = response.headers.get("last-modified")
        if status == 304:
            return NotModified(
                url=url,
                final_url=final,
                validators=Validators(
                    etag=etag or validators.etag, last_modified=modified or validators.last_modified
                ),
            )
        if not 200 <= status < 300:
            raise HTTPStatusError(
                f"{final} answered HTTP {status} {response.reason_phrase}".rstrip(),
                "try again later" if status == 429 or status >= 500 else "check the URL",
                url=url,
                status=status,
                retry_after=_retry_after(response.headers.get("retry-after")),
            )
        peer = _peer(response)  # before reading: a server may close the socket after the body
        body = self._read_body(final, response)
        content_type = response.headers.get("content-type")
        return FetchResult(
            url=url,
            final_url=final,
            status=status,
            headers={k: response.headers[k] for k in _KEPT_HEADERS if k in response.headers},
            body=body,
            encoding=charset_of(content_type),
            content_type=content_type.split(";", 1)[0].strip().lower() if content_type else None,
            etag=etag,
            last_modified=modified,
            address=peer,
        )

    def _read_body(self, url: str, response: httpx.Response) -> bytes:
        cap = self.policy.max_bytes
        declared = response.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > cap:
            raise _too_large(url, f"{int(declared) / 1_048_576:.1f} MB, over", cap)
        coding = response.headers.get("content-encoding", "identity").strip().lower()
        if coding not in ("", "identity", "gzip", "x-gzip", "deflate"):
            raise FetchError(
                f"{url} came in an encoding zhimei does not read ({coding})",
                "the server ignored Accept-Encoding; report it to the site",
                url=url,
            )
        inflater = Inflater(coding) if coding in ("gzip", "x-gzip", "deflate") else None
        body = bytearray()
        raw = 0
        try:
            for chunk in response.iter_raw():
                raw += len(chunk)
                body += inflater.feed(chunk, cap + 1 - len(body)) if inflater else chunk
                if len(body) > cap or raw > cap:
                    raise _too_large(url, "over", cap)
                if remaining() <= 0:
                    raise FetchTimeoutError(
                        f"fetching {url} took longer than {self.policy.total_timeout:g} s in all",
                        "the server is too slow; try again later",
                        url=url,
                    )
            if inflater:
                body += inflater.finish(cap + 1 - len(body))
        except zlib.error as exc:
            raise FetchError(
                f"{url} sent a corrupt compressed body ({exc})", "try again later", url=url
            ) from None
        if len(body) > cap:
            raise _too_large(url, "over", cap)
        return bytes(body)


def fetch(
    url: str,
    *,
    policy: FetchPolicy | None = None,
    validators: Validators | None = None,
    resolver: Resolver | None = None,
) -> FetchResult | NotModified:
    """Fetch one URL with a short-lived :class:`Fetcher` (see :meth:`Fetcher.fetch`)."""
    with Fetcher(policy, resolver=resolver) as fetcher:
        return fetcher.fetch(url, validators)
