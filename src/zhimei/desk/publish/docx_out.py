"""DOCX: a Word document of the publication, the label in its core and custom properties and as a
visible paragraph (python-docx, the ``desk`` extra)."""

from __future__ import annotations

import io

from zhimei.desk.labels.text import apply_to_docx
from zhimei.desk.publish.item import PublishItem
from zhimei.errors import ExtraMissingError

__all__ = ["render_docx"]


def render_docx(item: PublishItem) -> bytes:
    """The publication as the bytes of a .docx file."""
    try:
        from docx import Document
    except ImportError as exc:
        raise ExtraMissingError("python-docx", "desk") from exc
    document = Document()
    core = document.core_properties
    core.title = item.title
    core.language = item.lang
    core.author = item.labelled.approval.actor
    core.created = item.published_at
    core.modified = item.published_at
    core.revision = item.revision
    document.add_heading(item.title, level=0)
    if item.correction:
        document.add_paragraph(item.correction, style="Intense Quote")
    for paragraph in item.text.split("\n"):
        if paragraph.strip():
            document.add_paragraph(paragraph)
    if item.label is not None:
        apply_to_docx(document, item.label)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()
