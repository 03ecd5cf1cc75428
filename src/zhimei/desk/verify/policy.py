"""What a verification run checks and how strictly: :class:`VerifyPolicy`."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from zhimei.records import FlagKind

__all__ = ["ALL_CHECKS", "PiiCategory", "VerifyPolicy"]

ALL_CHECKS: tuple[FlagKind, ...] = ("grounding", "copying", "pii", "sensitive", "link")

PiiCategory = Literal["resident_id", "mobile", "email", "bank_card", "address"]


class VerifyPolicy(BaseModel):
    """A newsroom's verification settings. The defaults suit a news desk; every field is optional.

    * ``checks``: which checks run (all five by default).
    * ``copy_min_zh_chars`` / ``copy_min_en_words``: the shortest verbatim overlap with a source
      that is flagged for attribution or rewriting (zh counts characters, en words).
    * ``sensitive_terms``: the newsroom's own list (zh and en; en terms match case-insensitively
      and as whole words only).
    * ``pii``: which kinds of personal data are looked for.
    * ``blocking``: the kinds whose flags block publishing until an editor acknowledges them.
    * ``names``: whether persons, places and organisations are grounded (zh needs jieba: the
      ``desk`` extra).
    * ``max_chars``: the longest draft, and the longest total of sources, accepted.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    checks: tuple[FlagKind, ...] = ALL_CHECKS
    copy_min_zh_chars: int = Field(default=50, ge=8, le=100_000)
    copy_min_en_words: int = Field(default=30, ge=4, le=20_000)
    sensitive_terms: tuple[str, ...] = ()
    pii: tuple[PiiCategory, ...] = ("resident_id", "mobile", "email", "bank_card", "address")
    blocking: tuple[FlagKind, ...] = ("pii", "link")
    names: bool = True
    max_chars: int = Field(default=2_000_000, ge=1)

    @field_validator("sensitive_terms")
    @classmethod
    def _clean_terms(cls, terms: tuple[str, ...]) -> tuple[str, ...]:
        # Blank entries would match everywhere; duplicates are harmless but noisy.
        return tuple(dict.fromkeys(t.strip() for t in terms if t.strip()))
