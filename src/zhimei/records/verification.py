"""Records of the desk's verification flags and AIGC labels."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Literal

from pydantic import AwareDatetime, ConfigDict, Field, field_validator

from zhimei.records.base import Lang, Record

__all__ = ["AigcMetadata", "Flag", "FlagKind", "Label", "Verification"]


FlagKind = Literal["grounding", "copying", "pii", "sensitive", "link"]


class Flag(Record):
    """One finding of draft verification, at ``[start, end)`` character offsets in the draft.

    ``category`` refines ``kind`` (grounding: number, percent, money, date, person, place,
    organisation, name; pii: resident_id, mobile, email, bank_card, address; copying: overlap;
    sensitive: term; link: url, email). ``value`` is the normalised value the ``id`` is derived
    from, so an editor's acknowledgement survives re-verification and edits elsewhere in the text.
    """

    id: str
    kind: FlagKind
    category: str
    severity: Literal["info", "warning", "error"]
    start: int = Field(ge=0)
    end: int = Field(ge=0)
    text: str
    value: str
    detail: str
    blocks_publishing: bool = False


class Verification(Record):
    """Every flag of one draft, in text order, with counts per kind and the checks that ran."""

    lang: Lang
    checks: tuple[FlagKind, ...]
    flags: tuple[Flag, ...]
    counts: dict[str, int]
    blocking: int = Field(ge=0)

    @property
    def blocks_publishing(self) -> bool:
        """Whether any flag blocks publishing (until an editor acknowledges it)."""
        return self.blocking > 0

    def outstanding(self, acknowledged: Iterable[str] = ()) -> tuple[Flag, ...]:
        """The blocking flags whose ids are not among ``acknowledged``."""
        done = frozenset(acknowledged)
        return tuple(f for f in self.flags if f.blocks_publishing and f.id not in done)


class AigcMetadata(Record):
    """The implicit AIGC label of GB 45438-2025 (Annex E): the fields under the ``AIGC`` key.

    ``Label`` is ``"1"`` (AI-generated or synthesised), ``"2"`` (possibly) or ``"3"`` (suspected);
    a producer always writes ``"1"``. ``ContentProducer``/``ProduceID`` name the generating service
    and its id for the content, ``ContentPropagator``/``PropagateID`` the publishing service and its
    id; the reserved codes carry integrity data (zhimei writes ``sha256:<hex>`` of the content).
    """

    model_config = ConfigDict(frozen=True, extra="forbid", populate_by_name=True)

    label: Literal["1", "2", "3"] = Field(default="1", alias="Label")
    content_producer: str = Field(alias="ContentProducer", max_length=1000)
    produce_id: str = Field(alias="ProduceID", max_length=1000)
    reserved_code1: str = Field(default="", alias="ReservedCode1", max_length=1000)
    content_propagator: str = Field(default="", alias="ContentPropagator", max_length=1000)
    propagate_id: str = Field(default="", alias="PropagateID", max_length=1000)
    reserved_code2: str = Field(default="", alias="ReservedCode2", max_length=1000)

    def fields(self) -> dict[str, str]:
        """The seven fields under their standard names, in the standard's order."""
        return self.model_dump(by_alias=True)


class Label(Record):
    """The AIGC label of one published text: the visible wording and the machine-readable metadata.

    ``kind`` is ``generated`` or ``assisted`` (by ``human_edit_ratio``, see ``zhimei.desk.labels``);
    ``digital_source_type`` is the IPTC NewsCodes URI; ``reviewed_by`` is the editor holding
    editorial responsibility and ``reviewed_at`` when the review was recorded.
    """

    explicit_text: str
    lang: Lang
    position: Literal["top", "bottom"]
    kind: Literal["generated", "assisted"]
    aigc: AigcMetadata
    digital_source_type: str
    reviewed_by: str | None = None
    reviewed_at: AwareDatetime | None = None
    human_edit_ratio: float = Field(ge=0.0, le=1.0, allow_inf_nan=False)

    @field_validator("reviewed_at")
    @classmethod
    def _reviewed_in_utc(cls, value: datetime | None) -> datetime | None:
        return None if value is None else value.astimezone(UTC)
