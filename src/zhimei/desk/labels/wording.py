"""The visible wording of an AIGC label, and the thresholds that choose it.

A label is required whenever the model wrote any part of the published text. How much the
editors changed decides the wording, by ``human_edit_ratio`` (the share of the published text,
zh characters or en words, that does not come from the model's output; see
:func:`zhimei.desk.labels.edit_ratio.human_edit_ratio`):

=====================  =========  ================  ============
human_edit_ratio       kind       zh (default)      en (default)
=====================  =========  ================  ============
below 0.2              generated  本文由AI生成      AI-generated
0.2 to below 1.0       assisted   本文由AI辅助生成  AI-assisted
1.0 (no model text)    no label   —                 —
=====================  =========  ================  ============

A reviewed text adds ``，经编辑审核`` / ``, reviewed by editors``, or with the responsible editor's
name ``，经编辑{editor}审核`` / ``, reviewed by editor {editor}``. The IPTC digital source type
follows the kind: ``trainedAlgorithmicMedia`` for generated, ``compositeWithTrainedAlgorithmicMedia``
for assisted. Every wording and the threshold are configurable per newsroom.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, field_validator

__all__ = ["DEFAULT_WORDING", "LabelWording"]


class LabelWording(BaseModel):
    """A newsroom's label texts (zh and en) and the generated/assisted threshold."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    generated_below: float = Field(default=0.2, gt=0.0, le=1.0, allow_inf_nan=False)
    zh_generated: str = "本文由AI生成"
    zh_assisted: str = "本文由AI辅助生成"
    zh_reviewed: str = "，经编辑审核"
    zh_reviewed_by: str = "，经编辑{editor}审核"
    en_generated: str = "AI-generated"
    en_assisted: str = "AI-assisted"
    en_reviewed: str = ", reviewed by editors"
    en_reviewed_by: str = ", reviewed by editor {editor}"

    @field_validator("zh_reviewed_by", "en_reviewed_by")
    @classmethod
    def _names_editor(cls, value: str) -> str:
        rest = value.replace("{editor}", "", 1)
        if "{editor}" not in value or "{" in rest or "}" in rest:
            raise ValueError("must contain {editor} exactly once and no other braces")
        return value

    @field_validator("zh_generated", "zh_assisted", "en_generated", "en_assisted")
    @classmethod
    def _not_blank(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("a label text cannot be blank")
        return value


DEFAULT_WORDING = LabelWording()
