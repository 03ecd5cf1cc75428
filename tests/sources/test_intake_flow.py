"""The pieces together, as the ingest job uses them: fetch a feed (conditionally), parse it, fetch
an item's page and read its article."""

from __future__ import annotations

import gzip
from http.server import BaseHTTPRequestHandler

from tests.sources.servers import FIXTURES, CountingServer, TableResolver, send
from zhimei.sources.feeds import item_document, parse_feed
from zhimei.sources.fetch import Fetcher, FetchPolicy, FetchResult, NotModified
from zhimei.sources.pages import parse_page

ARTICLE = "国家统计局今天发布数据，前三季度国内生产总值同比增长5.3%，社会消费品零售总额增长4.1%。"


def _feed(h: BaseHTTPRequestHandler) -> None:
    if h.headers.get("If-None-Match") == '"feed-1"':
        send(h, 304)
        return
    rss = (FIXTURES / "rss20.xml").read_bytes().replace(b"https://news.example/2026/11/gdp-zh.html", b"/zh")
    body = gzip.compress(rss.decode().replace('encoding="utf-8"', 'encoding="gbk"').encode("gbk"))
    headers = [
        ("Content-Type", "application/rss+xml; charset=GBK"),
        ("Content-Encoding", "gzip"),
        ("ETag", '"feed-1"'),
    ]
    send(h, 200, body, headers)


def _page(h: BaseHTTPRequestHandler) -> None:
    paragraphs = "".join(f"<p>{ARTICLE}第{i}段。</p>" for i in range(4))
    html = f"<html><head><title>数据</title></head><body><article><h1>前三季度数据发布</h1>{paragraphs}"
    body = (html + "</article></body></html>").encode("gb18030")
    send(h, 200, body, [("Content-Type", "text/html; charset=gb2312")])


def test_feed_to_documents(site: CountingServer, policy: FetchPolicy, resolver: TableResolver) -> None:
    site.routes["/rss"] = _feed
    site.routes["/zh"] = _page
    with Fetcher(policy, resolver=resolver) as fetcher:
        fetched = fetcher.fetch(site.url("/rss"))
        assert isinstance(fetched, FetchResult) and fetched.encoding == "gbk"
        feed = parse_feed(fetched.body, fetched.final_url, fetched.headers)
        assert [item.title[:4] for item in feed.items] == ["Stat", "国家统计"]
        english = item_document(feed.items[0], source="feed:wire")
        assert english.lang == "en" and english.url == site.url("/2026/11/growth.html")

        page = fetcher.fetch(feed.items[1].link or "")
        assert isinstance(page, FetchResult)
        document = parse_page(page.body, page.final_url, page.headers)
        assert ARTICLE in document.text and document.title == "前三季度数据发布"

        again = fetcher.fetch(site.url("/rss"), fetched.validators)
        assert isinstance(again, NotModified)
