"""AIGC labels for text, one module per format: plain, Markdown, HTML (meta + JSON-LD), DOCX, RSS."""

from zhimei.desk.labels.text.common import AIGC_NS, aigc_json, label_fields
from zhimei.desk.labels.text.docx import apply_to_docx, custom_properties
from zhimei.desk.labels.text.html import (
    explicit_html,
    html_document,
    html_head,
    jsonld,
    jsonld_script,
    meta_tag,
)
from zhimei.desk.labels.text.markdown import apply_to_markdown, escape_markdown, front_matter
from zhimei.desk.labels.text.plain import apply_to_plain
from zhimei.desk.labels.text.rss import apply_to_rss_entry, rss_extension

__all__ = [
    "AIGC_NS",
    "aigc_json",
    "apply_to_docx",
    "apply_to_markdown",
    "apply_to_plain",
    "apply_to_rss_entry",
    "custom_properties",
    "escape_markdown",
    "explicit_html",
    "front_matter",
    "html_document",
    "html_head",
    "jsonld",
    "jsonld_script",
    "label_fields",
    "meta_tag",
    "rss_extension",
]
