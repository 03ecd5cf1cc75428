"""XML bytes made safe to parse: decoded by our rules, entity declarations refused, re-encoded as UTF-8.

Defends against entity expansion ("billion laughs", quadratic blow-up) and external entities
(XXE: reading local files or URLs through ``<!ENTITY x SYSTEM "file:///etc/passwd">``): any
document whose DTD declares an entity is refused with :class:`UnsafeXMLError` before a feed or
OPML parser sees it (defusedxml decides; a malformed document that mentions ``<!ENTITY`` at all
is refused too, as no legitimate feed needs one). Also makes the encoding unambiguous: the
bytes are decoded by :func:`~zhimei.sources.decode.decode_markup` (BOM, HTTP charset, XML
declaration, detection; GBK/GB2312 as GB18030) and handed on as UTF-8 with a matching
declaration, so downstream parsers never guess.
"""

from __future__ import annotations

import re

from zhimei.errors import ExtraMissingError, InputError
from zhimei.sources.decode import MAX_BYTES, decode_markup
from zhimei.sources.errors import UnsafeXMLError

__all__ = ["refuse_entity_declarations", "utf8_xml"]

_DECLARATION = re.compile(r"^\s*<\?xml[^>]*?\?>", re.IGNORECASE)
_ENCODING = re.compile(r"""encoding\s*=\s*["'][^"']*["']""", re.IGNORECASE)


def refuse_entity_declarations(xml: bytes, name: str) -> None:
    """Raise :class:`UnsafeXMLError` if the UTF-8 document ``xml`` declares any entity."""
    if b"<!entity" not in xml.lower():
        return
    try:
        from xml.etree.ElementTree import ParseError

        from defusedxml import DefusedXmlException
        from defusedxml.ElementTree import fromstring
    except ImportError as exc:
        raise ExtraMissingError("defusedxml", "intake") from exc
    try:
        fromstring(xml, forbid_dtd=False, forbid_entities=True, forbid_external=True)
    except DefusedXmlException as exc:
        raise UnsafeXMLError(
            f"{name} declares XML entities ({type(exc).__name__}), which zhimei refuses to expand",
            "no genuine feed needs entity declarations; ask the publisher to remove them",
        ) from None
    except ParseError:
        raise UnsafeXMLError(
            f"{name} is malformed XML with an entity declaration", "ask the publisher to fix the feed"
        ) from None


def utf8_xml(data: bytes, *, content_type: str | None = None, name: str = "input") -> bytes:
    """``data`` as UTF-8 XML with a matching declaration, after :func:`refuse_entity_declarations`.

    Raises :class:`~zhimei.errors.InputError` when the input is over 20 MB, empty, binary or
    undecodable, and :class:`UnsafeXMLError` when it declares entities.
    """
    if len(data) > MAX_BYTES:
        raise InputError(
            f"{name} is {len(data) / 1_048_576:.1f} MB, over the {MAX_BYTES / 1_048_576:g} MB limit",
            "a feed that large is not a feed; check the URL",
        )
    text = decode_markup(data, content_type=content_type, name=name)
    declaration = _DECLARATION.match(text)
    if declaration:
        fixed = _ENCODING.sub('encoding="utf-8"', declaration.group(0))
        text = fixed + text[declaration.end() :]
    xml = text.encode("utf-8")
    refuse_entity_declarations(xml, name)
    return xml
