"""How much of a published text the editors wrote: the share not taken from the model's output."""

from __future__ import annotations

import re

from zhimei.records import Lang

__all__ = ["human_edit_ratio"]

_EN_WORD = re.compile(r"[^\W_]+(?:['’][^\W_]+)*")
_ZH_GRAM = 4
_EN_GRAM = 3


def _units(text: str, lang: Lang) -> list[str]:
    if lang == "zh":
        return [ch for ch in text if not ch.isspace()]
    return [w.casefold() for w in _EN_WORD.findall(text)]


def human_edit_ratio(model_text: str, published_text: str, lang: Lang) -> float:
    """Share (0-1) of ``published_text`` units (zh characters, en words) not covered by model text.

    A unit counts as the model's when it lies in a run of 4 zh characters or 3 en words that also
    occurs in ``model_text``; moved sentences stay the model's, rewritten words become the
    editors'. Linear in the lengths. An empty published text gives 0.0.
    """
    pub = _units(published_text, lang)
    if not pub:
        return 0.0
    model = _units(model_text, lang)
    n = _ZH_GRAM if lang == "zh" else _EN_GRAM
    if len(pub) < n:  # too short for runs: count single units
        vocab = set(model)
        return round(1 - sum(u in vocab for u in pub) / len(pub), 4)
    grams = {tuple(model[i : i + n]) for i in range(len(model) - n + 1)}
    covered = [False] * len(pub)
    for i in range(len(pub) - n + 1):
        if tuple(pub[i : i + n]) in grams:
            for j in range(i, i + n):
                covered[j] = True
    return round(1 - sum(covered) / len(pub), 4)
