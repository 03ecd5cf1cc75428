"""Post length the way each platform counts it.

X (twitter-text v3 weighting): code points in the Latin, general punctuation and a few other
low ranges weigh 1, everything else (CJK, emoji) weighs 2, and every URL weighs 23 whatever its
length; the limit is 280. Weibo counts a Chinese character as 1 and an ASCII character as 1/2
(rounded up); a short post is 140.
"""

from __future__ import annotations

import math
import re
from typing import Literal

__all__ = ["LIMITS", "Platform", "post_length"]

Platform = Literal["weibo", "x"]
LIMITS: dict[Platform, int] = {"weibo": 140, "x": 280}

_URL = re.compile(r"(?i)\bhttps?://[^\s<>\"'，。]+|\bwww\.[^\s<>\"'，。]+")
_URL_WEIGHT = 23
# twitter-text v3 ranges of weight 1 (inclusive code points).
_LIGHT = ((0x0000, 0x10FF), (0x2000, 0x200D), (0x2010, 0x201F), (0x2032, 0x2037))


def _x_weight(ch: str) -> int:
    cp = ord(ch)
    return 1 if any(lo <= cp <= hi for lo, hi in _LIGHT) else 2


def post_length(text: str, platform: Platform) -> int:
    """The length of ``text`` as ``platform`` counts it against its limit."""
    if platform == "x":
        urls = _URL.findall(text)
        rest = _URL.sub("", text)
        return sum(_x_weight(ch) for ch in rest) + _URL_WEIGHT * len(urls)
    half = sum(1 for ch in text if ord(ch) < 0x80)
    return (len(text) - half) + math.ceil(half / 2)
