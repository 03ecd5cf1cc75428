"""jieba, imported and initialised once per process.

Each part loads its own data on first use (on an idle machine: the dictionary ~0.6 s, the
part-of-speech model ~0.3 s, the IDF table ~0.4 s), so a caller that needs only entities never
loads the IDF table.
"""

from __future__ import annotations

import functools
import logging
import threading
import warnings
from types import ModuleType

from zhimei.stories._deps import require

__all__ = ["jieba_analyse", "jieba_posseg", "jieba_tokenizer"]

_LOCK = threading.RLock()


@functools.cache
def jieba_tokenizer() -> ModuleType:
    """``jieba`` with its dictionary loaded and its log quiet."""
    with _LOCK:
        jieba = require("jieba")
        jieba.setLogLevel(logging.WARNING)
        jieba.initialize()
        return jieba


@functools.cache
def jieba_posseg() -> ModuleType:
    """``jieba.posseg`` (part-of-speech tagging), ready."""
    with _LOCK:
        jieba_tokenizer()
        return require("jieba.posseg")


@functools.cache
def jieba_analyse() -> ModuleType:
    """``jieba.analyse`` (TF-IDF and TextRank keywords), ready."""
    with _LOCK:
        jieba_tokenizer()
        with warnings.catch_warnings():
            # jieba.analyse opens its IDF file without closing it.
            warnings.simplefilter("ignore", ResourceWarning)
            return require("jieba.analyse")
