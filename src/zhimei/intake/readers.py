"""Reading one source into items: a feed, a web page, or the new and changed files of a folder.

Each item carries its ``locator`` (where it lives in its source: the article's URL, or the file's
path) and either a document or the reason it could not be read. A source that cannot be read at
all (fetch failed, not a feed, folder missing) raises; an item that cannot be read is one failed
item and the others go on.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from zhimei.errors import InputError, ZhimeiError
from zhimei.records import Document, Source
from zhimei.sources.errors import FetchError
from zhimei.sources.feeds import FeedItem, item_document, parse_feed
from zhimei.sources.fetch import Fetcher, NotModified, Validators
from zhimei.sources.files import SUFFIXES, parse_file
from zhimei.sources.pages import parse_page
from zhimei.store.sources_repo import FolderFile

__all__ = ["Item", "Reading", "read_feed", "read_folder", "read_page", "scan_folder"]

# Files nobody means to publish: editor lock files, partial downloads, hidden files.
_SKIPPED_PREFIXES = (".", "~$", "~")
_SKIPPED_SUFFIXES = (".tmp", ".part", ".crdownload", ".swp")
MAX_FOLDER_FILES = 10_000


@dataclass(frozen=True)
class Item:
    """One item of a source: its document, or why it could not be read (``error``).

    ``known``: the source already holds this locator, so it was not read again. ``load``: the item
    is read when its turn comes (a feed entry whose article is on its page), returning the read item.
    """

    locator: str | None
    document: Document | None = None
    error: str | None = None
    known: bool = False
    load: Callable[[], Item] | None = None

    def resolved(self) -> Item:
        """The item read, if it was waiting to be."""
        return self.load() if self.load is not None else self


@dataclass
class Reading:
    """What reading a source gave: items, and the validators to send next time."""

    not_modified: bool = False
    items: list[Item] = field(default_factory=list)
    validators: Validators = field(default_factory=Validators)
    files: dict[str, FolderFile] = field(default_factory=dict)  # folder: file → how it was read


def _fetch(fetcher: Fetcher, source: Source) -> tuple[bytes, str, dict[str, str], Validators] | None:
    validators = Validators(etag=source.etag, last_modified=source.last_modified)
    result = fetcher.fetch(source.location, validators)
    if isinstance(result, NotModified):
        return None
    return result.body, result.final_url, result.headers, result.validators


def _own_text(locator: str | None, item: FeedItem, source: Source) -> Item:
    try:
        return Item(locator, document=item_document(item, source=source.name))
    except InputError as exc:
        return Item(locator, error=f"{locator or item.title or 'an item'}: {exc}")


def _page_item(fetcher: Fetcher, source: Source, item: FeedItem, link: str) -> Item:
    try:
        page = fetcher.fetch(link)
        if not isinstance(page, NotModified):
            return Item(
                link, document=parse_page(page.body, page.final_url, page.headers, source=source.name)
            )
    except (FetchError, InputError) as exc:
        if not item.summary:
            return Item(link, error=f"{link}: {exc}")
    return _own_text(link, item, source)


def _feed_item(fetcher: Fetcher, source: Source, item: FeedItem, known: Callable[[str], bool]) -> Item:
    locator = item.link or item.guid
    if item.content:
        return _own_text(locator, item, source)
    if locator and known(locator):
        return Item(locator, known=True)  # its page was read on an earlier run
    link = item.link
    if link:
        return Item(locator, load=lambda: _page_item(fetcher, source, item, link))
    return _own_text(locator, item, source)


def read_feed(fetcher: Fetcher, source: Source, known: Callable[[str], bool]) -> Reading:
    """The items of a feed. An item with full text in the feed is read from the feed; one with only
    a summary is read from its page when its turn comes (unless ``known(link)``: read on an earlier
    run), falling back to the summary when the page has no article."""
    fetched = _fetch(fetcher, source)
    if fetched is None:
        return Reading(not_modified=True)
    body, url, headers, validators = fetched
    feed = parse_feed(body, url, headers)
    return Reading(
        items=[_feed_item(fetcher, source, item, known) for item in feed.items], validators=validators
    )


def read_page(fetcher: Fetcher, source: Source) -> Reading:
    """The article of a web page (one item)."""
    fetched = _fetch(fetcher, source)
    if fetched is None:
        return Reading(not_modified=True)
    body, url, headers, validators = fetched
    document = parse_page(body, url, headers, source=source.name)
    return Reading(items=[Item(document.canonical_url or url, document=document)], validators=validators)


def scan_folder(root: Path) -> Iterator[tuple[str, os.stat_result]]:
    """Readable files under ``root`` (relative POSIX path, stat), in path order.

    Symbolic links are not followed (a link could point anywhere on the machine); hidden files,
    editor lock files, partial downloads and unknown suffixes are skipped.
    """
    found: list[tuple[str, os.stat_result]] = []
    for folder, dirs, files in os.walk(root, followlinks=False):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        for name in files:
            if name.startswith(_SKIPPED_PREFIXES) or name.lower().endswith(_SKIPPED_SUFFIXES):
                continue
            if Path(name).suffix.lower() not in SUFFIXES:
                continue
            path = Path(folder) / name
            try:
                info = path.lstat()
            except OSError:
                continue
            if path.is_symlink() or not path.is_file():
                continue
            found.append((path.relative_to(root).as_posix(), info))
            if len(found) > MAX_FOLDER_FILES:
                raise InputError(
                    f"{root} holds more than {MAX_FOLDER_FILES} files", "split it into several folder sources"
                )
    yield from sorted(found)


def _file_items(root: Path, relpath: str, source: Source) -> list[Item]:
    documents = parse_file(root / relpath, source=source.name)
    if len(documents) == 1:
        return [Item(relpath, document=documents[0])]
    # One locator per record, by content: records have no stable position in a file.
    return [Item(f"{relpath}#{d.content_hash[:16]}", document=d) for d in documents]


def read_folder(source: Source, seen: dict[str, FolderFile]) -> Reading:
    """The documents of the files in a folder that are new or changed since ``seen``."""
    root = Path(source.location)
    if not root.is_dir():
        raise InputError(
            f"the folder {root} of source {source.name!r} does not exist", "create it or remove the source"
        )
    reading = Reading()
    for relpath, info in scan_folder(root):
        before = seen.get(relpath)
        if before is not None and (before.size, before.mtime_ns) == (info.st_size, info.st_mtime_ns):
            continue
        try:
            items = _file_items(root, relpath, source)
        except ZhimeiError as exc:
            reading.items.append(Item(relpath, error=f"{relpath}: {exc}"))
            reading.files[relpath] = FolderFile(
                relpath, info.st_size, info.st_mtime_ns, "failed", str(exc), 0
            )
            continue
        reading.items.extend(items)
        reading.files[relpath] = FolderFile(relpath, info.st_size, info.st_mtime_ns, "ok", None, len(items))
    return reading
