"""HTML: ``<meta name="AIGC">``, JSON-LD, and the explicit label as a paragraph.

* ``<meta name="AIGC" content='{"Label":"1",…}'>``: the GB 45438 object as compact JSON in a
  single-quoted attribute, HTML-escaped (``&``, ``<``, ``>``, ``"`` and ``'``), so any field value
  reads back as the same JSON and never leaves the attribute.
* JSON-LD (``<script type="application/ld+json">``): a schema.org ``CreativeWork`` with the
  ``AIGC`` object (a JSON literal), the IPTC ``DigitalSourceType``, the responsible ``editor``
  and zhimei's review fields; ``<``, ``>`` and ``&`` are written as ``\\u003c`` … so nothing can
  close the script element.
* The explicit label: ``<p class="aigc-label" data-aigc-label="explicit" lang="…">``, escaped.

:func:`html_document` builds a whole page from an HTML body fragment, which it sanitises with
nh3 (the ``desk`` extra): model-written markup never carries scripts or event handlers out.
"""

from __future__ import annotations

import html
import json
from typing import Any

from zhimei.desk.labels.text.common import AIGC_NS, aigc_json, label_fields
from zhimei.errors import ExtraMissingError
from zhimei.records import Label

__all__ = ["explicit_html", "html_document", "html_head", "jsonld", "jsonld_script", "meta_tag"]

_IPTC_EXT = "http://iptc.org/std/Iptc4xmpExt/2008-02-29/"


def meta_tag(label: Label) -> str:
    """``<meta name="AIGC" content='…'>`` with the GB 45438 object."""
    return f"<meta name=\"AIGC\" content='{html.escape(aigc_json(label), quote=True)}'>"


def jsonld(label: Label, headline: str | None = None) -> dict[str, Any]:
    """The label as a JSON-LD object (schema.org CreativeWork plus zhimei and IPTC terms)."""
    fields = label_fields(label)
    data: dict[str, Any] = {
        "@context": {
            "@vocab": "https://schema.org/",
            "AIGC": {"@id": f"{AIGC_NS}#AIGC", "@type": "@json"},
            "digitalSourceType": {"@id": f"{_IPTC_EXT}DigitalSourceType", "@type": "@id"},
            **{
                k: f"{AIGC_NS}#{k}"
                for k in ("aiLabel", "aiLabelKind", "reviewedBy", "reviewedAt", "humanEditRatio")
            },
        },
        "@type": "CreativeWork",
        "inLanguage": label.lang,
        "AIGC": label.aigc.fields(),
        **{k: v for k, v in fields.items() if v is not None},
    }
    if headline is not None:
        data["headline"] = headline
    if label.reviewed_by:
        data["editor"] = {"@type": "Person", "name": label.reviewed_by}
    return data


def jsonld_script(label: Label, headline: str | None = None) -> str:
    """``<script type="application/ld+json">`` holding :func:`jsonld`, safe inside any HTML."""
    text = json.dumps(jsonld(label, headline), ensure_ascii=False, indent=None, separators=(",", ":"))
    text = text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    return f'<script type="application/ld+json">{text}</script>'


def explicit_html(label: Label) -> str:
    """The visible label paragraph."""
    return (
        f'<p class="aigc-label" data-aigc-label="explicit" lang="{label.lang}">'
        f"{html.escape(label.explicit_text, quote=True)}</p>"
    )


def html_head(label: Label, headline: str | None = None) -> str:
    """The ``<head>`` lines of the implicit label: the AIGC meta tag and the JSON-LD script."""
    return f"{meta_tag(label)}\n{jsonld_script(label, headline)}"


def _sanitise(fragment: str) -> str:
    try:
        import nh3
    except ImportError as exc:
        raise ExtraMissingError("nh3", "desk") from exc
    return str(nh3.clean(fragment))


def html_document(title: str, body_html: str, label: Label) -> str:
    """A complete HTML page: sanitised ``body_html`` with both labels (position as the label says)."""
    body = _sanitise(body_html)
    explicit = explicit_html(label)
    main = f"{explicit}\n{body}" if label.position == "top" else f"{body}\n{explicit}"
    return (
        f'<!DOCTYPE html>\n<html lang="{label.lang}">\n<head>\n<meta charset="utf-8">\n'
        f"<title>{html.escape(title)}</title>\n{html_head(label, title)}\n</head>\n"
        f"<body>\n<article>\n{main}\n</article>\n</body>\n</html>\n"
    )
