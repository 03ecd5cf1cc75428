"""Markdown: YAML front-matter with the implicit label, and the explicit label as a paragraph.

The front-matter holds ``AIGC`` (the GB 45438 object, as a mapping) and the fields of
:func:`~zhimei.desk.labels.text.common.label_fields`; a document that already has front-matter
keeps its other keys. The explicit label's ASCII punctuation is backslash-escaped, so an editor
name cannot open a link, emphasis or raw HTML in any CommonMark renderer.
"""

from __future__ import annotations

import re
from typing import Any

from zhimei.errors import ExtraMissingError, InputError
from zhimei.records import Label

__all__ = ["apply_to_markdown", "escape_markdown", "front_matter"]

_PUNCT = re.compile(r"([!-/:-@\[-`{-~])")
_FRONT = re.compile(r"\A---[ \t]*\r?\n(.*?)\r?\n---[ \t]*(?:\r?\n|\Z)", re.DOTALL)


def _yaml() -> Any:
    try:
        import yaml
    except ImportError as exc:
        raise ExtraMissingError("pyyaml", "desk") from exc
    return yaml


def escape_markdown(text: str) -> str:
    """``text`` with every ASCII punctuation character backslash-escaped (CommonMark)."""
    return _PUNCT.sub(r"\\\1", text)


def front_matter(label: Label) -> dict[str, Any]:
    """The front-matter keys of the label (``AIGC`` first)."""
    from zhimei.desk.labels.text.common import label_fields

    return {"AIGC": label.aigc.fields(), **label_fields(label)}


def apply_to_markdown(markdown: str, label: Label) -> str:
    """``markdown`` with the label's front-matter and the explicit label paragraph.

    Raises InputError when existing front-matter is not a YAML mapping.
    """
    yaml = _yaml()
    meta: dict[str, Any] = {}
    body = markdown
    m = _FRONT.match(markdown)
    if m:
        try:
            existing = yaml.safe_load(m.group(1)) or {}
        except yaml.YAMLError as exc:
            raise InputError("the document's front-matter is not valid YAML", f"fix it: {exc}") from exc
        if not isinstance(existing, dict):
            raise InputError("the document's front-matter is not a mapping", "use key: value lines")
        meta.update(existing)
        body = markdown[m.end() :]
    meta.update(front_matter(label))
    head = yaml.safe_dump(meta, allow_unicode=True, sort_keys=False, default_flow_style=False, width=10_000)
    explicit = escape_markdown(label.explicit_text)
    body = body.strip("\n")
    text = f"{explicit}\n\n{body}" if label.position == "top" else f"{body}\n\n{explicit}"
    return f"---\n{head}---\n\n{text.strip(chr(10))}\n"
