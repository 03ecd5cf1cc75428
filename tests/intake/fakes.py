"""A fake sentence encoder for intake tests (no model pack): one dimension per concept, zh and en alike.

``ZHIMEI_TEST_EMBED_DELAY`` (seconds per text holding ``ZHIMEI_TEST_SLOW_TEXT``) slows it down on
the documents of a test, so a subprocess test can kill a worker in the middle of an ingest.
"""

from __future__ import annotations

import os
import re
import time
import zlib
from collections.abc import Sequence

import numpy as np

from zhimei.errors import InputError

CONCEPTS: tuple[tuple[str, ...], ...] = (
    ("rate cut", "interest rate", "federal reserve", "降息", "利率", "美联储"),
    ("typhoon", "台风"),
    ("earthquake", "地震"),
    ("football", "足球", "world cup"),
    ("election", "选举", "vote"),
    ("wildfire", "山火"),
)


class FakeEmbedder:
    """Counts concept words into one dimension each; a text naming none gets its own direction, so
    unrelated texts start stories of their own."""

    name = "fake-concepts"
    dim = len(CONCEPTS) + 8

    def __init__(self) -> None:
        self.calls = 0
        self.delay = float(os.environ.get("ZHIMEI_TEST_EMBED_DELAY", "0") or 0)
        self.slow_text = os.environ.get("ZHIMEI_TEST_SLOW_TEXT", "")

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        self.calls += 1
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for i, text in enumerate(texts):
            if not text.strip():
                raise InputError(f"text {i} is empty")
            if self.delay and self.slow_text and self.slow_text in text:
                time.sleep(self.delay)
            lowered = text.lower()
            for j, words in enumerate(CONCEPTS):
                out[i, j] = sum(len(re.findall(re.escape(w), lowered)) for w in words)
            if not out[i].any():
                out[i, len(CONCEPTS) + zlib.crc32(lowered[:40].encode()) % 8] = 1.0
        return out
