"""Charset rules for markup: BOM, header, declaration, detection; weak server defaults yield."""

from __future__ import annotations

import codecs

import pytest

from zhimei.sources.decode import charset_of, declared_charset, decode_markup

ZH = "国家统计局今天发布数据，前三季度国内生产总值同比增长5.3%。镕基"


@pytest.mark.parametrize(
    ("header", "label"),
    [
        ("text/html; charset=GBK", "gbk"),
        ('text/html; charset="utf-8"; q=1', "utf-8"),
        ("text/html", None),
        (None, None),
        ("text/html; charset=", None),
    ],
)
def test_charset_of(header: str | None, label: str | None) -> None:
    assert charset_of(header) == label


@pytest.mark.parametrize(
    ("head", "label"),
    [
        (b'<?xml version="1.0" encoding="GB2312"?><rss/>', "GB2312"),
        (b"<?xml version='1.0' encoding='big5'?>", "big5"),
        (b'<html><head><meta charset="gbk">', "gbk"),
        (b"<meta http-equiv='Content-Type' content='text/html; charset=gb2312'>", "gb2312"),
        (b'<meta charset="utf-16">', "utf-8"),  # an ASCII-readable declaration is not UTF-16
        (b"<html><body>no label</body></html>", None),
    ],
)
def test_declared_charset(head: bytes, label: str | None) -> None:
    assert declared_charset(head) == label


@pytest.mark.parametrize(
    ("data", "content_type"),
    [
        (f"<meta charset='gbk'><p>{ZH}</p>".encode("gb18030"), "text/html; charset=iso-8859-1"),
        (f"<p>{ZH}</p>".encode("gb18030"), "text/html; charset=ISO-8859-1"),
        (f"<p>{ZH}</p>".encode("gb18030"), "text/html; charset=windows-1252"),
        (f"<meta charset='utf-8'><p>{ZH}</p>".encode("gb18030"), None),
        (codecs.BOM_UTF8 + f"<meta charset='gbk'><p>{ZH}</p>".encode(), "text/html; charset=gbk"),
    ],
)
def test_chinese_survives_wrong_labels(data: bytes, content_type: str | None) -> None:
    assert ZH in decode_markup(data, content_type=content_type)


def test_a_trustworthy_latin_label_is_kept() -> None:
    text = "<p>Grüße aus Köln, café crème</p>"
    assert decode_markup(text.encode("cp1252"), content_type="text/html; charset=windows-1252") == text
    assert decode_markup(text.encode("latin-1"), content_type="text/html; charset=iso-8859-1") == text
