"""Evaluation: datasets, language-aware metrics, classic baselines, stored and resumable runs, paired
comparison and offline HTML reports.

Heavy metric libraries (sacrebleu, rouge-score, jieba, numpy, matplotlib) come with the ``eval`` extra
and are imported when first used.
"""

from zhimei.evaluation.compare import Comparison, MetricDelta, compare_runs, paired_bootstrap
from zhimei.evaluation.datasets import Dataset, EvalCase, PublishedArticle, cases_from_articles, load_dataset
from zhimei.evaluation.harness import EvalReport, ModelSetup, evaluate_baseline, evaluate_model, score_outputs
from zhimei.evaluation.prompts import prompt_versions, select_prompt
from zhimei.evaluation.scoring import MetricSettings

__all__ = [
    "Comparison",
    "Dataset",
    "EvalCase",
    "EvalReport",
    "MetricDelta",
    "MetricSettings",
    "ModelSetup",
    "PublishedArticle",
    "cases_from_articles",
    "compare_runs",
    "evaluate_baseline",
    "evaluate_model",
    "load_dataset",
    "paired_bootstrap",
    "prompt_versions",
    "score_outputs",
    "select_prompt",
]
