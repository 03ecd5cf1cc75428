"""Classic baselines a model must beat: lead-n and TextRank extracts for headlines and summaries, and a
template realiser for data-to-text (E2E restaurant records, RotoWire box scores, any flat record).

Pure functions of the input: no model, no randomness.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

from zhimei.checks.text import split_sentences
from zhimei.errors import UnknownNameError
from zhimei.evaluation.metrics import ngrams, tokens
from zhimei.records import ArticleInput, Lang, RecordInput

__all__ = ["BASELINES", "baseline_names", "lead", "run_baseline", "template", "textrank"]

# Function words carry no topic: TextRank over English should not link sentences through "the".
_STOPWORDS = (
    "a an the and or but of to in on at for with by from as is are was were be been has have had it its "
    "this that these those he she they we you i his her their our not no will would can could said says"
)
_EN_STOP = frozenset(_STOPWORDS.split())
_DAMPING = 0.85


def lead(text: str, lang: Lang, n: int) -> str:
    """The first ``n`` sentences of ``text``."""
    joiner = "" if lang == "zh" else " "
    return joiner.join(split_sentences(text, lang)[:n])


def _bag(sentence: str, lang: Lang) -> set[Any]:
    toks = tokens(sentence, lang)
    if lang == "zh":
        return set(ngrams(toks, 2))  # character bigrams stand in for words without a segmenter
    return {t for t in toks if t not in _EN_STOP}


def textrank(text: str, lang: Lang, n: int, iterations: int = 50) -> str:
    """The ``n`` most central sentences by TextRank (Mihalcea & Tarau 2004), in their original order.

    Sentences are linked by shared words (zh: character bigrams) normalised by their log lengths;
    ties keep the earlier sentence, so a text of unrelated sentences falls back to lead-n.
    """
    sentences = split_sentences(text, lang)
    if len(sentences) <= n:
        return lead(text, lang, n)
    bags = [_bag(s, lang) for s in sentences]
    size = len(sentences)
    weights = [[0.0] * size for _ in range(size)]
    for i in range(size):
        for j in range(i + 1, size):
            shared = len(bags[i] & bags[j])
            if shared and len(bags[i]) > 1 and len(bags[j]) > 1:
                weights[i][j] = weights[j][i] = shared / (math.log(len(bags[i])) + math.log(len(bags[j])))
    out_sum = [sum(row) for row in weights]
    scores = [1.0] * size
    for _ in range(iterations):
        scores = [
            (1 - _DAMPING)
            + _DAMPING * sum(weights[j][i] / out_sum[j] * scores[j] for j in range(size) if weights[j][i])
            for i in range(size)
        ]
    best = sorted(range(size), key=lambda i: (-round(scores[i], 9), i))[:n]
    joiner = "" if lang == "zh" else " "
    return joiner.join(sentences[i] for i in sorted(best))


# --- data-to-text --------------------------------------------------------------------------------


def _e2e(data: dict[str, Any]) -> str:
    name = data.get("name", "It")
    eat = data.get("eatType", "place")
    food = data.get("food")
    first = f"{name} is a {eat}" + (f" serving {food} food" if food else "")
    price = data.get("priceRange")
    if price:
        first += f" with prices of {price}" if "£" in price else f" in the {price} price range"
    sentences = [first + "."]
    where = []
    if data.get("area"):
        where.append(f"in the {data['area']}")
    if data.get("near"):
        where.append(f"near {data['near']}")
    if where:
        sentences.append(f"It is located {' '.join(where)}.")
    if data.get("customer rating"):
        sentences.append(f"It has a customer rating of {data['customer rating']}.")
    family = data.get("familyFriendly")
    if family in ("yes", "no"):
        sentences.append("It is family-friendly." if family == "yes" else "It is not family-friendly.")
    return " ".join(sentences)


def _rotowire(data: dict[str, Any]) -> str:
    home, vis = data["home"], data["visitor"]

    def pts(t: dict[str, str]) -> int:
        value = str(t.get("points", "0"))
        return int(value) if value.isdigit() else 0

    winner, loser = (home, vis) if pts(home) >= pts(vis) else (vis, home)

    def team(t: dict[str, str]) -> str:
        record = f" ({t['wins']}-{t['losses']})" if "wins" in t and "losses" in t else ""
        return f"the {t.get('city', '')} {t.get('name', '')}{record}".replace("  ", " ")

    out = [f"{team(winner)[0].upper()}{team(winner)[1:]} beat {team(loser)} {pts(winner)}-{pts(loser)}."]
    for p in data.get("players", [])[:4]:
        out.append(
            f"{p['name']} scored {p.get('points', 0)} points with {p.get('rebounds', 0)} rebounds "
            f"and {p.get('assists', 0)} assists for {p.get('team', 'his team')}."
        )
    return " ".join(out)


def _flat(data: dict[str, Any], lang: Lang) -> str:
    from zhimei.evaluation.slots import slot_values

    if lang == "zh":
        return "".join(f"{k}为{v}。" for k, v in slot_values(data))
    return " ".join(f"The {k} is {v}." for k, v in slot_values(data))


def template(data: dict[str, Any], lang: Lang) -> str:
    """A template realisation of a record: E2E and RotoWire layouts get their own, others one sentence per
    field."""
    if "name" in data and {"eatType", "food", "area", "priceRange", "near"} & set(data):
        return _e2e(data)
    if isinstance(data.get("home"), dict) and isinstance(data.get("visitor"), dict):
        return _rotowire(data)
    return _flat(data, lang)


Baseline = Callable[[ArticleInput | RecordInput], str]


def _article(fn: Callable[[str, Lang], str]) -> Baseline:
    def run(inp: ArticleInput | RecordInput) -> str:
        assert isinstance(inp, ArticleInput)
        return fn(inp.text, inp.lang)

    return run


def _record(inp: ArticleInput | RecordInput) -> str:
    assert isinstance(inp, RecordInput)
    return template(inp.data, inp.lang)


# Per task, the baselines that make sense (a headline is one sentence; a summary about three).
BASELINES: dict[str, dict[str, Baseline]] = {
    "headline": {
        "lead-1": _article(lambda t, lang: lead(t, lang, 1)),
        "textrank-1": _article(lambda t, lang: textrank(t, lang, 1)),
    },
    "summary": {
        "lead-1": _article(lambda t, lang: lead(t, lang, 1)),
        "lead-3": _article(lambda t, lang: lead(t, lang, 3)),
        "textrank-3": _article(lambda t, lang: textrank(t, lang, 3)),
    },
    "brief": {"template": _record},
}


def baseline_names(task: str) -> list[str]:
    """The baselines of ``task``; UnknownNameError if it has none."""
    if task not in BASELINES:
        raise UnknownNameError("task with baselines", task, BASELINES)
    return list(BASELINES[task])


def run_baseline(task: str, name: str, inp: ArticleInput | RecordInput) -> str:
    """Baseline ``name`` of ``task`` applied to ``inp``."""
    if name not in BASELINES.get(task, {}):
        raise UnknownNameError(f"{task} baseline", name, baseline_names(task))
    return BASELINES[task][name](inp)
