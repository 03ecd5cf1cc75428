"""Files: txt, md, html, docx, pdf, csv/tsv and json/jsonl to documents.

Defends against: oversized files (a size cap per kind), zip bombs in .docx (the declared
unpacked size and entry count are checked before python-docx opens it; Python's zipfile never
inflates past the declared size), XML entity tricks inside .docx (python-docx parses with entity
resolution off), scanned PDFs (:class:`NoTextLayerError`, naming OCR as the way), encrypted,
corrupt or mislabelled files (a clear :class:`~zhimei.errors.InputError`), deep JSON nesting, and
CSV/JSON records without a text field (an error naming the record, nothing silently dropped).
Text is decoded by :mod:`.decode` (BOM, GB18030 for GBK/GB2312, Big5, detection).
"""

from __future__ import annotations

import contextlib
import csv
import io
import json
import os
import re
import zipfile
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import Any

from zhimei.errors import ExtraMissingError, InputError
from zhimei.records import Document
from zhimei.sources.clean import make_document
from zhimei.sources.decode import MAX_BYTES, decode_markup, read_text_file
from zhimei.sources.errors import NoTextLayerError
from zhimei.sources.pages import parse_html

__all__ = ["MAX_BINARY_BYTES", "MAX_UNZIPPED_BYTES", "SUFFIXES", "parse_file"]

MAX_BINARY_BYTES = 100 * 1024 * 1024  # .docx / .pdf on disk
MAX_UNZIPPED_BYTES = 200 * 1024 * 1024  # all parts of a .docx, unpacked
_MAX_ZIP_ENTRIES = 5000
_MAX_PDF_PAGES = 2000

_TEXT_KEYS = ("text", "content", "body", "article", "正文", "内容", "全文")
_TITLE_KEYS = ("title", "headline", "标题", "题目")
_URL_KEYS = ("url", "link", "链接", "网址")
_DATE_KEYS = ("published", "published_at", "pubdate", "date", "time", "发布时间", "日期", "时间")
_AUTHOR_KEYS = ("author", "byline", "作者", "记者")
_LIST_KEYS = ("items", "articles", "documents", "data", "records")


def _size_checked(path: Path, limit: int) -> int:
    try:
        size = path.stat().st_size
    except FileNotFoundError:
        raise InputError(f"{path} does not exist", "check the path") from None
    except OSError as exc:
        raise InputError(f"{path} cannot be read ({exc.strerror or exc})", "check the path") from None
    if path.is_dir():
        raise InputError(f"{path} is a directory, not a file", "give the path of a file")
    if size > limit:
        raise InputError(
            f"{path} is {size / 1_048_576:.1f} MB, over the {limit / 1_048_576:g} MB limit",
            "split the file",
        )
    return size


# --- text and markdown ---------------------------------------------------------------------------

_MD_RULES = (
    (re.compile(r"^\s*(```|~~~).*$", re.MULTILINE), ""),  # code fences
    (re.compile(r"!\[([^\]]*)\]\([^)]*\)"), r"\1"),  # images → alt text
    (re.compile(r"\[([^\]]+)\]\([^)]*\)"), r"\1"),  # links → their text
    (re.compile(r"^\s{0,3}#{1,6}\s+", re.MULTILINE), ""),  # heading marks
    (re.compile(r"^\s{0,3}>\s?", re.MULTILINE), ""),  # quotes
    (re.compile(r"^\s*([-*_])(\s*\1){2,}\s*$", re.MULTILINE), ""),  # rules
    (re.compile(r"(\*\*|__)(?=\S)(.+?)(?<=\S)\1"), r"\2"),  # bold
    (re.compile(r"(?<![*\w])\*(?=\S)([^*\n]+?)(?<=\S)\*(?!\*)"), r"\1"),  # italics
    (re.compile(r"`([^`\n]+)`"), r"\1"),  # inline code
)
_MD_HEADING = re.compile(r"^\s{0,3}#{1,6}\s+(.+?)\s*#*\s*$", re.MULTILINE)


def _markdown_text(text: str) -> tuple[str | None, str]:
    heading = _MD_HEADING.search(text)
    for pattern, replacement in _MD_RULES:
        text = pattern.sub(replacement, text)
    return (heading.group(1) if heading else None), text


def _text_file(path: Path, source: str) -> list[Document]:
    text = read_text_file(path)
    title = None
    if path.suffix.lower() in (".md", ".markdown"):
        title, text = _markdown_text(text)
    return [make_document(source=source, title=title, text=text)]


def _html_file(path: Path, source: str) -> list[Document]:
    _size_checked(path, MAX_BYTES)
    html = decode_markup(path.read_bytes(), name=str(path))
    return [parse_html(html, name=str(path), source=source)]


# --- docx ----------------------------------------------------------------------------------------


def _check_zip(path: Path, max_unzipped: int) -> None:
    try:
        with zipfile.ZipFile(path) as archive:
            entries = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise InputError(f"{path} is not a valid .docx file ({exc})", "re-save it from Word") from None
    if len(entries) > _MAX_ZIP_ENTRIES:
        raise InputError(f"{path} holds {len(entries)} files, too many for a .docx", "re-save it from Word")
    unpacked = sum(e.file_size for e in entries)
    if unpacked > max_unzipped:
        raise InputError(
            f"{path} unpacks to {unpacked / 1_048_576:.0f} MB, over the "
            f"{max_unzipped / 1_048_576:g} MB limit (a zip bomb?)",
            "re-save the document without embedded media, or split it",
        )
    if not any(e.filename == "word/document.xml" for e in entries):
        raise InputError(f"{path} is a ZIP archive but not a Word document", "give a .docx file")


def _docx_file(path: Path, source: str, max_unzipped: int) -> list[Document]:
    _size_checked(path, MAX_BINARY_BYTES)
    _check_zip(path, max_unzipped)
    try:
        import docx
        from docx.exceptions import PythonDocxError
        from docx.opc.exceptions import OpcError
        from lxml.etree import LxmlError
    except ImportError as exc:
        raise ExtraMissingError("python-docx", "intake") from exc
    unreadable = (
        PythonDocxError,
        OpcError,
        LxmlError,
        KeyError,
        ValueError,
        AttributeError,
        zipfile.BadZipFile,
    )
    try:
        document = docx.Document(str(path))
        blocks: list[str] = []
        heading: str | None = None
        for block in document.iter_inner_content():
            if isinstance(block, docx.table.Table):
                blocks += [" | ".join(c.text.strip() for c in row.cells) for row in block.rows]
                continue
            text = block.text.strip()
            style = (block.style.name if block.style is not None else "") or ""
            if heading is None and text and style.lower().startswith(("title", "heading")):
                heading = text
            blocks.append(text)
        props = document.core_properties
        title, author = props.title or heading, props.author or None
    except unreadable as exc:
        raise InputError(f"{path} cannot be read as a .docx file ({exc})", "re-save it from Word") from None
    return [make_document(source=source, title=title, text="\n".join(blocks), author=author)]


# --- pdf -----------------------------------------------------------------------------------------


def _pdf_date(value: Any) -> datetime | None:
    if not isinstance(value, datetime):
        return None
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def _pdf_file(path: Path, source: str) -> list[Document]:
    _size_checked(path, MAX_BINARY_BYTES)
    try:
        import pypdf
        from pypdf.errors import PyPdfError
    except ImportError as exc:
        raise ExtraMissingError("pypdf", "intake") from exc
    unreadable = (PyPdfError, ValueError, KeyError, TypeError, AttributeError, IndexError, RecursionError)
    try:
        reader = pypdf.PdfReader(str(path))
        if reader.is_encrypted and not reader.decrypt(""):
            raise InputError(f"{path} is encrypted", "save an unprotected copy and give that")
        if len(reader.pages) > _MAX_PDF_PAGES:
            raise InputError(f"{path} has {len(reader.pages)} pages, over {_MAX_PDF_PAGES}", "split it")
        pages = [page.extract_text() or "" for page in reader.pages]
        meta = reader.metadata
        title = meta.title if meta else None
        author = meta.author if meta else None
        created = _pdf_date(meta.creation_date if meta else None)
    except InputError:
        raise
    except unreadable as exc:
        raise InputError(f"{path} cannot be read as a PDF ({exc})", "re-save it as PDF") from None
    text = "\n\n".join(p.strip() for p in pages)
    if not text.strip():
        raise NoTextLayerError(
            f"{path} has no text layer (it is probably a scan)",
            "run OCR on it first (zhimei's OCR source reads scans)",
        )
    return [make_document(source=source, title=title, text=text, author=author, published=created)]


# --- csv and json records ------------------------------------------------------------------------


def _field(record: Mapping[str, Any], keys: Iterable[str]) -> str | None:
    lowered = {str(k).strip().lower(): v for k, v in record.items()}
    for key in keys:
        value = lowered.get(key)
        if value is not None and str(value).strip():
            return str(value)
    return None


def _record_date(value: str | None) -> datetime | None:
    if not value:
        return None
    value = value.strip()
    for parse in (datetime.fromisoformat, parsedate_to_datetime):
        try:
            return parse(value)
        except (ValueError, TypeError, IndexError):
            continue
    return None


def _record_documents(records: Iterable[tuple[str, Any]], path: Path, source: str) -> list[Document]:
    documents = []
    for where, record in records:
        if not isinstance(record, Mapping):
            raise InputError(f"{path}: {where} is not an object with fields", "give one object per article")
        text = _field(record, _TEXT_KEYS)
        if text is None:
            raise InputError(
                f"{path}: {where} has no text field",
                "name the article's text column/key one of: " + ", ".join(_TEXT_KEYS),
            )
        documents.append(
            make_document(
                source=source,
                title=_field(record, _TITLE_KEYS),
                text=text,
                url=_field(record, _URL_KEYS),
                published=_record_date(_field(record, _DATE_KEYS)),
                author=_field(record, _AUTHOR_KEYS),
            )
        )
    if not documents:
        raise InputError(f"{path} has no records", "give a file with at least one article")
    return documents


def _csv_file(path: Path, source: str) -> list[Document]:
    text = read_text_file(path)
    delimiter = "\t" if path.suffix.lower() == ".tsv" else ","
    if delimiter == ",":
        with contextlib.suppress(csv.Error):  # not sniffable: keep the comma
            delimiter = csv.Sniffer().sniff(text[:4096], delimiters=",;\t|").delimiter
    reader = csv.DictReader(io.StringIO(text), delimiter=delimiter, strict=True)
    try:
        rows = [(f"row {reader.line_num}", row) for row in reader]
    except csv.Error as exc:
        raise InputError(f"{path}: CSV error at line {reader.line_num} ({exc})", "check the file") from None
    return _record_documents(rows, path, source)


def _json_file(path: Path, source: str) -> list[Document]:
    text = read_text_file(path)
    try:
        if path.suffix.lower() in (".jsonl", ".ndjson"):
            lines = [(n, line) for n, line in enumerate(text.split("\n"), 1) if line.strip()]
            records: list[tuple[str, Any]] = [(f"line {n}", json.loads(line)) for n, line in lines]
        else:
            data = json.loads(text)
            if isinstance(data, Mapping):
                found = next((data[k] for k in _LIST_KEYS if isinstance(data.get(k), list)), None)
                data = found if found is not None else [data]
            if not isinstance(data, list):
                raise InputError(f"{path} holds a JSON {type(data).__name__}", "give an object or a list")
            records = [(f"item {n}", item) for n, item in enumerate(data, 1)]
    except json.JSONDecodeError as exc:
        raise InputError(f"{path} is not valid JSON ({exc})", "check the file") from None
    except RecursionError:
        raise InputError(f"{path} is nested too deeply to read", "check the file") from None
    return _record_documents(records, path, source)


SUFFIXES = {
    ".txt": "text",
    ".text": "text",
    ".md": "text",
    ".markdown": "text",
    ".html": "html",
    ".htm": "html",
    ".xhtml": "html",
    ".docx": "docx",
    ".pdf": "pdf",
    ".csv": "csv",
    ".tsv": "csv",
    ".json": "json",
    ".jsonl": "json",
    ".ndjson": "json",
}


def parse_file(
    path: str | os.PathLike[str],
    *,
    source: str | None = None,
    max_unzipped: int = MAX_UNZIPPED_BYTES,
) -> list[Document]:
    """The documents in a file: one for txt/md/html/docx/pdf, one per record for csv/json.

    The kind comes from the suffix (:data:`SUFFIXES`). ``source`` defaults to the path;
    ``max_unzipped`` caps a .docx's unpacked size. Raises :class:`~zhimei.errors.InputError`
    (with :class:`~zhimei.sources.errors.NoArticleError` for HTML without an article and
    :class:`NoTextLayerError` for scanned PDFs) naming the file.
    """
    p = Path(path)
    kind = SUFFIXES.get(p.suffix.lower())
    if kind is None:
        raise InputError(
            f"{p} is not a kind of file zhimei reads ({p.suffix or 'no suffix'})",
            "give one of: " + " ".join(sorted(SUFFIXES)),
        )
    _size_checked(p, MAX_BINARY_BYTES)
    name = source or str(p)
    if kind == "text":
        return _text_file(p, name)
    if kind == "html":
        return _html_file(p, name)
    if kind == "docx":
        return _docx_file(p, name, max_unzipped)
    if kind == "pdf":
        return _pdf_file(p, name)
    if kind == "csv":
        return _csv_file(p, name)
    return _json_file(p, name)
