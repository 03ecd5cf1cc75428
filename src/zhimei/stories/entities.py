"""Named entities, by rule: jieba part-of-speech tags for zh, capitalised spans for en.

zh: words jieba tags ``nr*`` (person), ``ns`` (place) and ``nt`` (organisation), one-character
words excepted. en: runs of capitalised words (joined by of/the/de/von/van/and/&), without
sentence-initial function words, weekdays and months; a lone capitalised word opening a sentence
counts only if the text also names it mid-sentence. The type is unknown (``name``).

What this misses (a statistical NER model would do better):
* zh: companies and brands are tagged as people (华为, 比亚迪 come out ``nr``) or as plain nouns;
  names not in jieba's dictionary (new people, transliterated foreign names) are often split or
  missed; organisation names jieba does not know come out as their parts, with the place in them
  tagged as a place; common words that are also surnames can be tagged ``nr``.
* en: entity types (person, place, organisation) are not told apart; titles run into names
  (Premier Li Keqiang); a one-word name that only ever opens sentences is dropped, and an
  uncommon capitalised word opening a sentence sticks to the name after it; lower-case names (iPhone,
  de Gaulle's "de" alone), all-caps text and Title Case headlines (every word capitalised) give
  wrong spans, so titles are not read; names in languages without capitals are not found.
"""

from __future__ import annotations

import re
from typing import Literal

from zhimei.records import Entity, Lang
from zhimei.stories._jieba import jieba_posseg
from zhimei.stories.textprep import clean_text, resolve_lang

__all__ = ["entities"]

Kind = Literal["person", "place", "organisation", "name"]

# POS tagging is the slow part of jieba; bound it (entities of interest appear early).
ENTITY_CHARS = 20_000

_ZH_KINDS: dict[str, Kind] = {"nr": "person", "ns": "place", "nt": "organisation"}
_CAP = r"(?<![\w'’.-])(?:[A-Z][\w'’.-]*\w|[A-Z])"
_SPAN = re.compile(rf"{_CAP}(?:[ \t]+(?:(?:of|the|de|del|da|von|van|and|&|for)[ \t]+)*{_CAP})*")
_SENTENCE_START = re.compile(r"(?:^|[.!?:;\"“”]\s+|\n)$")
_NOT_NAME_WORDS = """A An The This That These Those It Its He She They We I You His Her Their Our In On At For
    From By With As After Before When While If But And Or So Yet Then There Here What Who Why How
    Monday Tuesday Wednesday Thursday Friday Saturday Sunday January February March April May June
    July August September October November December Mr Mrs Ms Dr"""
_NOT_NAMES = frozenset(_NOT_NAME_WORDS.split())


def _zh(text: str) -> list[tuple[str, Kind]]:
    posseg = jieba_posseg()
    out: list[tuple[str, Kind]] = []
    for word, flag in posseg.cut(text):
        kind = _ZH_KINDS.get(flag[:2])
        if kind and len(word.strip()) > 1:
            out.append((word.strip(), kind))
    return out


def _en(text: str) -> list[tuple[str, Kind]]:
    out: list[tuple[str, Kind]] = []
    openers: list[tuple[int, str]] = []  # lone capitalised words opening a sentence, by position
    for m in _SPAN.finditer(text):
        words = m.group().split()
        # Function words and dates are not names, wherever they stand (The Hague is the cost).
        while words and words[0] in _NOT_NAMES:
            words.pop(0)
        while words and words[-1] in {"of", "the", "de", "del", "da", "von", "van", "and", "&", "for"}:
            words.pop()
        if not words:
            continue
        span = " ".join(words).rstrip(".'’")
        if len(words) == 1 and words[0] == m.group() and _SENTENCE_START.search(text[: m.start()]):
            openers.append((len(out), span))
            continue
        out.append((span, "name"))
    # A lone capitalised word opening a sentence is most often an ordinary word: it counts only
    # when the text also names it mid-sentence.
    known = {name for name, _ in out}
    for position, span in reversed(openers):
        if span in known:
            out.insert(position, (span, "name"))
    return out


def entities(text: str, lang: Lang | None = None) -> tuple[Entity, ...]:
    """Entities of ``text``, each once with its count, in order of first appearance."""
    text = clean_text(text, ENTITY_CHARS)
    if not text:
        return ()
    found = _zh(text) if resolve_lang(text, lang) == "zh" else _en(text)
    counts: dict[tuple[str, Kind], int] = {}
    for item in found:
        if item[0]:
            counts[item] = counts.get(item, 0) + 1
    return tuple(Entity(text=t, kind=k, count=c) for (t, k), c in counts.items())
