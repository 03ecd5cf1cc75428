"""SSRF corpus: every way to name a local or private address is refused, and no connection reaches
the loopback listener (its accept count stays 0): literal forms, names, redirects, DNS rebinding."""

from __future__ import annotations

import ipaddress
import socket

import httpx
import pytest

from tests.sources.servers import INTERNAL_HOST, SITE_HOST, CountingServer, TableResolver, send
from zhimei.config import load_settings
from zhimei.errors import ConfigError
from zhimei.sources.errors import BlockedURLError, ConnectFailedError
from zhimei.sources.fetch import Fetcher, FetchPolicy, FetchResult
from zhimei.sources.netguard import AllowList, blocked_reason, check_url, ip_literal, resolve_checked
from zhimei.sources.transport import Limits, guarded_client

# --- pure checks --------------------------------------------------------------------------------

BLOCKED_ADDRESSES = [
    "127.0.0.1",
    "127.255.255.254",
    "10.0.0.1",
    "172.16.0.1",
    "172.31.255.255",
    "192.168.1.1",
    "169.254.169.254",
    "100.64.0.1",
    "100.127.255.255",
    "0.0.0.0",
    "0.1.2.3",
    "224.0.0.1",
    "239.255.255.250",
    "240.0.0.1",
    "255.255.255.255",
    "192.0.0.8",
    "192.0.2.1",
    "198.18.0.1",
    "198.51.100.7",
    "203.0.113.9",
    "192.88.99.1",
    "::",
    "::1",
    "::ffff:127.0.0.1",
    "::ffff:10.1.2.3",
    "::ffff:169.254.169.254",
    "::127.0.0.1",
    "64:ff9b::7f00:1",
    "64:ff9b::a00:1",
    "64:ff9b:1::1",
    "2002:7f00:1::",
    "2002:a00:1::1",
    "2002:c0a8:101::",
    "2001:0:4136:e378:8000:63bf:3fff:fdd2",
    "2001:db8::1",
    "fc00::1",
    "fd12:3456:789a::1",
    "fe80::1",
    "fec0::1",
    "ff02::1",
    "100::1",
]

PUBLIC_ADDRESSES = ["93.184.216.34", "8.8.8.8", "2606:4700::1111", "::ffff:8.8.8.8", "64:ff9b::808:808"]


@pytest.mark.parametrize("address", BLOCKED_ADDRESSES)
def test_blocked_addresses(address: str) -> None:
    assert blocked_reason(ipaddress.ip_address(address)) is not None


@pytest.mark.parametrize("address", PUBLIC_ADDRESSES)
def test_public_addresses_pass(address: str) -> None:
    assert blocked_reason(ipaddress.ip_address(address)) is None


@pytest.mark.parametrize(
    ("host", "address"),
    [
        ("2130706433", "127.0.0.1"),
        ("0x7f000001", "127.0.0.1"),
        ("0x7f.1", "127.0.0.1"),
        ("0x7F.0x0.0x0.0x1", "127.0.0.1"),
        ("0177.0.0.1", "127.0.0.1"),
        ("0177.1", "127.0.0.1"),
        ("017700000001", "127.0.0.1"),
        ("127.1", "127.0.0.1"),
        ("127.0.1", "127.0.0.1"),
        ("127.0.0.1.", "127.0.0.1"),
        ("0", "0.0.0.0"),
        ("10.1", "10.0.0.1"),
        ("[::ffff:7f00:1]", "127.0.0.1"),
        ("::1", "::1"),
    ],
)
def test_numeric_host_forms(host: str, address: str) -> None:
    assert ip_literal(host) == ipaddress.ip_address(address)


@pytest.mark.parametrize(
    "host", ["1.2.3.4.5", "256.1.1.1", "0x100.0.0.1", "1.2.3.09", "1..2.3", "4294967296"]
)
def test_invalid_numeric_hosts_are_refused(host: str) -> None:
    with pytest.raises(BlockedURLError, match="not a valid IPv4 address"):
        ip_literal(host)


@pytest.mark.parametrize("host", ["news.example", "1news.example", "example.123abc", "xn--fiq228c.example"])
def test_names_are_not_addresses(host: str) -> None:
    assert ip_literal(host) is None


@pytest.mark.parametrize(
    "url",
    [
        "file:///etc/passwd",
        "ftp://news.example/",
        "gopher://127.0.0.1:70/",
        "javascript:alert(1)",
        "data:,x",
        "http:///nohost",
        "http://news.example:99999/",
        "dict://127.0.0.1:11211/",
    ],
)
def test_only_http_urls_with_a_host(url: str) -> None:
    with pytest.raises(BlockedURLError):
        check_url(url)


def test_public_url_passes_the_precheck() -> None:
    assert check_url("https://news.example/rss") == "https://news.example/rss"


def test_allow_list_entries() -> None:
    allow = AllowList.parse(["intranet.example", "*.corp.example", "10.1.0.0/16", "fd00::/8", " "])
    assert allow.allows_name("INTRANET.example.") and allow.allows_name("wire.corp.example")
    assert not allow.allows_name("corp.example") and not allow.allows_name("evil-intranet.example")
    assert allow.allows_address(ipaddress.ip_address("10.1.2.3"))
    assert not allow.allows_address(ipaddress.ip_address("10.2.0.1"))
    assert allow.allows_address(ipaddress.ip_address("fd00::5"))
    assert check_url("http://10.1.2.3/feed", allow)
    with pytest.raises(BlockedURLError):
        check_url("http://10.2.0.1/feed", allow)


@pytest.mark.parametrize("entry", ["http://intranet.example/", "10.0.0.0/33", "bad host", "a..b"])
def test_bad_allow_entries_are_config_errors(entry: str) -> None:
    with pytest.raises(ConfigError, match="fetch_allow"):
        AllowList.parse([entry])


def test_fetch_allow_setting_from_the_environment(tmp_path: object) -> None:
    settings = load_settings(environ={"ZHIMEI_FETCH_ALLOW": "intranet.example, 10.1.0.0/16"})
    assert settings.fetch_allow == ("intranet.example", "10.1.0.0/16")
    policy = FetchPolicy.from_settings(settings)
    assert policy.allow == settings.fetch_allow and policy.max_bytes == 20 * 1024 * 1024


def test_one_bad_answer_spoils_the_set() -> None:
    resolver = TableResolver({"mixed.example": ["93.184.216.34", "127.0.0.1"]})
    with pytest.raises(BlockedURLError, match=r"mixed\.example resolves to 127\.0\.0\.1, a loopback address"):
        resolve_checked("mixed.example", 80, allow=AllowList(), resolver=resolver, timeout=1)


def test_resolver_failure_is_a_connect_error() -> None:
    with pytest.raises(ConnectFailedError, match=r"cannot resolve nowhere\.example"):
        resolve_checked("nowhere.example", 80, allow=AllowList(), resolver=TableResolver({}), timeout=1)


# --- the fetch-level corpus: nothing reaches the loopback listener ------------------------------

LITERAL_FORMS = [
    "http://127.0.0.1:{port}/",
    "https://127.0.0.1:{port}/",
    "http://127.1:{port}/",
    "http://127.0.1:{port}/",
    "http://2130706433:{port}/",
    "http://0x7f000001:{port}/",
    "http://0x7f.1:{port}/",
    "http://0x7f.0x0.0x0.0x1:{port}/",
    "http://0177.0.0.1:{port}/",
    "http://0177.1:{port}/",
    "http://017700000001:{port}/",
    "http://127.0.0.1.:{port}/",
    "http://１２７.０.０.１:{port}/",
    "http://127。0。0。1:{port}/",
    "http://ｌｏｃａｌｈｏｓｔ:{port}/",
    "http://[::ffff:127.0.0.1]:{port}/",
    "http://[::ffff:7f00:1]:{port}/",
    "http://[0:0:0:0:0:ffff:127.0.0.1]:{port}/",
    "http://[::1]:{port}/",
    "http://[::]:{port}/",
    "http://[::127.0.0.1]:{port}/",
    "http://[64:ff9b::127.0.0.1]:{port}/",
    "http://[2002:7f00:1::]:{port}/",
    "http://[2001:0:4136:e378:8000:63bf:3fff:fdd2]:{port}/",
    "http://0.0.0.0:{port}/",
    "http://0:{port}/",
    "http://localhost:{port}/",
    "http://LOCALHOST:{port}/",
    "http://localhost.:{port}/",
    "http://api.localhost:{port}/",
    "http://user:secret@127.0.0.1:{port}/",
    "http://news.example@127.0.0.1:{port}/",
    "http://127.0.0.1:{port}/latest/meta-data/",
    "http://169.254.169.254/latest/meta-data/",
    "http://[fd00::1]:{port}/",
    "http://[fe80::1]:{port}/",
    "http://10.0.0.1:{port}/",
    "http://192.168.0.1/",
    "http://172.16.0.1/",
    "http://100.64.0.1/",
    "http://224.0.0.1/",
    "http://255.255.255.255/",
]

# Names whose answers are local or private: refused after the lookup, before any connection.
NAME_ANSWERS = {
    "loop.example": ["127.0.0.1"],
    "loop2.example": ["127.0.0.53"],
    "mixed.example": [SITE_HOST, "127.0.0.1"],
    "private10.example": ["10.0.0.1"],
    "private192.example": ["192.168.1.10"],
    "private172.example": ["172.20.0.1"],
    "metadata.example": ["169.254.169.254"],
    "cgnat.example": ["100.64.0.1"],
    "zero.example": ["0.0.0.0"],
    "v6loop.example": ["::1"],
    "mapped.example": ["::ffff:127.0.0.1"],
    "nat64.example": ["64:ff9b::7f00:1"],
    "sixtofour.example": ["2002:7f00:1::"],
    "ula.example": ["fd00::1"],
    "linklocal6.example": ["fe80::1%1"],
    "multicast.example": ["224.0.0.1"],
}


@pytest.fixture
def ssrf_resolver() -> TableResolver:
    return TableResolver({"news.example": [SITE_HOST], **NAME_ANSWERS})  # type: ignore[dict-item]


def _refused(fetcher: Fetcher, url: str, internal: CountingServer) -> BlockedURLError:
    before = internal.accepts
    with pytest.raises(BlockedURLError) as info:
        fetcher.fetch(url)
    assert internal.accepts == before == 0
    return info.value


@pytest.mark.parametrize("template", LITERAL_FORMS)
def test_literal_forms_are_refused(
    template: str, internal: CountingServer, policy: FetchPolicy, ssrf_resolver: TableResolver
) -> None:
    with Fetcher(policy, resolver=ssrf_resolver) as fetcher:
        error = _refused(fetcher, template.format(port=internal.port), internal)
    assert error.hint and "fetch_allow" in error.hint
    assert ssrf_resolver.calls == []  # refused without a lookup


@pytest.mark.parametrize("name", sorted(NAME_ANSWERS))
def test_names_resolving_to_private_addresses_are_refused(
    name: str, internal: CountingServer, policy: FetchPolicy, ssrf_resolver: TableResolver
) -> None:
    with Fetcher(policy, resolver=ssrf_resolver) as fetcher:
        error = _refused(fetcher, f"http://{name}:{internal.port}/", internal)
    assert name in str(error)
    assert ssrf_resolver.calls == [name]


REDIRECTS = {
    "/to-loopback": "http://127.0.0.1:{port}/",
    "/to-decimal": "http://2130706433:{port}/",
    "/to-mapped": "http://[::ffff:127.0.0.1]:{port}/",
    "/to-localhost": "http://localhost:{port}/",
    "/to-name": "http://loop.example:{port}/",
    "/to-metadata": "http://169.254.169.254/latest/meta-data/iam/",
    "/to-private": "http://10.0.0.1/admin",
    "/to-file": "file:///etc/passwd",
    "/to-gopher": "gopher://127.0.0.1:{port}/_stats",
    "/to-ftp": "ftp://news.example/",
    "/hop-then-loopback": "/to-loopback",
}


@pytest.fixture(scope="module")
def redirecting_site(site: CountingServer, internal: CountingServer) -> CountingServer:
    for path, target in REDIRECTS.items():
        location = target.format(port=internal.port)
        site.routes[path] = lambda h, location=location: send(h, 302, b"", [("Location", location)])
    site.routes["/hello"] = lambda h: send(h, 200, b"hello from the site", [("Content-Type", "text/plain")])
    return site


@pytest.mark.parametrize("path", sorted(REDIRECTS))
def test_redirects_into_private_addresses_are_refused(
    path: str,
    redirecting_site: CountingServer,
    internal: CountingServer,
    policy: FetchPolicy,
    ssrf_resolver: TableResolver,
) -> None:
    with Fetcher(policy, resolver=ssrf_resolver) as fetcher:
        _refused(fetcher, redirecting_site.url(path), internal)
    assert any(p == path for p, _ in redirecting_site.requests)


def test_dns_rebinding_connects_to_the_checked_address(
    redirecting_site: CountingServer, internal: CountingServer, policy: FetchPolicy
) -> None:
    # First answer: the allowed site. Every later answer: loopback. Resolved once, pinned.
    rebinding = TableResolver({"rebind.example": [[SITE_HOST], [INTERNAL_HOST]]})
    assert internal.port == redirecting_site.port  # the same port on both addresses
    with Fetcher(policy, resolver=rebinding) as fetcher:
        result = fetcher.fetch(f"http://rebind.example:{redirecting_site.port}/hello")
        assert isinstance(result, FetchResult)
        assert result.body == b"hello from the site" and result.address == SITE_HOST
        assert rebinding.calls == ["rebind.example"]
        host_headers = [h.get("Host") for p, h in redirecting_site.requests if p == "/hello"]
        assert host_headers[-1] == f"rebind.example:{redirecting_site.port}"
    with Fetcher(policy, resolver=rebinding) as fetcher:  # a new connection asks again: refused
        _refused(fetcher, f"http://rebind.example:{redirecting_site.port}/hello", internal)
    assert internal.accepts == 0


def test_the_site_itself_needs_the_allow_list(redirecting_site: CountingServer) -> None:
    resolver = TableResolver({"news.example": [SITE_HOST]})
    strict = FetchPolicy(min_interval=0, total_timeout=1)
    before = redirecting_site.accepts
    with Fetcher(strict, resolver=resolver) as fetcher, pytest.raises(BlockedURLError, match="loopback"):
        fetcher.fetch(redirecting_site.url("/hello"))
    assert redirecting_site.accepts == before


def test_an_allowed_name_skips_the_address_check(redirecting_site: CountingServer) -> None:
    resolver = TableResolver({"intranet.example": [SITE_HOST]})
    named = FetchPolicy(allow=("intranet.example",), min_interval=0, total_timeout=1)
    with Fetcher(named, resolver=resolver) as fetcher:
        result = fetcher.fetch(redirecting_site.url("/hello", host="intranet.example"))
    assert isinstance(result, FetchResult) and result.body == b"hello from the site"


def test_system_resolver_answers_loopback_for_localhost_names() -> None:
    from zhimei.sources.netguard import system_resolver

    try:
        answers = system_resolver("localhost", 80)
    except socket.gaierror:  # a machine without a hosts file: nothing to check
        answers = ["127.0.0.1"]
    assert all(blocked_reason(ipaddress.ip_address(a.split("%")[0])) for a in answers)


@pytest.mark.parametrize("template", [t for t in LITERAL_FORMS if "localhost" not in t and "@" not in t])
def test_the_connection_itself_is_guarded(
    template: str, internal: CountingServer, ssrf_resolver: TableResolver
) -> None:
    # The transport alone, without the Fetcher's pre-check: the network backend refuses too
    # (httpx itself rejects a few forms as invalid URLs).
    client = guarded_client(AllowList.parse([f"{SITE_HOST}/32"]), ssrf_resolver, Limits(0.5, 0.5, 1), "t")
    with client, pytest.raises((BlockedURLError, httpx.InvalidURL)):
        client.get(template.format(port=internal.port))
    assert internal.accepts == 0
