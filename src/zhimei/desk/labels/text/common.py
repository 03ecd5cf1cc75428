"""What every text format carries besides the explicit label: the shared field names and values."""

from __future__ import annotations

import json

from zhimei.records import Label

__all__ = ["AIGC_NS", "aigc_json", "label_fields"]

# The namespace of zhimei's own label fields (RSS elements, JSON-LD terms). A URN: it names,
# it does not resolve.
AIGC_NS = "urn:zhimei:ns:aigc:1.0"


def aigc_json(label: Label) -> str:
    """The GB 45438 ``AIGC`` object as compact JSON (the value of the ``AIGC`` metadata key)."""
    return json.dumps(label.aigc.fields(), ensure_ascii=False, separators=(",", ":"))


def label_fields(label: Label) -> dict[str, str | float | None]:
    """The label's other fields under the names every format uses (camelCase)."""
    return {
        "digitalSourceType": label.digital_source_type,
        "aiLabel": label.explicit_text,
        "aiLabelKind": label.kind,
        "reviewedBy": label.reviewed_by,
        "reviewedAt": label.reviewed_at.isoformat() if label.reviewed_at else None,
        "humanEditRatio": label.human_edit_ratio,
    }
