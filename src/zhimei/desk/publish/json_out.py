"""JSON: the publication with both labels (the same document the webhook posts)."""

from __future__ import annotations

import json

from zhimei.desk.publish.item import PublishItem

__all__ = ["render_json"]


def render_json(item: PublishItem) -> str:
    """The publication as pretty-printed JSON (UTF-8 text, keys in a fixed order)."""
    return json.dumps(item.payload(), ensure_ascii=False, indent=2) + "\n"
