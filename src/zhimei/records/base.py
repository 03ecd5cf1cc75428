"""The base of every record, the language type and the clock."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict

__all__ = ["Lang", "Record", "utcnow"]


Lang = Literal["zh", "en"]


def utcnow() -> datetime:
    """The current time, timezone-aware, in UTC."""
    return datetime.now(UTC)


class Record(BaseModel):
    """Frozen, and strict about unknown fields: a stage returns a new record, never mutates one."""

    model_config = ConfigDict(frozen=True, extra="forbid")
