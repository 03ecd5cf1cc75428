"""DOCX: core and custom document properties, and the explicit label as a paragraph.

Applied to a python-docx ``Document`` (the ``desk`` extra). Custom properties
(``docProps/custom.xml``): ``AIGC`` (the GB 45438 object as JSON), ``DigitalSourceType``,
``AILabel``, ``AILabelKind``, ``ReviewedBy``, ``ReviewedAt``, ``HumanEditRatio``; other custom
properties already in the document are kept. Core properties: ``AIGC`` joins the keywords, the
explicit label becomes the comments and the kind the content status. The explicit label is
added as the first or last paragraph. Apply once per document.
"""

from __future__ import annotations

from typing import Any

from zhimei.desk.labels.text.common import aigc_json, label_fields
from zhimei.errors import ExtraMissingError
from zhimei.records import Label

__all__ = ["CUSTOM_PROPERTIES", "apply_to_docx", "custom_properties"]

_CUSTOM_NS = "http://schemas.openxmlformats.org/officeDocument/2006/custom-properties"
_VT_NS = "http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes"
_FMTID = "{D5CDD505-2E9C-101B-9397-08002B2CF9AE}"
_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/custom-properties"
_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.custom-properties+xml"
CUSTOM_PROPERTIES = (
    "AIGC",
    "DigitalSourceType",
    "AILabel",
    "AILabelKind",
    "ReviewedBy",
    "ReviewedAt",
    "HumanEditRatio",
)


def custom_properties(label: Label) -> dict[str, str]:
    """The custom document properties of the label (absent values left out)."""
    fields = label_fields(label)
    values = [aigc_json(label), *fields.values()]
    return {k: str(v) for k, v in zip(CUSTOM_PROPERTIES, values, strict=True) if v is not None}


def _custom_xml(existing: bytes | None, props: dict[str, str]) -> bytes:
    from lxml import etree

    if existing:
        root = etree.fromstring(existing, etree.XMLParser(resolve_entities=False, no_network=True))
        for el in list(root):
            if el.get("name") in props:
                root.remove(el)
    else:
        root = etree.Element(f"{{{_CUSTOM_NS}}}Properties", nsmap={None: _CUSTOM_NS, "vt": _VT_NS})
    pids = [int(el.get("pid", "1")) for el in root if el.get("pid", "").isdigit()]
    pid = max(pids, default=1)
    for name, value in props.items():
        pid += 1
        prop = etree.SubElement(root, f"{{{_CUSTOM_NS}}}property", fmtid=_FMTID, pid=str(pid), name=name)
        etree.SubElement(prop, f"{{{_VT_NS}}}lpwstr").text = value
    return bytes(etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True))


def apply_to_docx(document: Any, label: Label) -> None:
    """Write both labels into a python-docx ``Document`` in place (see the module docstring)."""
    try:
        from docx.opc.packuri import PackURI
        from docx.opc.part import Part
    except ImportError as exc:
        raise ExtraMissingError("python-docx", "desk") from exc
    package = document.part.package
    part = next((r.target_part for r in package.rels.values() if r.reltype == _REL), None)
    blob = _custom_xml(part.blob if part is not None else None, custom_properties(label))
    if part is None:
        package.relate_to(Part(PackURI("/docProps/custom.xml"), _CONTENT_TYPE, blob, package), _REL)
    else:
        part._blob = blob  # a loaded custom part is a plain Part: its bytes are the whole state
    core = document.core_properties
    keywords = [k.strip() for k in (core.keywords or "").split(",") if k.strip()]
    if "AIGC" not in keywords:
        core.keywords = ", ".join([*keywords, "AIGC"])
    core.comments = label.explicit_text
    core.content_status = "AI-generated" if label.kind == "generated" else "AI-assisted"
    paragraphs = document.paragraphs
    if label.position == "top" and paragraphs:
        paragraphs[0].insert_paragraph_before(label.explicit_text)
    else:
        document.add_paragraph(label.explicit_text)
