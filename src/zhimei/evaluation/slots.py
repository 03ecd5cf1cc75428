"""Slot coverage for data-to-text: the share of a record's values that the text realises.

A value is realised when it occurs in the text (case-, space- and hyphen-insensitive, on word
boundaries for Latin text), or, for the E2E attributes, one of its usual paraphrases does
("£20-25" as "moderately priced", "5 out of 5" as "highly rated", "city centre" as "city center").
``familyFriendly`` counts as realised when the text speaks of families, kids or children at all:
coverage measures whether an attribute is mentioned, not whether its polarity is right.
Nested records (lists, objects) are flattened; empty values are not slots.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

__all__ = ["E2E_ATTRIBUTES", "realised", "slot_coverage", "slot_values"]

E2E_ATTRIBUTES = frozenset(
    {"name", "eatType", "food", "priceRange", "customer rating", "area", "familyFriendly", "near"}
)

_FAMILY = ("family", "families", "kid", "kids", "child", "children")
# (attribute, value) → paraphrases that realise it; the value itself always does.
_ALIASES: dict[tuple[str, str], tuple[str, ...]] = {
    ("familyFriendly", "yes"): _FAMILY,
    ("familyFriendly", "no"): _FAMILY,
    ("priceRange", "cheap"): ("cheap", "low price", "low-priced", "inexpensive", "affordable", "budget"),
    ("priceRange", "moderate"): (
        "moderate",
        "moderately",
        "average price",
        "mid-range",
        "reasonable",
        "reasonably",
    ),
    ("priceRange", "high"): ("high price", "high-priced", "expensive", "pricey", "high end", "high-end"),
    ("priceRange", "less than £20"): (
        "less than £20",
        "under £20",
        "below £20",
        "cheap",
        "low price",
        "inexpensive",
    ),
    ("priceRange", "£20-25"): (
        "£20-25",
        "£20-£25",
        "20-25",
        "£20 to £25",
        "20 to 25",
        "moderate",
        "moderately",
        "average price",
    ),
    ("priceRange", "more than £30"): (
        "more than £30",
        "over £30",
        "above £30",
        "expensive",
        "high price",
        "£30",
    ),
    ("customer rating", "low"): ("low", "poor", "poorly"),
    ("customer rating", "average"): ("average",),
    ("customer rating", "high"): ("high", "highly", "excellent", "great"),
    ("customer rating", "1 out of 5"): (
        "1 out of 5",
        "one out of five",
        "1 star",
        "one star",
        "low",
        "poor",
        "poorly",
    ),
    ("customer rating", "3 out of 5"): ("3 out of 5", "three out of five", "3 star", "three star", "average"),
    ("customer rating", "5 out of 5"): (
        "5 out of 5",
        "five out of five",
        "5 star",
        "five star",
        "high",
        "highly",
        "excellent",
    ),
    ("area", "city centre"): (
        "city centre",
        "city center",
        "centre of the city",
        "center of the city",
        "downtown",
    ),
    ("area", "riverside"): ("riverside", "river"),
    ("eatType", "coffee shop"): ("coffee shop", "coffee-shop", "café", "cafe", "coffeeshop"),
    ("food", "Fast food"): ("fast food", "fast-food"),
}
_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")


def _normalise(text: str) -> str:
    return " ".join(text.lower().replace("-", " ").replace("–", " ").split())


def _occurs(needle: str, haystack: str) -> bool:
    needle = _normalise(needle)
    if not needle:
        return False
    if _CJK.search(needle):  # no word boundaries in Chinese
        return needle in haystack
    return re.search(rf"(?<!\w){re.escape(needle)}(?!\w)", haystack) is not None


def slot_values(data: dict[str, Any]) -> Iterator[tuple[str, str]]:
    """(attribute, value) pairs of a record, nested keys dotted, empty values skipped."""

    def walk(value: Any, key: str) -> Iterator[tuple[str, str]]:
        if isinstance(value, dict):
            for k, v in value.items():
                yield from walk(v, f"{key}.{k}" if key else str(k))
        elif isinstance(value, list):
            for v in value:
                yield from walk(v, key)
        elif value is not None and str(value).strip():
            yield key, str(value).strip()

    yield from walk(data, "")


def realised(attribute: str, value: str, text: str) -> bool:
    """Whether ``text`` realises ``attribute`` = ``value`` (see the module notes)."""
    haystack = _normalise(text)
    candidates = (value, *_ALIASES.get((attribute, value), ()))
    return any(_occurs(c, haystack) for c in candidates)


def slot_coverage(data: dict[str, Any], text: str) -> float | None:
    """Share of the record's values realised in ``text``; None for a record without values."""
    slots = list(slot_values(data))
    if not slots:
        return None
    return sum(realised(k, v, text) for k, v in slots) / len(slots)
