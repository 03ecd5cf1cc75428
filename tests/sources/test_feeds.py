"""Feeds: every RSS/Atom dialect, charsets, entity attacks, malformed and empty feeds, non-feeds, and
mutations of valid feeds. Each input ends as items or a typed error."""

from __future__ import annotations

import codecs
from datetime import UTC, datetime

import pytest
from hypothesis import HealthCheck, given, settings

from tests.sources.mutations import mutated
from tests.sources.servers import FIXTURES
from zhimei.errors import InputError
from zhimei.sources.errors import NotAFeedError, UnsafeXMLError
from zhimei.sources.feeds import FeedItem, FeedParse, item_document, parse_feed

URL = "https://news.example/feed.xml"
FEEDS = {name: (FIXTURES / name).read_bytes() for name in ("rss20.xml", "atom.xml", "rdf.xml", "rss091.xml")}


def _rss(items: str, encoding: str = "utf-8", declaration: str | None = None) -> bytes:
    decl = declaration if declaration is not None else f'<?xml version="1.0" encoding="{encoding}"?>'
    text = f'{decl}<rss version="2.0"><channel><title>频道</title><link>https://news.example/</link>{items}</channel></rss>'
    return text.encode(encoding if encoding.lower() not in ("gb2312", "gbk") else "gb18030")


ZH_ITEM = (
    "<item><title>镕基与喆：前三季度增长5.3%</title><link>/zh/1</link>"
    "<description>国家统计局发布数据。</description></item>"
)


@pytest.mark.parametrize(
    ("name", "version", "count"),
    [
        ("rss20.xml", "rss20", 2),
        ("atom.xml", "atom10", 1),
        ("rdf.xml", "rss10", 1),
        ("rss091.xml", "rss091", 1),
    ],
)
def test_every_dialect(name: str, version: str, count: int) -> None:
    parsed = parse_feed(FEEDS[name], URL)
    assert parsed.version.startswith(version) and len(parsed.items) == count and parsed.bozo is None
    assert all(item.title and item.link for item in parsed.items)


def test_rss20_items_in_detail() -> None:
    parsed = parse_feed(FEEDS["rss20.xml"], URL)
    first, second = parsed.items
    assert parsed.title == "Newsroom Wire" and parsed.language == "en"
    assert first.link == "https://news.example/2026/11/growth.html"  # resolved against the feed URL
    assert first.guid == "wire-0001" and second.guid == second.link  # no guid: the link stands in
    assert first.published == datetime(2026, 11, 23, 2, 0, tzinfo=UTC)
    assert first.author == "Jane Doe" and first.categories == ("Economy",)
    assert first.content.startswith("The economy grew 5.3 percent") and "alert" not in first.content
    assert "Retail sales rose 4.1 percent." in first.content
    assert (
        second.summary
        == "国家统计局今天发布数据，前三季度国内生产总值同比增长5.3%。\n\n社会消费品零售总额增长4.1%。"
    )


def test_atom_html_title_and_content() -> None:
    item = parse_feed(FEEDS["atom.xml"], URL).items[0]
    assert item.title == "地铁新线今日开通" and item.author == "李四"
    assert (
        item.content.startswith("地铁新线今日开通，全长32公里")
        and item.summary == "地铁新线今日开通，全长32公里。"
    )


def test_latin1_rdf() -> None:
    parsed = parse_feed(FEEDS["rdf.xml"], URL)
    assert parsed.title == "Café Gazette" and parsed.items[0].title == "Cafés reopen in Köln"


def test_item_documents() -> None:
    parsed = parse_feed(FEEDS["rss20.xml"], URL)
    doc = item_document(parsed.items[0], source="feed:wire")
    assert doc.lang == "en" and doc.source == "feed:wire" and doc.author == "Jane Doe"
    assert doc.url == "https://news.example/2026/11/growth.html" and doc.published is not None
    zh = item_document(parsed.items[1], source="feed:wire")
    assert zh.lang == "zh" and zh.title.startswith("国家统计局")
    with pytest.raises(InputError, match="has no text"):
        item_document(FeedItem(title="only a title", link="https://news.example/x"), source="feed:wire")


# --- charsets ------------------------------------------------------------------------------------

CHARSET_CASES = [
    (_rss(ZH_ITEM, "utf-8"), None),
    (_rss(ZH_ITEM, "gb18030"), None),
    (_rss(ZH_ITEM, "gbk"), None),
    (_rss(ZH_ITEM, "gb2312"), None),  # declared GB2312, holds GBK-only 镕 and 喆: read as GB18030
    (_rss(ZH_ITEM, "gbk"), "application/rss+xml; charset=gb2312"),
    (_rss(ZH_ITEM, "gbk"), "application/rss+xml; charset=iso-8859-1"),  # a server default, wrong
    (_rss(ZH_ITEM, "utf-8"), "text/xml; charset=gbk"),  # a lying header: valid UTF-8 wins
    (_rss(ZH_ITEM, "gbk", declaration='<?xml version="1.0" encoding="utf-8"?>'), None),  # lying declaration
    (_rss(ZH_ITEM, "gbk", declaration='<?xml version="1.0"?>'), None),  # no label at all
    (codecs.BOM_UTF8 + _rss(ZH_ITEM, "utf-8", declaration='<?xml version="1.0" encoding="gbk"?>'), None),
    (codecs.BOM_UTF16_LE + _rss(ZH_ITEM, "utf-8").decode().encode("utf-16-le"), None),
    (_rss(ZH_ITEM, "utf-8", declaration='<?xml version="1.0" encoding="utf-16"?>'), None),
    (_rss(ZH_ITEM, "utf-8", declaration='<?xml version="1.0" encoding="no-such-charset"?>'), None),
]


@pytest.mark.parametrize(("data", "content_type"), CHARSET_CASES)
def test_charsets(data: bytes, content_type: str | None) -> None:
    parsed = parse_feed(data, URL, {"Content-Type": content_type} if content_type else None)
    assert parsed.title == "频道"
    assert parsed.items[0].title == "镕基与喆：前三季度增长5.3%"
    assert "\ufffd" not in parsed.items[0].title + parsed.items[0].summary


def test_big5_feed() -> None:
    item = "<item><title>香港特別行政區政府今日公布經濟數據</title><link>/hk</link></item>"
    data = f'<?xml version="1.0" encoding="big5"?><rss version="2.0"><channel><title>新聞</title>{item}'
    data += "</channel></rss>"
    assert parse_feed(data.encode("big5"), URL).items[0].title == "香港特別行政區政府今日公布經濟數據"


def test_invalid_bytes_after_a_bom() -> None:
    with pytest.raises(InputError, match="byte-order mark but has invalid bytes"):
        parse_feed(
            codecs.BOM_UTF8 + b"<rss version='2.0'><channel><title>\xff\xfe</title></channel></rss>", URL
        )


# --- entity attacks ------------------------------------------------------------------------------

LAUGHS = "".join(f'<!ENTITY lol{i} "{f"&lol{i - 1};" * 10}">' for i in range(1, 10))
ENTITY_ATTACKS = {
    "billion-laughs": f'<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY lol0 "lol">{LAUGHS}]>'
    '<rss version="2.0"><channel><title>&lol9;</title></channel></rss>',
    "quadratic": '<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY a "' + "x" * 50000 + '">]>'
    '<rss version="2.0"><channel><title>' + "&a;" * 2000 + "</title></channel></rss>",
    "external-file": '<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
    '<rss version="2.0"><channel><title>&xxe;</title></channel></rss>',
    "external-url": '<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY xxe SYSTEM "http://127.0.0.1:9/x">]>'
    '<rss version="2.0"><channel><title>&xxe;</title></channel></rss>',
    "parameter": '<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY % p SYSTEM "http://127.0.0.1:9/e.dtd"> %p;]>'
    '<rss version="2.0"><channel><title>t</title></channel></rss>',
    "malformed-with-entity": '<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY a "aaaa">]><rss><channel>&a;',
    "lowercase-doctype": '<?xml version="1.0"?><!doctype rss [<!ENTITY a "b">]><rss version="2.0"/>',
    "in-gbk": '<?xml version="1.0" encoding="gbk"?><!DOCTYPE rss [<!ENTITY 标 "题">]><rss version="2.0"/>',
}


@pytest.mark.parametrize("name", sorted(ENTITY_ATTACKS))
def test_entity_declarations_are_refused(name: str) -> None:
    data = ENTITY_ATTACKS[name].encode("gb18030" if name == "in-gbk" else "utf-8")
    with pytest.raises(UnsafeXMLError, match="entit"):
        parse_feed(data, URL)


def test_entity_text_inside_cdata_is_not_a_declaration() -> None:
    item = "<item><title>XML</title><description><![CDATA[Write <!ENTITY x 'y'> in a DTD.]]></description>"
    item += "</item>"
    parsed = parse_feed(_rss(item), URL)
    assert parsed.items[0].summary.startswith("Write")  # read as HTML, where it is a declaration


def test_external_dtd_reference_is_not_fetched() -> None:
    parsed = parse_feed(FEEDS["rss091.xml"], URL)  # names netscape's DTD; nothing is fetched
    assert parsed.items[0].title == "Council approves budget"


# --- malformed, empty, not a feed ----------------------------------------------------------------

BOZO = {
    "unclosed-item": _rss("<item><title>Still here</title><link>/a</link>"),
    "mismatched": _rss("<item><title>Still here</title><link>/a</link></itme></item>"),
    "bad-ampersand": _rss("<item><title>Still & here</title><link>/a</link></item>"),
    "undefined-entity": _rss("<item><title>Still &nbsp; here</title><link>/a</link></item>"),
    "truncated": _rss("<item><title>Still here</title><link>/a</link></item>")[:-20],
    "control-chars": _rss("<item><title>Still\x0b here</title><link>/a</link></item>"),
    "two-roots": _rss("<item><title>Still here</title><link>/a</link></item>") + b"<rss></rss>",
}


@pytest.mark.parametrize("name", sorted(BOZO))
def test_malformed_feeds_still_yield_their_items(name: str) -> None:
    parsed = parse_feed(BOZO[name], URL)
    assert parsed.bozo and parsed.items and parsed.items[0].title.startswith("Still")


EMPTY_FEEDS = [
    _rss(""),
    b'<?xml version="1.0"?><rss version="2.0"><channel></channel></rss>',
    b'<rss version="2.0"/>',
    b'<feed xmlns="http://www.w3.org/2005/Atom"></feed>',
    _rss("<item></item><item><title> </title></item>"),
]


@pytest.mark.parametrize("data", EMPTY_FEEDS)
def test_empty_feeds_have_no_items(data: bytes) -> None:
    parsed = parse_feed(data, URL)
    assert isinstance(parsed, FeedParse) and parsed.items == []


NOT_FEEDS = {
    "html": b"<!doctype html><html><head><title>Home</title></head><body><p>Welcome</p></body></html>",
    "json": b'{"items": [{"title": "x"}]}',
    "text": "这不是订阅源，只是一段文字。".encode(),
    "error-page": b"<html><body><h1>502 Bad Gateway</h1></body></html>",
    "a-path": b"/etc/passwd",  # feedparser opens str/bytes arguments as files: ours never are
    "a-url": b"http://127.0.0.1:9/feed",
    "svg": b'<svg xmlns="http://www.w3.org/2000/svg"><rect/></svg>',
}


@pytest.mark.parametrize("name", sorted(NOT_FEEDS))
def test_things_that_are_not_feeds(name: str) -> None:
    with pytest.raises(NotAFeedError, match="not an RSS or Atom feed"):
        parse_feed(NOT_FEEDS[name], URL)


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"   \n\t",
        codecs.BOM_UTF8,
        b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR",
        b"%PDF-1.4\n%\xe2\xe3\x00",
        b"\x00" * 64,
    ],
)
def test_empty_and_binary_input(data: bytes) -> None:
    with pytest.raises(InputError, match=r"feed\.xml is (empty|binary)"):
        parse_feed(data, URL)


def test_oversized_input() -> None:
    with pytest.raises(InputError, match="over the 20 MB limit"):
        parse_feed(b" " * (20 * 1024 * 1024 + 1), URL)


# --- mutations -----------------------------------------------------------------------------------


@settings(max_examples=150, derandomize=True, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mutated(sorted(FEEDS.values()), [b"<", b"&", b"]]>", b"\xff"]))
def test_mutated_feeds_give_items_or_a_typed_error(data: bytes) -> None:
    try:
        parsed = parse_feed(data, URL)
    except InputError as exc:  # NotAFeedError, UnsafeXMLError, empty/binary/undecodable
        assert exc.message and exc.hint
        return
    assert isinstance(parsed, FeedParse) and parsed.version
    for item in parsed.items:  # plain text: no markup, no control characters
        assert "<script" not in item.content + item.summary
        assert not any(ord(ch) < 32 and ch not in "\n\t" for ch in item.title + item.content)
