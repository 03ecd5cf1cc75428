"""RSS and Atom: feed items carrying both labels, through a feedgen extension.

Elements in zhimei's namespace (:data:`~zhimei.desk.labels.text.common.AIGC_NS`, prefix
``aigc``) inside each labelled item: ``aigc:AIGC`` (the GB 45438 object as JSON text),
``aigc:digitalSourceType``, ``aigc:aiLabel``, ``aigc:aiLabelKind``, ``aigc:reviewedBy``,
``aigc:reviewedAt``, ``aigc:humanEditRatio``. The explicit label is also added to the item's
description (top or bottom, as an escaped HTML paragraph), so readers without extension support
see it.
"""

from __future__ import annotations

import html
from functools import lru_cache
from typing import Any

from zhimei.desk.labels.text.common import AIGC_NS, aigc_json, label_fields
from zhimei.errors import ExtraMissingError
from zhimei.records import Label

__all__ = ["apply_to_rss_entry", "rss_extension"]

_PREFIX = "aigc"


@lru_cache(maxsize=1)
def rss_extension() -> tuple[type, type]:
    """The feedgen extension classes (feed, entry) for the ``aigc`` namespace."""
    try:
        from feedgen.ext.base import BaseEntryExtension, BaseExtension
        from lxml import etree
    except ImportError as exc:
        raise ExtraMissingError("feedgen", "desk") from exc

    class AigcExtension(BaseExtension):
        """Declares the ``aigc`` namespace on the feed."""

        def extend_ns(self) -> dict[str, str]:
            return {_PREFIX: AIGC_NS}

    class AigcEntryExtension(BaseEntryExtension):
        """Writes one item's label elements."""

        def __init__(self) -> None:
            self._label: Label | None = None

        def label(self, label: Label | None = None) -> Label | None:
            if label is not None:
                self._label = label
            return self._label

        def _extend(self, entry: Any) -> Any:
            if self._label is None:
                return entry
            values = {"AIGC": aigc_json(self._label), **label_fields(self._label)}
            for name, value in values.items():
                if value is not None:
                    etree.SubElement(entry, f"{{{AIGC_NS}}}{name}").text = str(value)
            return entry

        def extend_rss(self, entry: Any) -> Any:
            return self._extend(entry)

        def extend_atom(self, entry: Any) -> Any:
            return self._extend(entry)

    return AigcExtension, AigcEntryExtension


def apply_to_rss_entry(feed: Any, entry: Any, label: Label) -> None:
    """Label one feedgen ``FeedEntry`` of ``feed`` (a ``FeedGenerator``) in place."""
    feed_ext, entry_ext = rss_extension()
    if not hasattr(feed, _PREFIX):
        feed.register_extension(_PREFIX, feed_ext, entry_ext)
    if not hasattr(entry, _PREFIX):
        entry.register_extension(_PREFIX, entry_ext)
    getattr(entry, _PREFIX).label(label)
    description = entry.description() or ""
    # An RSS description is HTML: the label is escaped so an editor's name stays text.
    text = f'<p class="aigc-label">{html.escape(label.explicit_text, quote=True)}</p>'
    entry.description(f"{text}\n{description}" if label.position == "top" else f"{description}\n{text}")
