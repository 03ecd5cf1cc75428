"""Metrics: the Chinese ROUGE trap, multi-reference scoring, BLEU/chrF tokenisation, grounding, novelty."""

from __future__ import annotations

import pytest
from rouge_score import rouge_scorer

from zhimei.errors import InputError
from zhimei.evaluation import metrics

ZH = "国家统计局发布数据，十月份工业增加值同比增长5.3%。"


def test_rouge_score_default_tokenizer_drops_chinese() -> None:
    # The trap this module exists to avoid: identical Chinese texts score 0.0 with rouge-score's default.
    default = rouge_scorer.RougeScorer(["rouge1", "rougeL"])
    score = default.score(ZH.replace("5.3%", ""), ZH.replace("5.3%", ""))
    assert score["rouge1"].fmeasure == 0.0 and score["rougeL"].fmeasure == 0.0


@pytest.mark.parametrize("zh_tokenizer", ["char", "jieba"])
def test_identical_chinese_scores_full_marks(zh_tokenizer: metrics.ZhTokenizer) -> None:
    scores = metrics.rouge(ZH, [ZH], "zh", zh_tokenizer)
    assert scores == {
        "rouge1": pytest.approx(100.0),
        "rouge2": pytest.approx(100.0),
        "rougeL": pytest.approx(100.0),
    }
    assert metrics.sentence_bleu(ZH, [ZH], "zh") == pytest.approx(100.0)
    assert metrics.sentence_chrf(ZH, [ZH]) == pytest.approx(100.0)


def test_chinese_tokens_are_characters_or_jieba_words() -> None:
    assert metrics.tokens("增长5.3%，GDP", "zh") == ["增", "长", "5.3", "gdp"]
    words = metrics.tokens("国家统计局发布数据。", "zh", "jieba")
    assert "。" not in words and "".join(words) == "国家统计局发布数据" and len(words) < 9
    with pytest.raises(InputError, match="tokenizer"):
        metrics.tokens("x", "zh", "spaces")  # type: ignore[arg-type]


def test_partial_chinese_overlap_is_between_0_and_100() -> None:
    scores = metrics.rouge("工业增加值增长", [ZH], "zh")
    assert 0 < scores["rougeL"] < 100 and scores["rouge1"] >= scores["rouge2"]


def test_english_rouge_known_value() -> None:
    # 3 of 4 words shared, in order: P = 3/4, R = 3/5, F = 2PR/(P+R) = 2/3.
    scores = metrics.rouge("the cat sat down", ["the cat sat on mats"], "en")
    assert scores["rouge1"] == pytest.approx(100 * 2 / 3)
    assert scores["rougeL"] == pytest.approx(100 * 2 / 3)


def test_multiple_references_take_the_best_match() -> None:
    single = metrics.rouge("rain closed schools", ["budget passed"], "en")["rougeL"]
    multi = metrics.rouge("rain closed schools", ["budget passed", "rain closed schools"], "en")["rougeL"]
    assert single == 0.0 and multi == pytest.approx(100.0)
    assert metrics.sentence_bleu(
        "rain closed the schools", ["budget passed", "rain closed the schools"], "en"
    ) == (pytest.approx(100.0))
    with pytest.raises(InputError, match="reference"):
        metrics.rouge("x", [], "en")


def test_bleu_tokenises_chinese_only_with_zh() -> None:
    assert metrics.bleu_tokenize(["zh", "en"]) == "zh"
    assert metrics.bleu_tokenize(["en"]) == "13a"
    # Without a zh tokenizer a Chinese sentence is one "word": a near-identical output would score ~0.
    near = ZH.replace("十月份", "10月份")
    assert metrics.sentence_bleu(near, [ZH], "zh") > 30


def test_corpus_scores_accept_varying_reference_counts() -> None:
    preds = ["the eagle is a coffee shop", "zizzi is cheap"]
    refs = [["the eagle is a coffee shop", "a coffee shop called the eagle"], ["zizzi is cheap"]]
    assert metrics.corpus_bleu(preds, refs, ["en", "en"]) == pytest.approx(100.0)
    assert metrics.corpus_chrf(preds, refs) == pytest.approx(100.0)
    assert metrics.corpus_bleu(["nothing alike here at all"], [["zizzi is cheap"]], ["en"]) < 5
    with pytest.raises(InputError):
        metrics.corpus_bleu(["a"], [[]], ["en"])
    with pytest.raises(InputError):
        metrics.corpus_chrf(["a", "b"], [["a"]])


def test_grounding_counts_supported_figures() -> None:
    source = "营收1.23亿元，同比增长5.3%，2024年3月15日发布。"
    assert metrics.grounding("营收约1.2亿元，增长5.3%。", source) == (2, 2)
    assert metrics.grounding("营收1.5亿元，增长5.3%，3月16日发布。", source) == (3, 1)
    assert metrics.grounding("没有数字。", source) == (0, 0)
    assert metrics.grounding("Revenue rose 5.3% to $12 million.", "Revenue rose 5.3%.") == (2, 1)


def test_novelty_is_the_share_of_new_bigrams() -> None:
    source = "the council approved the budget on tuesday"
    assert metrics.novelty("the council approved the budget", source, "en") == 0.0
    assert metrics.novelty("voters rejected a tax", source, "en") == 1.0
    assert metrics.novelty("the council rejected", source, "en") == pytest.approx(0.5)
    assert metrics.novelty("单", "单位", "zh") is None  # no bigram in the output
    assert metrics.novelty("工业增加值", ZH, "zh") == 0.0
