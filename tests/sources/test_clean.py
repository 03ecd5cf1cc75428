"""Cleaning and the content hash: one normalisation, pinned."""

from __future__ import annotations

from datetime import datetime

import pytest

from zhimei.errors import InputError
from zhimei.sources.clean import clean_text, content_hash, hash_key, html_to_text, make_document


def test_clean_text() -> None:
    raw = "  Title\u200b \r\n\r\n\r\n\n  first\t\tline  \x07\n\u3000\u3000第二段\ufeff\u00ad\n\n"
    assert clean_text(raw) == "Title\n\nfirst line\n第二段"


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("国家统计局 发布数据", "国家统计局发布数据"),
        ("增长５．３％，", "增长5.3%,"),
        ("The Budget\nwas approved", "the budget was   approved"),
        ("Cafe\u0301", "Café"),
        ("a\u200bb", "ab"),
        ("新闻\n\n正文", "新闻正文"),
    ],
)
def test_equivalent_texts_hash_the_same(a: str, b: str) -> None:
    assert content_hash(a) == content_hash(b)


@pytest.mark.parametrize(
    ("a", "b"), [("增长5.3%", "增长5.4%"), ("a b", "ab"), ("budget approved", "budget rejected")]
)
def test_different_texts_hash_differently(a: str, b: str) -> None:
    assert content_hash(a) != content_hash(b)


def test_hash_key_is_the_normalised_text() -> None:
    assert hash_key("  The ＡＢＣ  新闻 \n 正文 ") == "the abc新闻正文"
    assert len(content_hash("x")) == 64


def test_html_to_text() -> None:
    html = "<p>One &amp; <b>two</b></p><script>bad()</script><style>p{}</style><ul><li>three</li></ul>x<br>y"
    assert html_to_text(html) == "One & two\n\nthree\n\nx\ny"
    assert html_to_text("plain & simple") == "plain & simple"


def test_make_document() -> None:
    doc = make_document(
        source="s", title=None, text="  第一行标题\n正文内容在这里。", published=datetime(2026, 1, 2)
    )
    assert doc.title == "第一行标题" and doc.lang == "zh" and doc.published is not None
    assert doc.published.tzinfo is not None and doc.content_hash == content_hash(doc.text)
    long = make_document(source="s", title="x" * 500, text="body", author="  Jane   Doe ")
    assert len(long.title) == 200 and long.title.endswith("…") and long.author == "Jane Doe"
    with pytest.raises(InputError, match="s has no text"):
        make_document(source="s", title="t", text=" \u200b\n ")
