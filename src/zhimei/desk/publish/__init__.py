"""Publishing: one module per format, and delivery to a folder or a webhook.

Formats: ``markdown``, ``html``, ``json``, ``docx`` (one file per draft in a folder), ``rss`` (an
RSS 2.0 ``feed.xml`` and an Atom ``atom.xml`` of every item published to that folder) and
``webhook`` (the JSON document POSTed to a URL). Every format carries the explicit and the implicit
AIGC label (:mod:`zhimei.desk.labels`). Publishers take a :class:`PublishItem`, which holds a
:class:`~zhimei.desk.labelled.LabelledRevision`: only approved, labelled revisions get out.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

from zhimei.desk.publish.docx_out import render_docx
from zhimei.desk.publish.folder import remove_file, write_file
from zhimei.desk.publish.html import render_html
from zhimei.desk.publish.item import PublishItem, label_payload
from zhimei.desk.publish.json_out import render_json
from zhimei.desk.publish.markdown import render_markdown
from zhimei.desk.publish.rss import render_feed
from zhimei.desk.publish.webhook import check_url, post
from zhimei.errors import InputError

__all__ = [
    "FILE_FORMATS",
    "FORMATS",
    "PublishItem",
    "deliver",
    "label_payload",
    "normalise_target",
    "render_docx",
    "render_feed",
    "render_html",
    "render_json",
    "render_markdown",
    "withdraw",
]


def _text(render: Callable[[PublishItem], str]) -> Callable[[PublishItem], bytes]:
    return lambda item: render(item).encode("utf-8")


FILE_FORMATS: dict[str, tuple[str, Callable[[PublishItem], bytes]]] = {
    "markdown": (".md", _text(render_markdown)),
    "html": (".html", _text(render_html)),
    "json": (".json", _text(render_json)),
    "docx": (".docx", render_docx),
}
FORMATS: tuple[str, ...] = (*FILE_FORMATS, "rss", "webhook")
FEED_FILES = ("feed.xml", "atom.xml")


def normalise_target(fmt: str, target: str | Path | None, default_folder: Path) -> str:
    """The stored form of a target: an absolute folder, or the webhook URL. InputError if unusable."""
    if fmt not in FORMATS:
        raise InputError(f"unknown format {fmt!r}", f"use one of: {', '.join(FORMATS)}")
    if fmt == "webhook":
        if not target:
            raise InputError("a webhook publication needs a URL", "pass --url https://…")
        return check_url(str(target))
    folder = Path(target).expanduser() if target else default_folder
    return str(folder.resolve())


def _feed(folder: Path, items: Sequence[PublishItem], producer: str) -> str:
    rss, atom = render_feed(items, title=f"{producer} feed", link=folder.as_uri())
    write_file(folder, FEED_FILES[1], atom)
    return str(write_file(folder, FEED_FILES[0], rss))


def deliver(
    fmt: str, item: PublishItem, target: str, feed: Sequence[PublishItem] = (), producer: str = "zhimei"
) -> str:
    """Publish ``item`` in ``fmt`` to ``target``; returns where it went (a file or the URL).

    ``feed`` (rss only) holds the other items live in that folder's feed.
    """
    if fmt == "webhook":
        post(target, {"event": "publish", **item.payload()}, item.key)
        return target
    folder = Path(target)
    if fmt == "rss":
        return _feed(folder, [*(i for i in feed if i.key != item.key), item], producer)
    suffix, render = FILE_FORMATS[fmt]
    return str(write_file(folder, item.slug + suffix, render(item)))


def withdraw(
    fmt: str, draft_id: int, key: str, target: str, feed: Sequence[PublishItem] = (), producer: str = "zhimei"
) -> None:
    """Take a publication down: remove its file, rewrite the feed without it, or tell the webhook."""
    if fmt == "webhook":
        post(target, {"event": "unpublish", "id": key, "draft": draft_id}, f"{key}:unpublish")
        return
    folder = Path(target)
    if fmt == "rss":
        _feed(folder, [i for i in feed if i.key != key], producer)
        return
    remove_file(folder, f"draft-{draft_id}{FILE_FORMATS[fmt][0]}")
