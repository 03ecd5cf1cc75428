"""AIGC labels: the explicit (visible) and implicit (machine-readable) label of published content.

:func:`make_label` builds a :class:`~zhimei.records.Label` for China's 《人工智能生成合成内容标识办法》
and GB 45438-2025 (in force since 2025-09-01) and EU AI Act Art. 50; the renderers of
:mod:`zhimei.desk.labels.text` write it into each text format. Other media (image, audio, video)
get their own modules here.
"""

from zhimei.desk.labels.edit_ratio import human_edit_ratio
from zhimei.desk.labels.make import (
    IPTC_ASSISTED,
    IPTC_GENERATED,
    content_hash,
    explicit_text,
    label_kind,
    make_label,
)
from zhimei.desk.labels.wording import DEFAULT_WORDING, LabelWording
from zhimei.records import AigcMetadata, Label

__all__ = [
    "DEFAULT_WORDING",
    "IPTC_ASSISTED",
    "IPTC_GENERATED",
    "AigcMetadata",
    "Label",
    "LabelWording",
    "content_hash",
    "explicit_text",
    "human_edit_ratio",
    "label_kind",
    "make_label",
]
