"""Adding sources: checking what a user typed, choosing names, importing a feed reader's OPML."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

from zhimei.errors import DuplicateError, InputError
from zhimei.intake.durations import parse_duration
from zhimei.records import Source, SourceKind
from zhimei.sources.opml import parse_opml
from zhimei.store.sources_repo import SourceStore

__all__ = ["DEFAULT_EVERY", "KINDS", "OpmlImport", "add_source", "import_opml"]

KINDS: tuple[SourceKind, ...] = ("rss", "web", "folder")
# How often a source is polled unless told: feeds change often, a single page rarely.
DEFAULT_EVERY = {"rss": timedelta(minutes=15), "web": timedelta(hours=1), "folder": timedelta(minutes=1)}
MAX_URL = 2000
MAX_NAME = 200


@dataclass(frozen=True)
class OpmlImport:
    """Sources an OPML import added, and the feed URLs it skipped (already sources)."""

    added: tuple[Source, ...]
    skipped: tuple[str, ...]


def _kind(kind: str) -> SourceKind:
    for known in KINDS:
        if kind == known:
            return known
    raise InputError(f"unknown source kind {kind!r}", "use one of: " + ", ".join(KINDS))


def _url(url: str) -> str:
    url = url.strip()
    parts = urlsplit(url)
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        raise InputError(
            f"{url!r} is not an http(s) URL", "give the full address, e.g. https://example.org/feed.xml"
        )
    if len(url) > MAX_URL:
        raise InputError(
            f"the URL is {len(url)} characters long", f"sources take URLs up to {MAX_URL} characters"
        )
    return url


def _folder(path: str) -> str:
    folder = Path(path).expanduser().resolve()
    if not folder.is_dir():
        raise InputError(
            f"{folder} is not a folder", "create it first, or give the path of an existing folder"
        )
    return str(folder)


def _default_name(kind: SourceKind, location: str) -> str:
    if kind == "folder":
        return Path(location).name or location
    parts = urlsplit(location)
    path = parts.path.rstrip("/")
    return (parts.hostname or "") + (path if len(path) <= 60 else "/…" + path[-58:])


def _free_name(store: SourceStore, wanted: str) -> str:
    name, n = wanted, 2
    while store.find(name) is not None:
        name, n = f"{wanted}-{n}", n + 1
    return name


def _name(name: str) -> str:
    name = " ".join(name.split())
    if not name or len(name) > MAX_NAME:
        raise InputError(f"a source name must be 1 to {MAX_NAME} characters", "give --name")
    return name


def add_source(
    store: SourceStore,
    kind: str,
    location: str,
    *,
    name: str | None = None,
    every: str | int | None = None,
    category: str | None = None,
) -> Source:
    """Add a source after checking it: rss/web need an http(s) URL, folder an existing folder.

    Without ``name`` one is made from the URL host and path (or the folder's name); without
    ``every`` the kind's default applies (rss 15m, web 1h, folder 1m). DuplicateError for a name
    or a location already taken.
    """
    checked = _kind(kind)
    where = _folder(location) if checked == "folder" else _url(location)
    seconds = int((parse_duration(every) if every is not None else DEFAULT_EVERY[checked]).total_seconds())
    chosen = _name(name) if name else _free_name(store, _name(_default_name(checked, where)))
    return store.add(checked, where, chosen, every=seconds, category=category)


def import_opml(store: SourceStore, path: Path, *, every: str | int | None = None) -> OpmlImport:
    """Add every feed of an OPML file as an rss source; feeds that are sources already are skipped."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise InputError(f"cannot read {path}: {exc.strerror or exc}", "check the path") from None
    added, skipped = [], []
    for feed in parse_opml(data):
        try:
            name = _free_name(store, _name((feed.title or _default_name("rss", feed.url))[: MAX_NAME - 8]))
            added.append(add_source(store, "rss", feed.url, name=name, every=every, category=feed.category))
        except DuplicateError:
            skipped.append(feed.url)
    return OpmlImport(added=tuple(added), skipped=tuple(skipped))
