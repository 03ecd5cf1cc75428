"""Web pages: the article, its metadata and its charset, in zh and en; pages without an article;
hostile markup; mutations of valid pages. Each ends as a Document or a typed error."""

from __future__ import annotations

import codecs
from datetime import UTC, datetime

import pytest
from hypothesis import HealthCheck, given, settings

from tests.sources.mutations import mutated
from zhimei.errors import InputError
from zhimei.records import Document
from zhimei.sources.errors import NoArticleError
from zhimei.sources.pages import parse_page

URL = "https://news.example/2026/11/article.html"
ZH_SENTENCE = "国家统计局今天发布数据，前三季度国内生产总值同比增长5.3%，镕基喆表示经济运行总体平稳。"
EN_SENTENCE = "The city council approved the 2027 budget by 7 votes to 2 on Thursday after a long debate."


def zh_page(meta: str = '<meta charset="utf-8">') -> str:
    paragraphs = "".join(f"<p>{ZH_SENTENCE}专家称第{i}季度消费继续回升。</p>" for i in range(1, 6))
    return (
        f"<!doctype html><html lang='zh-CN'><head>{meta}<title>统计局发布数据_新闻中心</title></head><body>"
        "<div class='nav'><a href='/'>首页</a> <a href='/gn'>国内</a></div>"
        "<div class='article'><h1>国家统计局发布前三季度数据</h1>"
        f"<div class='info'>2026年10月20日 09:30 来源：新华社</div>{paragraphs}</div>"
        "<div class='footer'>版权所有</div></body></html>"
    )


def en_page() -> str:
    paragraphs = "".join(
        f"<p>{EN_SENTENCE} Paragraph {i} adds that schools get 4 percent more.</p>" for i in range(5)
    )
    return (
        "<!doctype html><html lang='en'><head><meta charset='utf-8'>"
        "<title>Council approves budget - City News</title>"
        "<meta name='author' content='Jane Doe'>"
        "<meta property='article:published_time' content='2026-11-20T09:00:00Z'>"
        "<link rel='canonical' href='https://city.example/budget'></head><body>"
        "<nav><a href='/'>Home</a> <a href='/politics'>Politics</a></nav>"
        f"<article><h1>Council approves budget</h1>{paragraphs}</article>"
        "<footer>Contact us</footer></body></html>"
    )


def test_an_english_article_with_metadata() -> None:
    doc = parse_page(en_page().encode(), "https://city.example/budget?utm=x", {"Content-Type": "text/html"})
    assert doc.title == "Council approves budget" and doc.lang == "en"
    assert doc.author == "Jane Doe" and doc.published == datetime(2026, 11, 20, tzinfo=UTC)
    assert (
        doc.canonical_url == "https://city.example/budget" and doc.url == "https://city.example/budget?utm=x"
    )
    assert EN_SENTENCE in doc.text and "Contact us" not in doc.text and "Politics" not in doc.text
    assert doc.source == "https://city.example/budget?utm=x" and len(doc.content_hash) == 64


def test_a_chinese_article() -> None:
    doc = parse_page(zh_page().encode(), URL, source="web:news")
    assert doc.title == "国家统计局发布前三季度数据" and doc.lang == "zh" and doc.source == "web:news"
    assert ZH_SENTENCE in doc.text and "版权所有" not in doc.text
    assert doc.published == datetime(2026, 10, 20, tzinfo=UTC)


GB_META = [
    '<meta charset="gbk">',
    '<meta charset="gb2312">',
    '<meta http-equiv="Content-Type" content="text/html; charset=gb2312">',
    '<meta charset="GB18030">',
    "",
]
HEADERS = [
    None,
    "text/html",
    "text/html; charset=gbk",
    "text/html; charset=GB2312",
    "text/html; charset=ISO-8859-1",
]


@pytest.mark.parametrize("meta", GB_META)
@pytest.mark.parametrize("content_type", HEADERS)
def test_gb_pages_with_any_label(meta: str, content_type: str | None) -> None:
    data = zh_page(meta).encode("gb18030")
    headers = {"content-type": content_type} if content_type else {}
    doc = parse_page(data, URL, headers)
    assert ZH_SENTENCE in doc.text and "\ufffd" not in doc.text + doc.title


@pytest.mark.parametrize(
    ("data", "content_type"),
    [
        (zh_page('<meta charset="gbk">').encode("utf-8"), None),  # meta lies: valid UTF-8 wins
        (zh_page('<meta charset="utf-8">').encode("gb18030"), None),  # meta lies the other way
        (zh_page("").encode("utf-8"), "text/html; charset=gbk"),  # header lies
        (zh_page('<meta charset="utf-16">').encode("utf-8"), None),  # utf-16 in an ASCII meta
        (codecs.BOM_UTF8 + zh_page('<meta charset="gbk">').encode("utf-8"), "text/html; charset=gbk"),
        (codecs.BOM_UTF16_LE + zh_page("").encode("utf-16-le"), "text/html; charset=utf-8"),
        (b'<?xml version="1.0" encoding="gbk"?>' + zh_page("").encode("gb18030"), None),
    ],
)
def test_wrong_and_conflicting_labels(data: bytes, content_type: str | None) -> None:
    doc = parse_page(data, URL, {"content-type": content_type} if content_type else None)
    assert ZH_SENTENCE in doc.text and "\ufffd" not in doc.text


@pytest.mark.parametrize("label", ["big5", "Big5", None])
def test_big5_pages(label: str | None) -> None:
    sentence = "香港特別行政區政府今日公布，本港第三季經濟按年增長百分之二點五，立法會議員表示關注。"
    body = "".join(f"<p>{sentence}第{i}段。</p>" for i in range(1, 5))
    meta = f'<meta charset="{label}">' if label else ""
    html = f"<html><head>{meta}<title>經濟</title></head><body><article><h1>本港經濟增長</h1>{body}</article>"
    doc = parse_page((html + "</body></html>").encode("big5"), URL)
    assert sentence in doc.text and "\ufffd" not in doc.text


def test_invalid_bytes_after_a_bom() -> None:
    with pytest.raises(InputError, match="byte-order mark but has invalid bytes"):
        parse_page(codecs.BOM_UTF8 + b"<html><body><p>abc\xff\xfe</p></body></html>", URL)


NO_ARTICLE = {
    "navigation-only": "<html><head><title>Home</title></head><body><nav><ul><li><a href='/a'>News</a></li>"
    "<li><a href='/b'>Sport</a></li></ul></nav><footer>(c) 2026</footer></body></html>",
    "javascript-shell": "<html><head><title>App</title><script src='/app.js'></script></head>"
    "<body><div id='root'></div><noscript>Please enable JavaScript</noscript></body></html>",
    "empty-body": "<html><head><title>x</title></head><body></body></html>",
    "link-list": "<html><body><ul>"
    + "".join(f"<li><a href='/n/{i}'>新闻标题{i}</a></li>" for i in range(30))
    + "</ul></body></html>",
    "only-scripts": "<html><body><script>var a = 'not an article at all, just code';</script></body></html>",
    "only-comments": "<html><body><!-- a long comment that is not article text --></body></html>",
    "deep-nesting": "<div>" * 5000 + "<p>deep</p>" + "</div>" * 5000,
    "frameset": "<html><frameset><frame src='a.html'><frame src='b.html'></frameset></html>",
    "images-only": "<html><body><img src='a.jpg'><img src='b.jpg'></body></html>",
}


@pytest.mark.parametrize("name", sorted(NO_ARTICLE))
def test_pages_without_an_article(name: str) -> None:
    with pytest.raises(NoArticleError, match="has no article text") as info:
        parse_page(NO_ARTICLE[name].encode(), URL)
    assert "feed" in info.value.hint and info.value.exit_code == 3


@pytest.mark.parametrize(
    ("data", "what"),
    [
        (b"", "empty"),
        (b"  \n ", "empty"),
        (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj", "binary"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "binary"),
        (b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\x03", "binary"),
        (b"<html>\x00\x00\x00\x00</html>", "binary"),
    ],
)
def test_empty_and_binary_bodies(data: bytes, what: str) -> None:
    with pytest.raises(InputError, match=what):
        parse_page(data, URL)


def test_oversized_page() -> None:
    with pytest.raises(InputError, match="over the 20 MB limit"):
        parse_page(b"<p>" + b"x" * (20 * 1024 * 1024), URL)


HOSTILE = {
    "unclosed-tags": en_page().replace("</p>", "").replace("</article>", ""),
    "huge-attribute": en_page().replace("<article>", "<article data-x='" + "a" * 200_000 + "'>"),
    "many-attributes": en_page().replace(
        "<article>", "<article " + " ".join(f"a{i}=1" for i in range(3000)) + ">"
    ),
    "null-entity": en_page().replace("Thursday", "Thursday&#0;&#xD800;&#x110000;"),
    "cdata-and-pi": en_page().replace("<article>", "<article><![CDATA[x]]><?php echo 1; ?>"),
    "script-in-article": en_page().replace("<h1>", "<script>alert('x')</script><h1>"),
    "no-head": en_page().split("<body>", 1)[1],
    "xml-declaration": '<?xml version="1.0" encoding="utf-8"?>' + en_page(),
    "mixed-newlines": en_page().replace("</p>", "</p>\r\n\r"),
}


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_hostile_markup_still_gives_the_article(name: str) -> None:
    doc = parse_page(HOSTILE[name].encode(), URL)
    assert EN_SENTENCE in doc.text and "alert(" not in doc.text and "\r" not in doc.text


PAGES = [en_page().encode(), zh_page().encode(), zh_page().encode("gbk")]


@settings(max_examples=40, derandomize=True, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mutated(PAGES, [b"<", b"</div>", b"<!--", b"\xff"], span=300))
def test_mutated_pages_give_a_document_or_a_typed_error(data: bytes) -> None:
    try:
        doc = parse_page(data, URL)
    except InputError as exc:  # NoArticleError, empty, binary, undecodable
        assert exc.message and exc.hint
        return
    assert isinstance(doc, Document) and doc.text.strip() and doc.lang in ("zh", "en")
