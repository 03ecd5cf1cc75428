"""Files: txt, md, html, docx, pdf, csv, json; zip bombs, scans, encrypted and corrupt files, records
without text. Documents and PDFs are made in the tests; nothing large is committed."""

from __future__ import annotations

import io
import json
import struct
import time
import zipfile
from pathlib import Path

import pytest

from zhimei.errors import InputError
from zhimei.sources.errors import NoArticleError, NoTextLayerError
from zhimei.sources.files import parse_file

ZH = "国家统计局今天发布数据，前三季度国内生产总值同比增长5.3%。社会消费品零售总额增长4.1%。"
EN = "The city council approved the 2027 budget by 7 votes to 2 on Thursday."


def make_pdf(lines: list[str] | None, title: str = "Budget report") -> bytes:
    """A one-page PDF: Helvetica text lines, or (None) only a drawn rectangle, like a scan."""
    if lines:
        shown = " ".join(f"({line}) Tj T*" for line in lines)
        content = f"BT /F1 12 Tf 72 720 Td 14 TL {shown} ET".encode()
    else:
        content = b"0 0 1 rg 72 72 200 200 re f"
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n" % len(content) + content + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        f"<< /Title ({title}) /Author (Jane Doe) /CreationDate (D:20261120090000Z) >>".encode(),
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R /Info 6 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return bytes(out)


def make_docx(path: Path, *, heading: str = "季度经济数据", paragraphs: tuple[str, ...] = (ZH,)) -> Path:
    import docx

    document = docx.Document()
    document.core_properties.author = "张三"
    document.add_heading(heading, level=1)
    for text in paragraphs:
        document.add_paragraph(text)
    table = document.add_table(rows=2, cols=2)
    table.cell(0, 0).text, table.cell(0, 1).text = "指标", "增速"
    table.cell(1, 0).text, table.cell(1, 1).text = "GDP", "5.3%"
    document.save(str(path))
    return path


def _rewrite_zip(source: Path, target: Path, replace: dict[str, bytes]) -> Path:
    with zipfile.ZipFile(source) as old, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as new:
        for item in old.infolist():
            new.writestr(item.filename, replace.pop(item.filename, old.read(item.filename)))
        for name, data in replace.items():
            new.writestr(name, data)
    return target


def _write(tmp_path: Path, name: str, data: bytes | str) -> Path:
    path = tmp_path / name
    path.write_bytes(data.encode("utf-8") if isinstance(data, str) else data)
    return path


# --- text, markdown, html ------------------------------------------------------------------------


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gb18030", "gbk", "utf-16"])
def test_text_files_in_any_encoding(tmp_path: Path, encoding: str) -> None:
    path = _write(tmp_path, "稿件.txt", f"季度数据\n\n{ZH}\n".encode(encoding))
    [doc] = parse_file(path)
    assert doc.title == "季度数据" and ZH in doc.text and doc.lang == "zh" and doc.source == str(path)


def test_markdown(tmp_path: Path) -> None:
    text = f"# Budget *approved*\n\n{EN} See [the report](https://x.example/r) and **details**."
    text += "\n\n```\ncode\n```\n"
    [doc] = parse_file(_write(tmp_path, "note.md", text), source="upload:1")
    assert doc.title == "Budget *approved*" and doc.source == "upload:1"
    assert "See the report and details." in doc.text and "](" not in doc.text and "```" not in doc.text


def test_html_file(tmp_path: Path) -> None:
    body = "".join(f"<p>{EN} Item {i}.</p>" for i in range(4))
    html = f"<html><head><meta charset='gbk'><title>预算</title></head><body><article><h1>预算通过</h1>{body}"
    [doc] = parse_file(_write(tmp_path, "page.html", (html + "</article></body></html>").encode("gbk")))
    assert EN in doc.text and doc.url is None


def test_html_file_without_an_article(tmp_path: Path) -> None:
    with pytest.raises(NoArticleError):
        parse_file(_write(tmp_path, "menu.htm", "<html><body><nav><a href='/'>Home</a></nav></body></html>"))


# --- docx ----------------------------------------------------------------------------------------


def test_docx(tmp_path: Path) -> None:
    [doc] = parse_file(make_docx(tmp_path / "报告.docx"))
    assert doc.title == "季度经济数据" and doc.author == "张三" and doc.lang == "zh"
    assert ZH in doc.text and "GDP | 5.3%" in doc.text


def test_docx_zip_bomb_stops_before_unpacking(tmp_path: Path) -> None:
    good = make_docx(tmp_path / "good.docx")
    bomb = _rewrite_zip(good, tmp_path / "bomb.docx", {"word/media/zeros.bin": bytes(30 << 20)})
    assert bomb.stat().st_size < 1 << 20
    started = time.monotonic()
    with pytest.raises(InputError, match=r"unpacks to 3\d MB, over the 10 MB limit \(a zip bomb\?\)"):
        parse_file(bomb, max_unzipped=10 << 20)
    assert time.monotonic() - started < 0.5


def test_docx_declaring_a_huge_size_is_refused_at_the_default_limit(tmp_path: Path) -> None:
    data = bytearray(make_docx(tmp_path / "good.docx").read_bytes())
    at = data.find(b"PK\x01\x02")  # the first central-directory entry: claim 300 MB unpacked
    struct.pack_into("<I", data, at + 24, 300 << 20)
    with pytest.raises(InputError, match="over the 200 MB limit"):
        parse_file(_write(tmp_path, "liar.docx", bytes(data)))


def test_docx_with_too_many_entries(tmp_path: Path) -> None:
    path = tmp_path / "many.docx"
    with zipfile.ZipFile(path, "w") as archive:
        for n in range(5001):
            archive.writestr(f"word/part{n}.xml", b"")
    with pytest.raises(InputError, match="holds 5001 files"):
        parse_file(path)


def test_docx_with_an_entity_bomb_inside(tmp_path: Path) -> None:
    good = make_docx(tmp_path / "good.docx")
    laughs = "".join(f'<!ENTITY l{i} "{f"&l{i - 1};" * 10}">' for i in range(1, 10))
    xml = (
        f'<?xml version="1.0"?><!DOCTYPE d [<!ENTITY l0 "lol">{laughs}]>'
        '<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
        "<w:body><w:p><w:r><w:t>&l9;</w:t></w:r></w:p></w:body></w:document>"
    )
    bomb = _rewrite_zip(good, tmp_path / "laughs.docx", {"word/document.xml": xml.encode()})
    started = time.monotonic()
    with pytest.raises(InputError):  # libxml2 refuses the amplification; nothing else was there
        parse_file(bomb)
    assert time.monotonic() - started < 1.0


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"not a zip at all", "not a valid .docx"),
        (b"PK\x03\x04" + b"\x00" * 100, "not a valid .docx"),
        (b"", "not a valid .docx"),
    ],
)
def test_broken_docx(tmp_path: Path, data: bytes, message: str) -> None:
    with pytest.raises(InputError, match=message):
        parse_file(_write(tmp_path, "broken.docx", data))


def test_a_zip_that_is_no_word_document(tmp_path: Path) -> None:
    path = tmp_path / "photos.docx"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("a.jpg", b"\xff\xd8\xff")
    with pytest.raises(InputError, match="not a Word document"):
        parse_file(path)


def test_docx_with_a_corrupt_part(tmp_path: Path) -> None:
    broken = _rewrite_zip(
        make_docx(tmp_path / "g.docx"), tmp_path / "x.docx", {"word/document.xml": b"<w:doc"}
    )
    with pytest.raises(InputError, match=r"cannot be read as a \.docx"):
        parse_file(broken)


# --- pdf -----------------------------------------------------------------------------------------


def test_pdf_with_text(tmp_path: Path) -> None:
    [doc] = parse_file(_write(tmp_path, "report.pdf", make_pdf([EN, "Schools get 4 percent more."])))
    assert EN in doc.text and doc.title == "Budget report" and doc.author == "Jane Doe"
    assert doc.published is not None and doc.published.year == 2026


def test_pdf_without_a_text_layer_names_ocr(tmp_path: Path) -> None:
    with pytest.raises(NoTextLayerError, match="has no text layer") as info:
        parse_file(_write(tmp_path, "scan.pdf", make_pdf(None)))
    assert "OCR" in info.value.hint and info.value.exit_code == 3


def test_blank_pdf(tmp_path: Path) -> None:
    from pypdf import PdfWriter

    writer = PdfWriter()
    writer.add_blank_page(200, 200)
    buffer = io.BytesIO()
    writer.write(buffer)
    with pytest.raises(NoTextLayerError):
        parse_file(_write(tmp_path, "blank.pdf", buffer.getvalue()))


@pytest.mark.parametrize(("password", "readable"), [("secret", False), ("", True)])
def test_encrypted_pdf(tmp_path: Path, password: str, readable: bool) -> None:
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(make_pdf([EN]))))
    writer.encrypt(user_password=password, owner_password="owner", algorithm="RC4-128")
    buffer = io.BytesIO()
    writer.write(buffer)
    path = _write(tmp_path, "locked.pdf", buffer.getvalue())
    if readable:
        assert EN in parse_file(path)[0].text
    else:
        with pytest.raises(InputError, match="is encrypted"):
            parse_file(path)


@pytest.mark.parametrize(
    "data",
    [
        b"%PDF-1.4\n",
        b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF",
        make_pdf([EN])[:200],
        b"this is plain text named .pdf",
        b"",
        make_pdf([EN]).replace(b"/Pages 2 0 R", b"/Pages 9 0 R"),
    ],
)
def test_broken_pdfs(tmp_path: Path, data: bytes) -> None:
    with pytest.raises(InputError):
        parse_file(_write(tmp_path, "broken.pdf", data))


# --- csv and json --------------------------------------------------------------------------------


def test_csv_rows_become_documents(tmp_path: Path) -> None:
    rows = "标题,正文,链接,发布时间,作者\n"
    rows += f"数据发布,{ZH},https://n.example/1,2026-11-20 09:00,张三\n预算,{EN},,,\n"
    docs = parse_file(_write(tmp_path, "稿件.csv", rows.encode("gb18030")))  # Excel's Chinese CSV
    assert [d.title for d in docs] == ["数据发布", "预算"]
    assert docs[0].url == "https://n.example/1" and docs[0].author == "张三"
    assert docs[0].published is not None and docs[0].published.hour == 9
    assert docs[1].lang == "en" and docs[1].published is None


def test_semicolon_and_tab_separated(tmp_path: Path) -> None:
    assert parse_file(_write(tmp_path, "a.csv", f"title;text\nA;{EN}\n"))[0].title == "A"
    assert parse_file(_write(tmp_path, "a.tsv", f"title\ttext\nB\t{EN}\n"))[0].title == "B"


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("nocol.csv", "name,value\nGDP,5.3\n", "row 2 has no text field"),
        ("emptyrow.csv", f"title,text\nA,{EN}\nB,\n", "row 3 has no text field"),
        ("header.csv", "title,text\n", "has no records"),
        ("empty.csv", "", "is empty"),
        ("quote.csv", 'title,text\nA,"unclosed\n', "CSV error"),
        ("huge-field.csv", "title,text\nA," + "x" * 200_000 + "\n", "CSV error"),
    ],
)
def test_bad_csv(tmp_path: Path, name: str, data: str, message: str) -> None:
    with pytest.raises(InputError, match=message):
        parse_file(_write(tmp_path, name, data))


def test_json_shapes(tmp_path: Path) -> None:
    one = {
        "headline": "A",
        "body": EN,
        "url": "https://x.example/a",
        "date": "Thu, 20 Nov 2026 09:00:00 +0800",
    }
    assert parse_file(_write(tmp_path, "one.json", json.dumps(one)))[0].published is not None
    assert len(parse_file(_write(tmp_path, "list.json", json.dumps([one, {"text": ZH}])))) == 2
    assert len(parse_file(_write(tmp_path, "wrapped.json", json.dumps({"articles": [one]})))) == 1
    lines = "\n".join(json.dumps(r, ensure_ascii=False) for r in [one, {"内容": ZH, "标题": "数据"}]) + "\n\n"
    docs = parse_file(_write(tmp_path, "feed.jsonl", lines))
    assert [d.title for d in docs] == ["A", "数据"]


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("bad.json", "{not json", "not valid JSON"),
        ("deep.json", "[" * 100_000 + "]" * 100_000, "nested too deeply|not valid JSON"),
        ("scalar.json", "42", "holds a JSON int"),
        ("strings.json", '["a", "b"]', "item 1 is not an object"),
        ("notext.json", '[{"title": "x"}]', "item 1 has no text field"),
        ("emptylist.json", "[]", "has no records"),
        ("badline.jsonl", '{"text": "ok"}\n{broken\n', "not valid JSON"),
        ("binary.json", b"\x00\x01\x02" * 10, "binary"),
    ],
)
def test_bad_json(tmp_path: Path, name: str, data: str | bytes, message: str) -> None:
    with pytest.raises(InputError, match=message):
        parse_file(_write(tmp_path, name, data))


# --- paths ---------------------------------------------------------------------------------------


def test_unknown_kind_lists_the_known_ones(tmp_path: Path) -> None:
    with pytest.raises(InputError, match=r"not a kind of file zhimei reads \(\.exe\)") as info:
        parse_file(_write(tmp_path, "setup.exe", b"MZ"))
    assert ".docx" in info.value.hint


def test_missing_file_and_directory(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="does not exist"):
        parse_file(tmp_path / "nope.txt")
    (tmp_path / "dir.txt").mkdir()
    with pytest.raises(InputError, match="is a directory"):
        parse_file(tmp_path / "dir.txt")


@pytest.mark.parametrize(
    "name", ["empty.txt", "empty.md", "empty.html", "empty.json", "empty.pdf", "empty.docx"]
)
def test_empty_files(tmp_path: Path, name: str) -> None:
    with pytest.raises(InputError):
        parse_file(_write(tmp_path, name, b""))
