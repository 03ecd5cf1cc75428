"""Language-aware metrics: ROUGE, BLEU, chrF, length, grounding, novelty.

Decisions (tests pin each one):

* **Tokens.** Chinese is scored on characters (the usual choice for Chinese summarisation) or on jieba
  words; Latin words and numbers stay whole; punctuation is dropped; everything is lower-cased.
  rouge-score's default tokenizer keeps only ``[a-z0-9]`` and so scores two identical Chinese texts 0.0:
  ROUGE here always runs with an explicit tokenizer.
* **Scales.** ROUGE, BLEU and chrF are on 0–100 (sacrebleu's and the published tables' convention);
  shares (grounding, novelty, coverage) on 0–1.
* **References.** Every reference-based metric takes several references: ROUGE keeps the best-matching
  one (rouge-score's ``score_multi``), BLEU and chrF count against all of them (sacrebleu).
* **BLEU/chrF tokenisation.** sacrebleu with ``tokenize="zh"`` when any text is Chinese (it splits
  ideographs and treats the rest as 13a), otherwise ``13a``. Sentence BLEU uses effective order.
* **Grounding.** Figures (numbers, amounts, percents, dates) read by :mod:`zhimei.checks.numbers`: the
  share of an output's checked figures that its source supports.
* **Novelty.** The share of an output's token bigrams that do not occur in its source: 0 is pure
  copying, 1 shares no bigram with the source.

sacrebleu and rouge-score come with the ``eval`` extra (jieba too) and are imported when first used.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Sequence
from typing import Any, Literal

from zhimei.checks.extraction import extract_cached
from zhimei.checks.numbers import ungrounded
from zhimei.errors import ExtraMissingError, InputError
from zhimei.records import Lang
from zhimei.tasks.overlap import tokens as overlap_tokens

__all__ = [
    "ZH_TOKENIZERS",
    "ZhTokenizer",
    "bleu_tokenize",
    "corpus_bleu",
    "corpus_chrf",
    "grounding",
    "ngrams",
    "novelty",
    "rouge",
    "sentence_bleu",
    "sentence_chrf",
    "tokens",
]

ZhTokenizer = Literal["char", "jieba"]
ZH_TOKENIZERS: tuple[str, ...] = ("char", "jieba")


def _require(module: str) -> Any:
    import importlib

    try:
        return importlib.import_module(module)
    except ImportError as exc:
        raise ExtraMissingError(module.split(".")[0], "eval") from exc


@functools.cache
def _jieba() -> Any:
    jieba = _require("jieba")
    jieba.setLogLevel(logging.WARNING)  # it announces loading its dictionary on stderr otherwise
    return jieba


def tokens(text: str, lang: Lang, zh_tokenizer: ZhTokenizer = "char") -> list[str]:
    """Tokens for overlap metrics: zh characters (or jieba words), Latin words and numbers whole,
    punctuation dropped, lower-cased."""
    if zh_tokenizer not in ZH_TOKENIZERS:
        raise InputError(f"unknown Chinese tokenizer {zh_tokenizer!r}", "use char or jieba")
    if lang != "zh" or zh_tokenizer == "char":
        return overlap_tokens(text, lang)
    out: list[str] = []
    for word in _jieba().lcut(text):
        # jieba keeps punctuation and spaces as words; a word is kept if it holds any letter or digit.
        kept = overlap_tokens(word, lang)
        if kept:
            out.append("".join(kept))
    return out


class _RougeTokenizer:
    """The tokenizer object rouge-score calls (``tokenize(text) -> list[str]``)."""

    def __init__(self, lang: Lang, zh_tokenizer: ZhTokenizer) -> None:
        self.lang = lang
        self.zh_tokenizer = zh_tokenizer

    def tokenize(self, text: str) -> list[str]:
        return tokens(text, self.lang, self.zh_tokenizer)


@functools.cache
def _rouge_scorer(lang: Lang, zh_tokenizer: ZhTokenizer) -> Any:
    rouge_scorer = _require("rouge_score.rouge_scorer")
    return rouge_scorer.RougeScorer(
        ["rouge1", "rouge2", "rougeL"], tokenizer=_RougeTokenizer(lang, zh_tokenizer)
    )


def rouge(
    prediction: str, references: Sequence[str], lang: Lang, zh_tokenizer: ZhTokenizer = "char"
) -> dict[str, float]:
    """ROUGE-1, ROUGE-2 and ROUGE-L F1 (0–100) against the best-matching reference."""
    if not references:
        raise InputError("ROUGE needs at least one reference")
    scores = _rouge_scorer(lang, zh_tokenizer).score_multi(list(references), prediction)
    return {name: 100.0 * scores[name].fmeasure for name in ("rouge1", "rouge2", "rougeL")}


def bleu_tokenize(langs: Sequence[Lang]) -> str:
    """sacrebleu's tokenizer for texts in ``langs``: ``zh`` if any is Chinese, else ``13a``."""
    return "zh" if "zh" in langs else "13a"


@functools.cache
def _bleu(tokenize: str, sentence: bool) -> Any:
    metrics = _require("sacrebleu.metrics")
    return metrics.BLEU(tokenize=tokenize, effective_order=sentence)


@functools.cache
def _chrf() -> Any:
    return _require("sacrebleu.metrics").CHRF()


def sentence_bleu(prediction: str, references: Sequence[str], lang: Lang) -> float:
    """BLEU (0–100) of one output against its references."""
    return float(_bleu(bleu_tokenize([lang]), True).sentence_score(prediction, list(references)).score)


def sentence_chrf(prediction: str, references: Sequence[str]) -> float:
    """chrF (0–100) of one output against its references."""
    return float(_chrf().sentence_score(prediction, list(references)).score)


def _streams(references: Sequence[Sequence[str]]) -> list[list[str | None]]:
    # sacrebleu wants one stream per reference position; shorter reference lists are padded with None.
    width = max(len(refs) for refs in references)
    return [[refs[i] if i < len(refs) else None for refs in references] for i in range(width)]


def _corpus_inputs(predictions: Sequence[str], references: Sequence[Sequence[str]]) -> None:
    if len(predictions) != len(references):
        raise InputError(f"{len(predictions)} predictions but {len(references)} reference lists")
    if not predictions or any(not refs for refs in references):
        raise InputError("corpus scores need at least one prediction, each with a reference")


def corpus_bleu(
    predictions: Sequence[str], references: Sequence[Sequence[str]], langs: Sequence[Lang]
) -> float:
    """Corpus BLEU (0–100): n-gram counts summed over all outputs, then one score."""
    _corpus_inputs(predictions, references)
    metric = _bleu(bleu_tokenize(langs), False)
    return float(metric.corpus_score(list(predictions), _streams(references)).score)


def corpus_chrf(predictions: Sequence[str], references: Sequence[Sequence[str]]) -> float:
    """Corpus chrF (0–100)."""
    _corpus_inputs(predictions, references)
    return float(_chrf().corpus_score(list(predictions), _streams(references)).score)


def grounding(output: str, source: str) -> tuple[int, int]:
    """(checked figures in ``output``, how many of them ``source`` supports)."""
    checked = sum(1 for q in extract_cached(output) if q.checked)
    return checked, checked - len(ungrounded(output, source))


def ngrams(items: Sequence[str], n: int) -> list[tuple[str, ...]]:
    """The n-grams of ``items`` in order (none if it is shorter than ``n``)."""
    return [tuple(items[i : i + n]) for i in range(len(items) - n + 1)]


def novelty(output: str, source: str, lang: Lang, n: int = 2) -> float | None:
    """Share of the output's n-grams absent from the source; None if the output has no n-gram."""
    produced = ngrams(tokens(output, lang), n)
    if not produced:
        return None
    seen = set(ngrams(tokens(source, lang), n))
    return sum(1 for g in produced if g not in seen) / len(produced)
