"""Findings as checks produce them, and their conversion to :class:`~zhimei.records.Flag` with stable ids.

A flag's id is derived from its kind, category, normalised value and ordinal (the how-many-th
finding of that same value in the draft), not from its character offset: an editor's
acknowledgement of "the second ungrounded 1.2亿" still applies after a paragraph above it was
rewritten, and the same figure written as ``1.2亿`` or ``120 million`` keeps its id.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

from zhimei.records import Flag, FlagKind

__all__ = ["Finding", "flag_id", "normalise_value", "to_flags", "word_set"]

_SPACES = re.compile(r"\s+")


@dataclass(frozen=True, slots=True)
class Finding:
    """A check's raw finding: where it is, what it says and why it matters."""

    kind: FlagKind
    category: str
    start: int
    end: int
    value: str
    detail: str
    severity: Literal["info", "warning", "error"] = "warning"


def normalise_value(text: str) -> str:
    """NFKC, case-folded, whitespace collapsed: ``ＡＢＣ  Corp`` and ``abc corp`` are one value."""
    return _SPACES.sub(" ", unicodedata.normalize("NFKC", text).casefold()).strip()


def word_set(text: str) -> frozenset[str]:
    """The space-separated words of ``text`` as a set (keeps the checks' long word lists compact)."""
    return frozenset(text.split())


def flag_id(kind: str, category: str, value: str, ordinal: int) -> str:
    """16 hex digits of sha256 over (kind, category, value, ordinal)."""
    raw = "\x1f".join((kind, category, value, str(ordinal)))
    return hashlib.sha256(raw.encode("utf-8", "surrogatepass")).hexdigest()[:16]


def to_flags(draft: str, findings: Iterable[Finding], blocking: frozenset[str]) -> tuple[Flag, ...]:
    """Flags in text order (then by kind), one per distinct finding, with ids and blocking set."""
    unique = {(f.kind, f.category, f.start, f.end): f for f in findings}
    ordered = sorted(unique.values(), key=lambda f: (f.start, f.end, f.kind, f.category))
    seen: Counter[tuple[str, str, str]] = Counter()
    flags = []
    for f in ordered:
        key = (f.kind, f.category, f.value)
        ordinal = seen[key]
        seen[key] += 1
        flags.append(
            Flag(
                id=flag_id(f.kind, f.category, f.value, ordinal),
                kind=f.kind,
                category=f.category,
                severity=f.severity,
                start=f.start,
                end=f.end,
                text=draft[f.start : f.end],
                value=f.value,
                detail=f.detail,
                blocks_publishing=f.kind in blocking,
            )
        )
    return tuple(flags)
