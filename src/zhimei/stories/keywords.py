"""Keywords of a text.

zh: jieba's TF-IDF (its bundled IDF table) or TextRank (co-occurrence graph of nouns, verbs and
names in a 5-word window). en: term frequency of lower-cased words, without stopwords, words
under 3 letters and numbers, times an IDF fitted on the newsroom's own texts
(:func:`english_idf`) when one is given; without it, frequent content words win. Weights are
scaled so the top keyword has 1.0.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterable, Mapping
from typing import Literal

from zhimei.records import Keyword, Lang
from zhimei.stories._jieba import jieba_analyse
from zhimei.stories.textprep import clean_text, resolve_lang

__all__ = ["EN_STOPWORDS", "english_idf", "keywords"]

# Keywords are read from the start of a text; an article's subject is set out early.
KEYWORD_CHARS = 20_000

_EN_WORD = re.compile(r"[a-z][a-z'’-]*[a-z]")
_ZH_TOKEN = re.compile(r"[\w\u3400-\u9fff]")
_NUMBER = re.compile(r"[\d.,:%-]+")
_TEXTRANK_POS = ("ns", "n", "vn", "v", "nr", "nt", "nz")

_STOPWORDS = """a about above after again against all also am an and any are as at be because been before
    being below between both but by can could did do does doing down during each few for from
    further had has have having he her here hers herself him himself his how i if in into is it its
    itself just me more most my myself no nor not now of off on once only or other our ours
    ourselves out over own same she should so some such than that the their theirs them themselves
    then there these they this those through to too under until up very was we were what when where
    which while who whom why will with would you your yours yourself yourselves said says say told
    new one two three first last year years week day days time people according since may might
    must shall also like get got make made many much well back even still way us per via mr mrs ms
    """
EN_STOPWORDS = frozenset(_STOPWORDS.split())


def _scaled(pairs: Iterable[tuple[str, float]], top_k: int) -> tuple[Keyword, ...]:
    ranked = sorted(pairs, key=lambda p: (-p[1], p[0]))[:top_k]
    if not ranked or ranked[0][1] <= 0:
        return ()
    top = ranked[0][1]
    return tuple(Keyword(text=w, weight=round(s / top, 4)) for w, s in ranked)


def english_idf(texts: Iterable[str]) -> dict[str, float]:
    """Smoothed inverse document frequency, ``ln((1 + n) / (1 + df)) + 1``, of the words of ``texts``."""
    df: Counter[str] = Counter()
    n = 0
    for text in texts:
        n += 1
        df.update(set(_EN_WORD.findall(clean_text(text, KEYWORD_CHARS).lower())))
    return {w: math.log((1 + n) / (1 + c)) + 1 for w, c in df.items()}


def _english(text: str, top_k: int, idf: Mapping[str, float] | None) -> tuple[Keyword, ...]:
    words = [w for w in _EN_WORD.findall(text.lower()) if len(w) >= 3 and w not in EN_STOPWORDS]
    tf = Counter(words)
    # An unseen word is as rare as a word seen once in the fitted texts.
    unseen = max(idf.values()) if idf else 1.0
    return _scaled(((w, c * (idf.get(w, unseen) if idf else 1.0)) for w, c in tf.items()), top_k)


def _chinese(text: str, top_k: int, method: Literal["tfidf", "textrank"]) -> tuple[Keyword, ...]:
    analyse = jieba_analyse()
    if method == "textrank":
        found = analyse.textrank(text, topK=top_k * 2, withWeight=True, allowPOS=_TEXTRANK_POS)
    else:
        found = analyse.extract_tags(text, topK=top_k * 2, withWeight=True)
    # Drop numbers and punctuation runs jieba sometimes ranks (dates, "2024").
    kept = [(w, float(s)) for w, s in found if _ZH_TOKEN.search(w) and not _NUMBER.fullmatch(w)]
    return _scaled(kept, top_k)


def keywords(
    text: str,
    lang: Lang | None = None,
    top_k: int = 10,
    *,
    zh_method: Literal["tfidf", "textrank"] = "tfidf",
    en_idf: Mapping[str, float] | None = None,
) -> tuple[Keyword, ...]:
    """Up to ``top_k`` keywords of ``text``, most central first (empty for a text without words)."""
    text = clean_text(text, KEYWORD_CHARS)
    if not text or top_k < 1:
        return ()
    if resolve_lang(text, lang) == "zh":
        return _chinese(text, top_k, zh_method)
    return _english(text, top_k, en_idf)
