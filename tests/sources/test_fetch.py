"""Fetching from a loopback site: results, conditional GET, redirects, caps, bombs, timeouts, errors,
and the per-host rate limit. Every hostile server ends in a typed error within its timeout."""

from __future__ import annotations

import gzip
import http.server
import time
import tracemalloc
import zlib
from collections.abc import Callable, Iterator

import pytest

from tests.sources.servers import SITE_HOST, CountingServer, SilentListener, TableResolver, send
from zhimei.sources.errors import (
    ConnectFailedError,
    FetchError,
    FetchTimeoutError,
    HTTPStatusError,
    ResponseTooLargeError,
    TooManyRedirectsError,
)
from zhimei.sources.fetch import (
    USER_AGENT,
    Fetcher,
    FetchPolicy,
    FetchResult,
    HostRateLimiter,
    NotModified,
    Validators,
    fetch,
)

Handler = http.server.BaseHTTPRequestHandler
ZH = "国家统计局今天发布数据，前三季度国内生产总值同比增长5.3%。".encode()
GZIP_HEADER = b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\x03"


def _conditional(h: Handler) -> None:
    if h.headers.get("If-None-Match") == '"v2"' or h.headers.get("If-Modified-Since") == "Mon, 23 Nov 2026":
        send(h, 304, b"", [("ETag", '"v2"')])
    else:
        send(h, 200, b"<rss/>", [("ETag", '"v2"'), ("Last-Modified", "Mon, 23 Nov 2026")])


def _stream(h: Handler, chunks: Iterator[bytes], headers: list[tuple[str, str]]) -> None:
    """A body without Content-Length, ended by closing the connection."""
    h.send_response(200)
    for name, value in headers:
        h.send_header(name, value)
    h.send_header("Connection", "close")
    h.end_headers()
    h.close_connection = True
    for chunk in chunks:
        h.wfile.write(chunk)


def _zeros_compressed(wbits: int, total: int = 1 << 30) -> Iterator[bytes]:
    """``total`` zero bytes, compressed on the fly (1 GB by default, never held in memory)."""
    compressor = zlib.compressobj(1, zlib.DEFLATED, wbits)
    block = bytes(1 << 20)
    for _ in range(total >> 20):
        out = compressor.compress(block)
        if out:
            yield out
    yield compressor.flush()


def _trickle_body(h: Handler) -> None:
    h.send_response(200)
    h.send_header("Content-Length", "1000")
    h.end_headers()
    for _ in range(40):  # 4 s at most, then the handler ends by itself
        h.wfile.write(b"x")
        h.wfile.flush()
        time.sleep(0.1)


def _trickle_headers(h: Handler) -> None:
    h.close_connection = True
    for byte in b"HTTP/1.1 200 OK\r\nX-Slow: " + b"a" * 40:
        h.wfile.write(bytes([byte]))
        h.wfile.flush()
        time.sleep(0.1)


def _slow_start(h: Handler) -> None:
    time.sleep(2.0)
    send(h, 200, b"late")


def _garbage(h: Handler) -> None:
    h.close_connection = True
    h.wfile.write(b"\x00\x01\x02 this is not HTTP at all\r\n\r\n")


def _redirect(location: str) -> Callable[[Handler], None]:
    return lambda h: send(h, 302, b"", [("Location", location)])


ROUTES: dict[str, Callable[[Handler], None]] = {
    "/ok": lambda h: send(
        h, 200, ZH, [("Content-Type", "text/plain; charset=UTF-8"), ("X-Other", "dropped")]
    ),
    "/gzip": lambda h: send(h, 200, gzip.compress(ZH), [("Content-Encoding", "gzip")]),
    "/deflate": lambda h: send(h, 200, zlib.compress(ZH), [("Content-Encoding", "deflate")]),
    "/raw-deflate": lambda h: send(h, 200, zlib.compress(ZH, wbits=-15), [("Content-Encoding", "deflate")]),
    "/two-members": lambda h: send(
        h, 200, gzip.compress(b"ab") + gzip.compress(b"cd"), [("Content-Encoding", "gzip")]
    ),
    "/corrupt-gzip": lambda h: send(h, 200, GZIP_HEADER + b"\xff" * 20, [("Content-Encoding", "gzip")]),
    "/truncated-gzip": lambda h: send(h, 200, gzip.compress(ZH * 50)[:-30], [("Content-Encoding", "gzip")]),
    "/brotli": lambda h: send(h, 200, b"\x0b\x02\x80hello\x03", [("Content-Encoding", "br")]),
    "/conditional": _conditional,
    "/empty": lambda h: send(h, 204),
    "/big-declared": lambda h: send(h, 200, b"x" * (2 << 20)),
    "/big-streamed": lambda h: _stream(h, iter([b"x" * 65536] * 40), []),
    "/gzip-bomb": lambda h: _stream(h, _zeros_compressed(31), [("Content-Encoding", "gzip")]),
    "/deflate-bomb": lambda h: _stream(h, _zeros_compressed(15), [("Content-Encoding", "deflate")]),
    "/trickle-body": _trickle_body,
    "/trickle-headers": _trickle_headers,
    "/slow-start": _slow_start,
    "/garbage": _garbage,
    "/loop-a": _redirect("/loop-b"),
    "/loop-b": _redirect("/loop-a"),
    "/self": _redirect("/self"),
    "/no-location": lambda h: send(h, 302),
    "/bad-location": _redirect("http://[::1"),
    **{f"/chain-{n}": _redirect(f"/chain-{n - 1}") for n in range(1, 8)},
    "/chain-0": lambda h: send(h, 200, b"end of chain"),
    "/absolute": lambda h: send(h, 301, b"", [("Location", "http://feeds.example:{port}/ok")]),
    **{
        f"/status-{code}": lambda h, code=code: send(h, code, b"err", [("Retry-After", "7")])
        for code in (400, 401, 403, 404, 410, 429, 500, 502, 503)
    },
}


@pytest.fixture(scope="module")
def web(site: CountingServer) -> CountingServer:
    for path, route in ROUTES.items():
        site.routes[path] = route
    port = site.port
    site.routes["/absolute"] = _redirect(f"http://feeds.example:{port}/ok")
    return site


@pytest.fixture
def fetcher(policy: FetchPolicy, resolver: TableResolver) -> Iterator[Fetcher]:
    with Fetcher(policy, resolver=resolver) as f:
        yield f


def _ok(result: FetchResult | NotModified) -> FetchResult:
    assert isinstance(result, FetchResult)
    return result


def test_a_plain_fetch(web: CountingServer, fetcher: Fetcher) -> None:
    result = _ok(fetcher.fetch(web.url("/ok")))
    assert result.body == ZH and result.status == 200
    assert result.encoding == "utf-8" and result.content_type == "text/plain"
    assert result.headers["content-type"] == "text/plain; charset=UTF-8"
    assert set(result.headers) <= {"content-type", "date"}  # only the kept headers
    assert result.final_url == result.url == web.url("/ok")
    assert result.address == SITE_HOST
    assert web.requests[-1][1]["User-Agent"] == USER_AGENT


@pytest.mark.parametrize("path", ["/gzip", "/deflate", "/raw-deflate"])
def test_compressed_bodies_are_decoded(path: str, web: CountingServer, fetcher: Fetcher) -> None:
    assert _ok(fetcher.fetch(web.url(path))).body == ZH


def test_concatenated_gzip_members(web: CountingServer, fetcher: Fetcher) -> None:
    assert _ok(fetcher.fetch(web.url("/two-members"))).body == b"abcd"


def test_conditional_get(web: CountingServer, fetcher: Fetcher) -> None:
    first = _ok(fetcher.fetch(web.url("/conditional")))
    assert first.validators == Validators(etag='"v2"', last_modified="Mon, 23 Nov 2026")
    again = fetcher.fetch(web.url("/conditional"), first.validators)
    assert isinstance(again, NotModified) and again.validators.etag == '"v2"'
    sent = web.requests[-1][1]
    assert sent["If-None-Match"] == '"v2"' and sent["If-Modified-Since"] == "Mon, 23 Nov 2026"
    by_date = fetcher.fetch(web.url("/conditional"), Validators(last_modified="Mon, 23 Nov 2026"))
    assert isinstance(by_date, NotModified) and by_date.validators.last_modified == "Mon, 23 Nov 2026"


def test_no_content_is_an_empty_body(web: CountingServer, fetcher: Fetcher) -> None:
    assert _ok(fetcher.fetch(web.url("/empty"))).body == b""


def test_five_redirects_are_followed(web: CountingServer, fetcher: Fetcher) -> None:
    result = _ok(fetcher.fetch(web.url("/chain-5")))
    assert result.body == b"end of chain" and result.final_url == web.url("/chain-0")


def test_an_absolute_redirect_to_another_name(web: CountingServer, fetcher: Fetcher) -> None:
    result = _ok(fetcher.fetch(web.url("/absolute")))
    assert result.final_url == web.url("/ok", host="feeds.example") and result.body == ZH


@pytest.mark.parametrize(
    ("path", "message"),
    [
        ("/chain-6", "more than 5 times"),
        ("/chain-7", "more than 5"),
        ("/loop-a", "redirect loop"),
        ("/self", "loop"),
    ],
)
def test_redirect_limits(path: str, message: str, web: CountingServer, fetcher: Fetcher) -> None:
    with pytest.raises(TooManyRedirectsError, match=message):
        fetcher.fetch(web.url(path))


def test_a_redirect_without_location_is_a_status_error(web: CountingServer, fetcher: Fetcher) -> None:
    with pytest.raises(HTTPStatusError) as info:
        fetcher.fetch(web.url("/no-location"))
    assert info.value.status == 302


def test_a_redirect_to_an_invalid_url(web: CountingServer, fetcher: Fetcher) -> None:
    with pytest.raises(FetchError):
        fetcher.fetch(web.url("/bad-location"))


@pytest.mark.parametrize("code", [400, 401, 403, 404, 410, 429, 500, 502, 503])
def test_error_statuses(code: int, web: CountingServer, fetcher: Fetcher) -> None:
    with pytest.raises(HTTPStatusError, match=f"HTTP {code}") as info:
        fetcher.fetch(web.url(f"/status-{code}"))
    error = info.value
    assert error.status == code and error.retry_after == 7.0
    assert error.retryable is (code == 429 or code >= 500)
    assert error.exit_code == 7


@pytest.mark.parametrize("path", ["/big-declared", "/big-streamed"])
def test_the_byte_cap(path: str, web: CountingServer, fetcher: Fetcher) -> None:
    with pytest.raises(ResponseTooLargeError, match="over the 1 MB limit"):
        fetcher.fetch(web.url(path))


@pytest.mark.parametrize("path", ["/gzip-bomb", "/deflate-bomb"])
def test_a_1gb_compression_bomb_stops_at_the_cap(path: str, web: CountingServer, fetcher: Fetcher) -> None:
    tracemalloc.start()
    started = time.monotonic()
    try:
        with pytest.raises(ResponseTooLargeError):
            fetcher.fetch(web.url(path))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert time.monotonic() - started < 1.0
    assert peak < 4 * fetcher.policy.max_bytes  # the body up to the cap, never the bomb


@pytest.mark.parametrize("path", ["/corrupt-gzip", "/truncated-gzip"])
def test_corrupt_compression(path: str, web: CountingServer, fetcher: Fetcher) -> None:
    with pytest.raises(FetchError, match="corrupt compressed body"):
        fetcher.fetch(web.url(path))


def test_an_unrequested_content_encoding(web: CountingServer, fetcher: Fetcher) -> None:
    with pytest.raises(FetchError, match=r"encoding zhimei does not read \(br\)"):
        fetcher.fetch(web.url("/brotli"))


@pytest.mark.parametrize("path", ["/trickle-body", "/trickle-headers"])
def test_a_trickling_server_ends_at_the_total_timeout(
    path: str, web: CountingServer, fetcher: Fetcher
) -> None:
    started = time.monotonic()
    with pytest.raises(FetchTimeoutError, match="took longer than 1 s in all") as info:
        fetcher.fetch(web.url(path))
    assert time.monotonic() - started < 1.5
    assert info.value.retryable


def test_a_server_slow_to_answer_hits_the_read_timeout(web: CountingServer, fetcher: Fetcher) -> None:
    started = time.monotonic()
    with pytest.raises(
        FetchTimeoutError, match=r"waiting for data from news\.example took longer than 0\.5 s"
    ):
        fetcher.fetch(web.url("/slow-start"))
    assert time.monotonic() - started < 1.0


def test_a_server_that_never_answers(silent: SilentListener, fetcher: Fetcher) -> None:
    started = time.monotonic()
    with pytest.raises(FetchTimeoutError):
        fetcher.fetch(f"http://news.example:{silent.port}/")
    assert time.monotonic() - started < 1.5 and len(silent.accepted) == 1


def test_a_hanging_name_lookup(policy: FetchPolicy) -> None:
    def hanging(host: str, port: int) -> list[str]:
        time.sleep(3)
        return [SITE_HOST]

    started = time.monotonic()
    with Fetcher(policy, resolver=hanging) as f, pytest.raises(FetchTimeoutError, match="looking up"):
        f.fetch("http://slow-dns.example/")
    assert time.monotonic() - started < 1.0


def test_a_refused_connection(fetcher: Fetcher, silent: SilentListener) -> None:
    port = silent.port
    silent.close()  # nothing listens there any more
    with pytest.raises(ConnectFailedError, match=r"cannot connect to news\.example") as info:
        fetcher.fetch(f"http://news.example:{port}/")
    assert info.value.retryable


def test_an_unknown_host(fetcher: Fetcher) -> None:
    with pytest.raises(ConnectFailedError, match=r"cannot resolve nowhere\.example"):
        fetcher.fetch("http://nowhere.example/")


def test_a_server_that_does_not_speak_http(web: CountingServer, fetcher: Fetcher) -> None:
    with pytest.raises(FetchError) as info:
        fetcher.fetch(web.url("/garbage"))
    assert "news.example" in str(info.value)


def test_the_one_shot_form(web: CountingServer, policy: FetchPolicy, resolver: TableResolver) -> None:
    assert _ok(fetch(web.url("/ok"), policy=policy, resolver=resolver)).body == ZH


# --- politeness ---------------------------------------------------------------------------------


class FakeClock:
    def __init__(self) -> None:
        self.now = 100.0
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(round(seconds, 6))
        self.now += seconds


def test_rate_limiter_per_host() -> None:
    clock = FakeClock()
    limiter = HostRateLimiter(2.0, clock=clock, sleep=clock.sleep)
    assert limiter.wait("a.example") == 0
    assert limiter.wait("b.example") == 0
    assert limiter.wait("A.example") == 2.0
    clock.now += 5
    assert limiter.wait("a.example") == 0
    assert clock.sleeps == [2.0]


def test_fetcher_waits_between_requests_to_one_host(web: CountingServer, resolver: TableResolver) -> None:
    clock = FakeClock()
    polite = FetchPolicy(allow=(f"{SITE_HOST}/32",), min_interval=1.5, total_timeout=5)
    with Fetcher(polite, resolver=resolver, clock=clock, sleep=clock.sleep) as f:
        f.fetch(web.url("/ok"))
        f.fetch(web.url("/ok"))
        f.fetch(web.url("/ok", host="feeds.example"))
        f.fetch(web.url("/chain-1"))  # two requests to one host
    assert clock.sleeps == [1.5, 1.5, 1.5]
