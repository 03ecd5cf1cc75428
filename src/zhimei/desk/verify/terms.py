"""The newsroom's sensitive terms in a draft: one compiled regex built as a trie.

Terms that start and end with an ASCII letter or digit (English, pinyin, codes) match
case-insensitively and as whole words only (``ban`` not in ``banner``, ``Apple`` in ``苹果Apple公司``);
other terms (Chinese) match anywhere. The trie shape (shared prefixes factored out) keeps the
regex fast with thousands of terms; the longest term wins where several start at one place.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from functools import lru_cache

from zhimei.desk.verify.findings import Finding, normalise_value

__all__ = ["compile_terms", "find_terms"]

_END = ""  # trie key marking the end of a term
_Node = dict[str, "_Node"]


def _trie(words: Sequence[str]) -> _Node:
    root: _Node = {}
    for w in words:
        node = root
        for ch in w:
            node = node.setdefault(ch, {})
        node[_END] = {}
    return root


def _pattern(node: _Node) -> str:
    ends = _END in node
    branches = [re.escape(ch) + _pattern(child) for ch, child in sorted(node.items()) if ch != _END]
    if not branches:
        return ""
    body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
    # Greedy optional: a longer term beats its own prefix.
    return f"(?:{body})?" if ends else body


def _bounded(term: str) -> bool:
    return term[0].isascii() and term[0].isalnum() and term[-1].isascii() and term[-1].isalnum()


@lru_cache(maxsize=16)
def compile_terms(terms: tuple[str, ...]) -> re.Pattern[str] | None:
    """One regex for ``terms`` (rules in the module docstring), or None for an empty list."""
    words = [t for t in terms if t]
    if not words:
        return None
    parts = []
    bounded = sorted({t.lower() for t in words if _bounded(t)})
    free = sorted({t for t in words if not _bounded(t)})
    if bounded:
        parts.append(rf"(?<![A-Za-z0-9])(?:{_pattern(_trie(bounded))})(?![A-Za-z0-9])")
    if free:
        parts.append(f"(?:{_pattern(_trie(free))})")
    return re.compile("|".join(parts), re.IGNORECASE)


def find_terms(draft: str, terms: tuple[str, ...]) -> Iterator[Finding]:
    """One finding per occurrence of a sensitive term in ``draft``."""
    pattern = compile_terms(terms)
    if pattern is None:
        return
    for m in pattern.finditer(draft):
        if m.end() > m.start():
            yield Finding(
                "sensitive",
                "term",
                *m.span(),
                value=normalise_value(m.group()),
                detail=f"sensitive term {m.group()!r} (newsroom list): check the wording and context",
            )
