"""OPML import: feeds with names and folders; hostile and malformed OPML."""

from __future__ import annotations

import pytest

from tests.sources.servers import FIXTURES
from zhimei.errors import InputError
from zhimei.sources.errors import UnsafeXMLError
from zhimei.sources.opml import OpmlFeed, parse_opml


def test_subscriptions() -> None:
    feeds = parse_opml((FIXTURES / "subscriptions.opml").read_bytes())
    assert feeds == [
        OpmlFeed(
            url="https://stats.example/rss.xml",
            title="国家统计局",
            html_url="https://stats.example/",
            category="经济",
        ),
        OpmlFeed(url="http://markets.example/atom", title="Markets", category="经济"),
        OpmlFeed(url="https://city.example/feed", title="City"),
    ]


def test_nested_folders_and_gbk() -> None:
    opml = (
        '<?xml version="1.0" encoding="gbk"?><opml version="1.0"><body>'
        '<outline text="国内"><outline text="财经">'
        '<outline text="证券" xmlUrl="feed:https://sec.example/rss"/></outline></outline></body></opml>'
    )
    [feed] = parse_opml(opml.encode("gb18030"))
    assert feed == OpmlFeed(url="https://sec.example/rss", title="证券", category="国内/财经")


@pytest.mark.parametrize(
    "opml",
    [
        b'<opml version="2.0"><body/></opml>',
        b'<opml version="2.0"><head><title>x</title></head></opml>',
        b'<opml version="2.0"><body><outline text="folder only"/></body></opml>',
    ],
)
def test_no_feeds(opml: bytes) -> None:
    assert parse_opml(opml) == []


@pytest.mark.parametrize(
    ("opml", "message"),
    [
        (b'<opml><body><outline xmlUrl="file:///etc/passwd"/></body></opml>', "not http"),
        (
            b'<opml><body><outline xmlUrl="javascript:alert(1)"/><outline xmlUrl="ftp://x/"/></body></opml>',
            "2 feed",
        ),
        (b"<opml><body><outline", "not well-formed"),
        (b"<rss version='2.0'/>", "not OPML"),
        (b"", "empty"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "binary"),
    ],
)
def test_bad_opml(opml: bytes, message: str) -> None:
    with pytest.raises(InputError, match=message):
        parse_opml(opml)


def test_many_bad_urls_are_summarised() -> None:
    outlines = "".join(f'<outline xmlUrl="file:///f{i}"/>' for i in range(8))
    with pytest.raises(InputError, match="and 3 more"):
        parse_opml(f"<opml><body>{outlines}</body></opml>".encode())


@pytest.mark.parametrize(
    "doctype",
    [
        '<!DOCTYPE opml [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>',
        '<!DOCTYPE opml [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>',
    ],
)
def test_entities_are_refused(doctype: str) -> None:
    with pytest.raises(UnsafeXMLError):
        parse_opml(f'<?xml version="1.0"?>{doctype}<opml><body><outline text="&b;"/></body></opml>'.encode())
