"""Shingles of a text as 64-bit hashes, computed with numpy (no per-shingle Python work).

zh: overlapping character n-grams (default 4) of the NFKC-normalised, case-folded text with
punctuation, spaces and symbols removed, so re-punctuated or re-spaced copies still match.
en: overlapping word n-grams (default 3) of case-folded words. A text shorter than one shingle is
one shingle of everything it has; an en text without words (emoji only) and a zh text without
letters or digits fall back to its visible characters. Hashes are stable across processes and
machines (no Python ``hash``), so signatures could be stored.
"""

from __future__ import annotations

import re
import unicodedata
import zlib
from typing import TYPE_CHECKING

from zhimei.errors import InputError
from zhimei.records import Lang
from zhimei.stories.textprep import MAX_CHARS

if TYPE_CHECKING:
    import numpy as np
    from numpy.typing import NDArray

__all__ = ["EN_SHINGLE", "ZH_SHINGLE", "mix64", "shingle_hashes"]

ZH_SHINGLE = 4
EN_SHINGLE = 3

_WORD = re.compile(r"\w+")
_NOT_WORD = re.compile(r"[\W_]+")
_SPACE = re.compile(r"\s+")
_PRIME = 0x100000001B3  # FNV-64 prime: the base of the polynomial rolling hash
_M1 = 0xBF58476D1CE4E5B9
_M2 = 0x94D049BB133111EB


def mix64(x: NDArray[np.uint64]) -> NDArray[np.uint64]:
    """The splitmix64 finaliser applied element-wise (wrapping uint64 arithmetic)."""
    import numpy as np

    x = x ^ (x >> np.uint64(30))
    x = x * np.uint64(_M1)
    x ^= x >> np.uint64(27)
    x *= np.uint64(_M2)
    x ^= x >> np.uint64(31)
    return x


def _units(text: str, lang: Lang) -> list[int]:
    text = unicodedata.normalize("NFKC", text[:MAX_CHARS]).casefold()
    if lang == "en":
        words = _WORD.findall(text)
        if words:
            return [zlib.crc32(w.encode("utf-8")) for w in words]
    chars = _NOT_WORD.sub("", text) or _SPACE.sub("", text)
    return [ord(ch) for ch in chars if unicodedata.category(ch)[0] != "C"]


def shingle_hashes(
    text: str, lang: Lang, *, zh_size: int = ZH_SHINGLE, en_size: int = EN_SHINGLE
) -> NDArray[np.uint64]:
    """Hashes of the shingles of ``text`` (duplicates kept; MinHash ignores them).

    Raises InputError when the text has nothing visible to compare.
    """
    import numpy as np

    units = _units(text, lang)
    if not units:
        raise InputError("the text has nothing to compare (empty or only spaces)", "skip empty documents")
    size = min(en_size if lang == "en" else zh_size, len(units))
    if size < 1:
        raise InputError(f"shingle size must be at least 1, got {size}", "pass a positive shingle size")
    codes = np.asarray(units, dtype=np.uint64)
    count = len(codes) - size + 1
    h = np.zeros(count, dtype=np.uint64)
    for t in range(size):
        h *= np.uint64(_PRIME)
        h += codes[t : t + count]
    return mix64(h)
