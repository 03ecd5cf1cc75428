"""Building the :class:`~zhimei.records.Label` of a published text: :func:`make_label`.

The implicit label follows GB 45438-2025 Annex E (the ``AIGC`` object: ``Label``,
``ContentProducer``, ``ProduceID``, ``ReservedCode1``, ``ContentPropagator``, ``PropagateID``,
``ReservedCode2``), required by the 《人工智能生成合成内容标识办法》 in force since 2025-09-01;
the explicit label is the visible wording of :mod:`zhimei.desk.labels.wording`. The IPTC digital
source type and the named, reviewing editor make the same facts readable under EU AI Act Art. 50:
machine-readable marking (50(2)) and, for text on matters of public interest, the human review
and editorial responsibility that Art. 50(4) asks deployers to be able to show.
"""

from __future__ import annotations

import hashlib
import math
import re
import unicodedata
from datetime import datetime
from typing import Literal

from zhimei.desk.labels.wording import DEFAULT_WORDING, LabelWording
from zhimei.errors import InputError
from zhimei.records import AigcMetadata, Label, Lang

__all__ = ["IPTC_ASSISTED", "IPTC_GENERATED", "content_hash", "explicit_text", "label_kind", "make_label"]

IPTC_GENERATED = "http://cv.iptc.org/newscodes/digitalsourcetype/trainedAlgorithmicMedia"
IPTC_ASSISTED = "http://cv.iptc.org/newscodes/digitalsourcetype/compositeWithTrainedAlgorithmicMedia"

# Control characters, lone surrogates and non-characters cannot travel in XML (DOCX, RSS) or be
# read back reliably anywhere; a label field holding one is refused, not silently altered.
_BAD = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")
_MAX_FIELD = 200


def _field(name: str, value: str, *, required: bool) -> str:
    if not isinstance(value, str):
        raise InputError(f"{name} must be text, not {type(value).__name__}", f"pass {name} as a str")
    value = value.strip()
    if required and not value:
        raise InputError(f"{name} is empty", f"GB 45438 requires {name}: set it")
    if _BAD.search(value) or "\n" in value or "\r" in value or "\t" in value:
        raise InputError(
            f"{name} contains control characters or invalid code points", f"remove them from {name}"
        )
    if len(value) > _MAX_FIELD:
        raise InputError(f"{name} is {len(value)} characters long", f"keep {name} under {_MAX_FIELD}")
    return value


def content_hash(text: str) -> str:
    """``sha256:<hex>`` of ``text`` in Unicode NFC, the integrity code zhimei writes in ReservedCode1."""
    data = unicodedata.normalize("NFC", text).encode("utf-8", "surrogatepass")
    return "sha256:" + hashlib.sha256(data).hexdigest()


def label_kind(
    human_edit_ratio: float, wording: LabelWording = DEFAULT_WORDING
) -> Literal["generated", "assisted"]:
    """``generated`` below the wording's threshold, else ``assisted`` (table in the wording module)."""
    return "generated" if human_edit_ratio < wording.generated_below else "assisted"


def explicit_text(
    lang: Lang,
    kind: Literal["generated", "assisted"],
    reviewed: bool,
    editor: str | None,
    wording: LabelWording = DEFAULT_WORDING,
) -> str:
    """The visible label: ``本文由AI辅助生成，经编辑张伟审核``, ``AI-assisted, reviewed by editors`` …"""
    base = getattr(wording, f"{lang}_{kind}")
    if editor:
        return base + getattr(wording, f"{lang}_reviewed_by").replace("{editor}", editor)
    return base + (getattr(wording, f"{lang}_reviewed") if reviewed else "")


def make_label(
    *,
    lang: Lang,
    producer: str,
    produce_id: str,
    human_edit_ratio: float,
    reviewed_by: str | None = None,
    reviewed_at: datetime | None = None,
    position: Literal["top", "bottom"] = "bottom",
    propagator: str = "",
    propagate_id: str = "",
    content: str | None = None,
    reserved_code2: str = "",
    wording: LabelWording = DEFAULT_WORDING,
) -> Label:
    """The label of a text the model wrote part of.

    ``producer``/``produce_id``: the generating service (the newsroom's name or filing code) and
    its unique id for this content; ``propagator``/``propagate_id``: the publishing service and
    its id (empty until published). ``content``, when given, is hashed into ReservedCode1.
    ``human_edit_ratio`` as in :func:`~zhimei.desk.labels.edit_ratio.human_edit_ratio`;
    ``reviewed_by`` names the editor holding editorial responsibility.

    Raises InputError when nothing of the model's text remains (ratio 1.0: no AIGC label is due),
    for a missing producer or id, a naive ``reviewed_at``, an unknown language or position, or
    fields with control characters.
    """
    if lang not in ("zh", "en"):
        raise InputError(f"unknown language {lang!r}", "use 'zh' or 'en'")
    if position not in ("top", "bottom"):
        raise InputError(f"unknown label position {position!r}", "use 'top' or 'bottom'")
    if not isinstance(human_edit_ratio, int | float) or math.isnan(human_edit_ratio):
        raise InputError(
            "human_edit_ratio must be a number from 0 to 1", "compute it with human_edit_ratio()"
        )
    if not 0.0 <= human_edit_ratio <= 1.0:
        raise InputError(f"human_edit_ratio {human_edit_ratio} is outside 0-1", "pass a share from 0 to 1")
    if human_edit_ratio >= 1.0:
        raise InputError(
            "no part of the text was written by the model, so no AIGC label is due",
            "publish it without a label, or pass the real human_edit_ratio",
        )
    if reviewed_at is not None and (not isinstance(reviewed_at, datetime) or reviewed_at.tzinfo is None):
        raise InputError("reviewed_at must be a timezone-aware datetime", "pass e.g. datetime.now(UTC)")
    editor = _field("reviewed_by", reviewed_by, required=False) if reviewed_by is not None else None
    aigc = AigcMetadata(
        Label="1",
        ContentProducer=_field("ContentProducer", producer, required=True),
        ProduceID=_field("ProduceID", produce_id, required=True),
        ReservedCode1=content_hash(content) if content is not None else "",
        ContentPropagator=_field("ContentPropagator", propagator, required=False),
        PropagateID=_field("PropagateID", propagate_id, required=False),
        ReservedCode2=_field("ReservedCode2", reserved_code2, required=False),
    )
    kind = label_kind(human_edit_ratio, wording)
    reviewed = reviewed_at is not None or bool(editor)
    return Label(
        explicit_text=explicit_text(lang, kind, reviewed, editor or None, wording),
        lang=lang,
        position=position,
        kind=kind,
        aigc=aigc,
        digital_source_type=IPTC_GENERATED if kind == "generated" else IPTC_ASSISTED,
        reviewed_by=editor or None,
        reviewed_at=reviewed_at,
        human_edit_ratio=float(human_edit_ratio),
    )
