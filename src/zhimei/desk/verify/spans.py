"""Character spans: a set of spans answering "does this span touch any of them?" in log time."""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterable

__all__ = ["SpanSet"]


class SpanSet:
    """Spans ``[start, end)`` merged into disjoint sorted intervals; :meth:`overlaps` bisects."""

    def __init__(self, spans: Iterable[tuple[int, int]] = ()) -> None:
        merged: list[list[int]] = []
        for s, e in sorted(sp for sp in spans if sp[1] > sp[0]):
            if merged and s <= merged[-1][1]:
                merged[-1][1] = max(merged[-1][1], e)
            else:
                merged.append([s, e])
        self._starts = [s for s, _ in merged]
        self._ends = [e for _, e in merged]

    def __or__(self, other: Iterable[tuple[int, int]]) -> SpanSet:
        return SpanSet([*zip(self._starts, self._ends, strict=True), *other])

    def overlaps(self, span: tuple[int, int]) -> bool:
        """Whether ``span`` shares at least one character with a span of the set."""
        s, e = span
        i = bisect_right(self._starts, e - 1) - 1  # the last interval starting inside or before span
        return i >= 0 and self._ends[i] > s and e > s
