"""Archive import: the newsroom's past published articles (html, md, docx, txt, json/jsonl).

The published headline of an html/md/docx/txt article is its title; an HTML page's summary is
its ``<meta name="description">`` (or ``og:description``). JSON records name their fields:
``title``, ``headline``, ``summary`` (also ``abstract``, ``description``, 摘要, 导语), ``text``
(also ``content``, ``body``, 正文), ``published``/``date``, ``url``, ``author``. Each article is
stored once (by content hash) and indexed for search; a file that cannot be read is reported and
the import goes on.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

from sqlalchemy import Engine

from zhimei.errors import InputError, ZhimeiError
from zhimei.intake.indexing import text_entry
from zhimei.intake.readers import scan_folder
from zhimei.records import ArchiveImport, Document, utcnow
from zhimei.sources.clean import clean_text, make_document
from zhimei.sources.decode import MAX_BYTES, decode_markup, read_text_file
from zhimei.sources.files import parse_file
from zhimei.store.archive import insert_article
from zhimei.store.db import begin_write
from zhimei.store.search import put_entry

__all__ = ["ARCHIVE_SUFFIXES", "ArchiveItem", "import_archive", "read_archive_file"]

ARCHIVE_SUFFIXES = frozenset({".html", ".htm", ".md", ".markdown", ".docx", ".txt", ".json", ".jsonl"})
_TEXT = ("text", "content", "body", "article", "正文", "内容", "全文")
_TITLE = ("title", "标题", "题目")
_HEADLINE = ("headline", "标题")
_SUMMARY = ("summary", "abstract", "description", "摘要", "导语", "概要")
_DATE = ("published", "published_at", "date", "time", "发布时间", "日期")
_URL = ("url", "link", "链接")
_AUTHOR = ("author", "byline", "作者", "记者")
_LIST_KEYS = ("items", "articles", "documents", "data", "records")
Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class ArchiveItem:
    """A readable archive article: the document, its headline and summary when known."""

    document: Document
    headline: str | None
    summary: str | None


class _Description(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag != "meta" or self.found:
            return
        values = {k.lower(): (v or "") for k, v in attrs}
        if values.get("name", values.get("property", "")).lower() in ("description", "og:description"):
            self.found = clean_text(values.get("content", "")) or None


def _html_summary(path: Path) -> str | None:
    data = path.read_bytes()[:MAX_BYTES]
    parser = _Description()
    parser.feed(decode_markup(data, name=str(path)))
    return parser.found


def _field(record: Mapping[str, Any], keys: tuple[str, ...]) -> str | None:
    lowered = {str(k).strip().lower(): v for k, v in record.items()}
    for key in keys:
        value = lowered.get(key)
        if isinstance(value, str | int | float) and str(value).strip():
            return clean_text(str(value))
    return None


def _date(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        when = datetime.fromisoformat(value.strip())
    except ValueError:
        return None
    return when if when.tzinfo else when.replace(tzinfo=UTC)


def _records(path: Path) -> list[tuple[str, Any]]:
    text = read_text_file(path)
    try:
        if path.suffix.lower() == ".jsonl":
            return [
                (f"line {n}", json.loads(line)) for n, line in enumerate(text.split("\n"), 1) if line.strip()
            ]
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError(f"{path} is not valid JSON ({exc})", "check the file") from None
    except RecursionError:
        raise InputError(f"{path} is nested too deeply to read", "check the file") from None
    if isinstance(data, Mapping):
        found = next((data[k] for k in _LIST_KEYS if isinstance(data.get(k), list)), None)
        data = found if found is not None else [data]
    if not isinstance(data, list):
        raise InputError(f"{path} holds a JSON {type(data).__name__}", "give an object or a list of objects")
    return [(f"item {n}", item) for n, item in enumerate(data, 1)]


def _json_items(path: Path, source: str) -> list[ArchiveItem]:
    items = []
    for where, record in _records(path):
        if not isinstance(record, Mapping):
            raise InputError(f"{path}: {where} is not an object", "give one object per article")
        text = _field(record, _TEXT)
        if text is None:
            raise InputError(
                f"{path}: {where} has no text", "name the article's text field one of: " + ", ".join(_TEXT)
            )
        headline = _field(record, _HEADLINE)
        document = make_document(
            source=source,
            title=_field(record, _TITLE) or headline,
            text=text,
            url=_field(record, _URL),
            published=_date(_field(record, _DATE)),
            author=_field(record, _AUTHOR),
        )
        items.append(ArchiveItem(document, headline or document.title, _field(record, _SUMMARY)))
    if not items:
        raise InputError(f"{path} has no articles", "give a file with at least one article")
    return items


def read_archive_file(path: Path, source: str | None = None) -> list[ArchiveItem]:
    """The archive articles in one file (raises InputError naming the file when it cannot be read)."""
    suffix = path.suffix.lower()
    if suffix not in ARCHIVE_SUFFIXES:
        raise InputError(
            f"{path} is not an archive file", "give one of: " + " ".join(sorted(ARCHIVE_SUFFIXES))
        )
    name = source or str(path)
    if suffix in (".json", ".jsonl"):
        return _json_items(path, name)
    summary = _html_summary(path) if suffix in (".html", ".htm") else None
    return [ArchiveItem(d, d.title or None, summary) for d in parse_file(path, source=name)]


def _files(root: Path) -> Iterator[Path]:
    if root.is_file():
        yield root
        return
    if not root.is_dir():
        raise InputError(f"{root} does not exist", "give an archive file or folder")
    for relpath, _info in scan_folder(root):
        if Path(relpath).suffix.lower() in ARCHIVE_SUFFIXES:
            yield root / relpath


def import_archive(engine: Engine, root: Path, progress: Progress | None = None) -> ArchiveImport:
    """Import every archive file at ``root`` (a file or a folder, recursively); idempotent."""
    files = list(_files(root))
    counts = {"imported": 0, "unchanged": 0, "failed": 0}
    errors: list[str] = []
    for n, path in enumerate(files, 1):
        try:
            items = read_archive_file(path, path.relative_to(root).as_posix() if root.is_dir() else path.name)
        except (ZhimeiError, OSError) as exc:
            counts["failed"] += 1
            errors.append(f"{path}: {exc}")
            continue
        at = utcnow()
        with begin_write(engine) as conn:
            for item in items:
                doc = item.document
                new_id = insert_article(
                    conn,
                    content_hash=doc.content_hash,
                    title=doc.title,
                    text=doc.text,
                    lang=doc.lang,
                    source_file=doc.source,
                    imported_at=at,
                    headline=item.headline,
                    summary=item.summary,
                    published=doc.published,
                    url=doc.url,
                    author=doc.author,
                )
                if new_id is None:
                    counts["unchanged"] += 1
                    continue
                counts["imported"] += 1
                put_entry(
                    conn, text_entry("archive", new_id, doc.published or at, doc.lang, doc.title, doc.text)
                )
        if progress is not None:
            progress(n, len(files))
    return ArchiveImport(files=len(files), errors=tuple(errors[:50]), **counts)
