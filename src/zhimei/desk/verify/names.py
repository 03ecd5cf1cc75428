"""Named persons, places and organisations in a draft that no source mentions.

Chinese drafts are read with jieba (:mod:`zhimei.desk.verify.names_zh`) and their Latin-script
runs as English; English drafts by capitalisation (:mod:`zhimei.desk.verify.names_en`). Each
name is looked for in every source; the rules for partial references (surname only) are in those
modules. A name is flagged once per occurrence, as a warning: names are less certain than figures.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence

from zhimei.checks.numbers import extract_quantities
from zhimei.desk.verify.findings import Finding, normalise_value
from zhimei.desk.verify.names_en import SourceWords, english_names
from zhimei.desk.verify.spans import SpanSet
from zhimei.records import Lang

__all__ = ["find_ungrounded_names"]

_LATIN_RUN = re.compile(r"[A-Za-z\u00c0-\u024f][A-Za-z\u00c0-\u024f0-9'’\-. \u00a0]*")


def _english(text: str, words: SourceWords, skip: SpanSet, offset: int = 0) -> Iterator[Finding]:
    for name in english_names(text, words):
        span = (name.start + offset, name.end + offset)
        if skip.overlaps(span) or words.contains(name.words):
            continue
        surface = text[name.start : name.end]
        yield Finding(
            "grounding",
            name.category,
            *span,
            value=normalise_value(surface),
            detail=f"name {surface!r} is in no source",
        )


def _chinese(draft: str, sources: Sequence[str], skip: SpanSet) -> Iterator[Finding]:
    from zhimei.desk.verify.names_zh import chinese_names, source_surnames, surname_reference

    surnames: frozenset[str] | None = None
    found: dict[str, bool] = {}
    for name in chinese_names(draft):
        if skip.overlaps((name.start, name.end)):
            continue
        if name.text not in found:  # a name recurs: look it up in the sources once
            found[name.text] = any(name.text in s for s in sources)
        if found[name.text]:
            continue
        if name.category == "person":
            if surnames is None:
                surnames = source_surnames(tuple(sources))
            if surname_reference(name.text, surnames):
                continue
        yield Finding(
            "grounding",
            name.category,
            name.start,
            name.end,
            value=normalise_value(name.text),
            detail=f"name {name.text!r} is in no source",
        )


def find_ungrounded_names(draft: str, sources: Sequence[str], lang: Lang, skip: SpanSet) -> Iterator[Finding]:
    """One finding per occurrence of a name in ``draft`` that no source mentions."""
    words = SourceWords(sources)
    if lang == "en":
        yield from _english(draft, words, skip)
        return
    # jieba sometimes glues a numeral to the next word (三十六点/四吉瓦): names never overlap figures.
    figures = [q.span for q in extract_quantities(draft)]
    yield from _chinese(draft, sources, skip | figures)
    # English names inside Chinese text: only the Latin runs are read, so CJK never merges in.
    for run in _LATIN_RUN.finditer(draft):
        yield from _english(run.group(), words, skip, run.start())
