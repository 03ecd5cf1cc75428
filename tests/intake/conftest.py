"""Intake fixtures: a loopback news site, a Zhimei on a fresh store with the scripted backend and the
fake sentence encoder, and feed/page builders. Only 127.0.0.2 is reachable (``fetch_allow``)."""

from __future__ import annotations

import http.server
from collections.abc import Callable, Iterator, Sequence
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from html import escape
from pathlib import Path

import pytest

from tests.intake.fakes import FakeEmbedder
from tests.sources.conftest import _loopback_only  # noqa: F401  (autouse: no connection leaves loopback)
from tests.sources.servers import SITE_HOST, CountingServer, send, serve
from zhimei.api import Zhimei
from zhimei.config import Settings, load_settings

Handler = Callable[[http.server.BaseHTTPRequestHandler], None]
BASE_TIME = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)

ZH_RATE = (
    "美联储宣布降息25个基点",
    "美国联邦储备委员会周三宣布将联邦基金利率目标区间下调25个基点，这是今年第三次降息。"
    "美联储主席在记者会上表示，通胀压力有所缓解，劳动力市场降温，降息有助于稳定经济增长。",
)
EN_RATE = (
    "Federal Reserve cuts interest rate by a quarter point",
    "The Federal Reserve cut its benchmark interest rate by a quarter point on Wednesday, the third rate "
    "cut this year, saying inflation pressure had eased and the labour market had cooled.",
)
ZH_TYPHOON = (
    "台风海燕在福建登陆",
    "今年第18号台风海燕今天清晨在福建沿海登陆，登陆时中心附近最大风力14级。福建省启动防台风一级应急响应，"
    "沿海地区学校停课、工厂停工，转移群众超过十万人。",
)
EN_FOOTBALL = (
    "City win the derby with a late goal",
    "Manchester City won the football derby 2-1 on Sunday with a goal in the last minute of added time, "
    "moving three points clear at the top of the league table.",
)


@pytest.fixture(scope="module")
def site() -> Iterator[CountingServer]:
    """The loopback news site on 127.0.0.2; tests set its routes."""
    yield from serve(CountingServer(SITE_HOST))


def intake_settings(home: Path, **extra: object) -> Settings:
    values: dict[str, object] = {
        "home": home,
        "backend": "scripted",
        "fetch_allow": (f"{SITE_HOST}/32",),
        "fetch_interval": 0.0,
        "fetch_timeout": 5.0,
        "fetch_connect_timeout": 2.0,
        "fetch_read_timeout": 2.0,
        **extra,
    }
    return load_settings(values, environ={}, cwd=home)


def make_zhimei(home: Path, **extra: object) -> Zhimei:
    """A Zhimei on a fresh SQLite store in ``home``, with the fake sentence encoder."""
    home.mkdir(parents=True, exist_ok=True)
    zm = Zhimei(intake_settings(home, **extra))
    encoder = FakeEmbedder()
    zm._load_encoder = lambda: encoder  # type: ignore[method-assign]
    return zm


@pytest.fixture
def zm(tmp_path: Path) -> Zhimei:
    return make_zhimei(tmp_path / "home")


def write_inbox(folder: Path) -> Path:
    """A folder with four reports: a rate cut in zh and en, a typhoon (zh), a football match (en)."""
    folder.mkdir(parents=True, exist_ok=True)
    for name, (title, text) in {
        "rate-zh.txt": ZH_RATE,
        "rate-en.txt": EN_RATE,
        "typhoon.txt": ZH_TYPHOON,
        "football.txt": EN_FOOTBALL,
    }.items():
        (folder / name).write_text(f"{title}\n{text}", encoding="utf-8")
    return folder


def rss(items: Sequence[dict[str, str]], title: str = "Wire") -> bytes:
    """An RSS 2.0 feed; each item: title, link, and description and/or content."""
    entries = []
    for n, item in enumerate(items):
        parts = [f"<title>{escape(item['title'])}</title>"]
        if "link" in item:
            parts.append(f"<link>{escape(item['link'])}</link><guid>{escape(item['link'])}</guid>")
        if "description" in item:
            parts.append(f"<description>{escape(item['description'])}</description>")
        if "content" in item:
            parts.append(f"<content:encoded><![CDATA[<p>{item['content']}</p>]]></content:encoded>")
        parts.append(f"<pubDate>{format_datetime(BASE_TIME + timedelta(minutes=n))}</pubDate>")
        entries.append("<item>" + "".join(parts) + "</item>")
    return (
        '<?xml version="1.0" encoding="utf-8"?>'
        '<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/"><channel>'
        f"<title>{escape(title)}</title><link>http://{SITE_HOST}/</link><description>d</description>"
        + "".join(entries)
        + "</channel></rss>"
    ).encode()


def page(title: str, text: str) -> bytes:
    """A news page with one article."""
    paragraphs = "".join(f"<p>{escape(p)}</p>" for p in text.split("\n") if p.strip())
    return (
        f"<html><head><title>{escape(title)}</title></head><body><nav>Home · World · Business</nav>"
        f"<article><h1>{escape(title)}</h1>{paragraphs}</article><footer>© News</footer></body></html>"
    ).encode()


def static(body: bytes, content_type: str, etag: str | None = None, delay: float = 0.0) -> Handler:
    """A route serving ``body``; with ``etag``, a matching If-None-Match gets 304."""
    import time

    def handler(h: http.server.BaseHTTPRequestHandler) -> None:
        if delay:
            time.sleep(delay)
        if etag is not None and h.headers.get("If-None-Match") == etag:
            send(h, 304, b"", [("ETag", etag)])
            return
        headers = [("Content-Type", content_type)] + ([("ETag", etag)] if etag else [])
        send(h, 200, body, headers)

    return handler
