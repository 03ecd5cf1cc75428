"""Figures in a draft that no source supports: numbers, percentages, money amounts and dates.

The rules (Chinese numerals, 万/亿, rounding, date parts) are those of
:mod:`zhimei.checks.numbers`; each source is read on its own. Figures inside personal data, links
and e-mail addresses are left to those checks (a phone number is not a quantity).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from zhimei.checks.numbers import quantity_value, ungrounded_in_all
from zhimei.desk.verify.findings import Finding
from zhimei.desk.verify.spans import SpanSet

__all__ = ["find_ungrounded_figures"]

_WHAT = {"number": "number", "percent": "percentage", "money": "money amount", "date": "date"}


def find_ungrounded_figures(draft: str, sources: Sequence[str], skip: SpanSet) -> Iterator[Finding]:
    """One finding per checked figure of ``draft`` that no source supports."""
    for q in ungrounded_in_all(draft, sources):
        if skip.overlaps(q.span):
            continue
        value = quantity_value(q)
        shown = value.split(":", 1)[1]
        yield Finding(
            "grounding",
            q.kind,
            *q.span,
            value=value,
            detail=f"{_WHAT[q.kind]} {q.surface!r} (read as {shown}) is in no source",
            severity="error",
        )
