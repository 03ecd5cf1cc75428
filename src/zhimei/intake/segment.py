"""Words for full-text search: jieba for Chinese, at index time and at query time alike.

A text is indexed as its words in order (``tokens``, jieba's precise cut, joined by spaces) plus the
shorter dictionary words inside long ones (``extra``, from jieba's search cut), so "共和国" finds a
text that says "中华人民共和国". Text without CJK characters is indexed as it is: the database's
own tokenizer splits it into words.

Query syntax: words (all must occur), ``OR`` between alternatives, ``"quoted phrases"`` (words next
to each other). ``降息 OR rate cut`` finds texts with 降息, or with both "rate" and "cut". A bare
English word of three letters or more also matches as a word start ("rate" finds "rates"), as
neither engine stems.
"""

from __future__ import annotations

import functools
import logging
import re
import threading
from typing import Any

from zhimei.errors import ExtraMissingError, InputError
from zhimei.store.search import SearchQuery, SearchTerm

__all__ = ["has_cjk", "parse_query", "query_words", "segment", "snippet"]

_CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_WORD = re.compile(r"\w")
_QUERY_PART = re.compile(r'"([^"]*)"|(\S+)')
_LOCK = threading.Lock()
MAX_QUERY_CHARS = 500
_PREFIX_MIN = 3


def has_cjk(text: str) -> bool:
    """Whether ``text`` holds any Chinese character."""
    return _CJK.search(text) is not None


@functools.cache
def _jieba() -> Any:
    with _LOCK:
        try:
            import jieba
        except ImportError as exc:
            raise ExtraMissingError("jieba", "intake") from exc
        jieba.setLogLevel(logging.WARNING)
        jieba.initialize()
        return jieba


def _precise(text: str) -> list[str]:
    return [t.strip() for t in _jieba().cut(text) if t.strip()]


def segment(text: str) -> tuple[str, str]:
    """(tokens, extra) of ``text`` for the search index (see the module notes)."""
    if not has_cjk(text):
        return " ".join(text.split()), ""
    tokens = _precise(text)
    present = set(tokens)
    extra = dict.fromkeys(
        t for t in (w.strip() for w in _jieba().cut_for_search(text)) if t and t not in present and has_cjk(t)
    )
    return " ".join(tokens), " ".join(extra)


def _words(text: str, *, for_phrase: bool) -> tuple[str, ...]:
    if not has_cjk(text):
        return tuple(w for w in text.split() if _WORD.search(w))
    if for_phrase:
        return tuple(w for w in _precise(text) if _WORD.search(w))
    cut = (w.strip() for w in _jieba().cut_for_search(text))
    return tuple(dict.fromkeys(w for w in cut if _WORD.search(w)))


def parse_query(query: str) -> SearchQuery:
    """The :class:`~zhimei.store.search.SearchQuery` of a user's query (see the module notes).

    Raises InputError for an empty or overlong query.
    """
    if len(query) > MAX_QUERY_CHARS:
        raise InputError(
            f"the search query is {len(query)} characters long", f"keep it under {MAX_QUERY_CHARS}"
        )
    groups: list[tuple[SearchTerm, ...]] = []
    current: list[SearchTerm] = []
    for match in _QUERY_PART.finditer(query):
        phrase, bare = match.group(1), match.group(2)
        if bare == "OR":
            if current:
                groups.append(tuple(current))
            current = []
            continue
        text = phrase if phrase is not None else bare
        words = _words(text, for_phrase=phrase is not None)
        if words:
            is_phrase = phrase is not None and len(words) > 1
            # A bare English word also finds its inflections (rate → rates): no stemmer runs.
            prefix = not is_phrase and not has_cjk(text) and all(len(w) >= _PREFIX_MIN for w in words)
            current.append(SearchTerm(words=words, phrase=is_phrase, prefix=prefix))
    if current:
        groups.append(tuple(current))
    if not groups:
        raise InputError("the search query has no words to look for", "give one or more words or phrases")
    return SearchQuery(groups=tuple(groups))


def query_words(query: SearchQuery) -> set[str]:
    """Every word of a query, case-folded (to find where a hit matches)."""
    return {w.casefold() for group in query.groups for term in group for w in term.words}


def _joined(tokens: list[str]) -> str:
    out = ""
    for token in tokens:
        tight = out and (has_cjk(out[-1]) or has_cjk(token[0]) or not _WORD.match(token[0]))
        out += token if tight or not out else " " + token
    return out


def snippet(tokens: str, words: set[str], width: int = 24) -> str:
    """A short passage of an indexed text around its first word among ``words``."""
    parts = tokens.split()
    if not parts:
        return ""
    hit = next(
        (i for i, t in enumerate(parts) if t.casefold() in words or any(w in t.casefold() for w in words)), 0
    )
    start = max(0, hit - width // 3)
    text = _joined(parts[start : start + width])
    return ("…" if start else "") + text + ("…" if start + width < len(parts) else "")
