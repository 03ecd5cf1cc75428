"""Paired comparison of two runs on the same cases, with bootstrap confidence intervals.

For every per-case metric both runs have, the difference B − A is taken case by case; its mean is the
delta, and resampling the cases with replacement (numpy, fixed seed) gives a percentile confidence
interval and the share of resamples in which B beats A. BLEU and chrF are compared through their
sentence-level scores here (the corpus scores of each run are in its aggregates).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from zhimei.errors import ExtraMissingError, InputError
from zhimei.evaluation.scoring import CASE_SCORES, DISPLAY_ORDER
from zhimei.records import EvalCaseResult, EvalRun

__all__ = ["COMPARED", "Comparison", "MetricDelta", "compare_runs", "paired_bootstrap"]

# Per-case metrics worth comparing (when both runs have them), in display order.
COMPARED = tuple(m for m in DISPLAY_ORDER if m in CASE_SCORES)


@dataclass(frozen=True)
class MetricDelta:
    """Run B minus run A on one metric, over ``n`` paired cases."""

    metric: str
    n: int
    mean_a: float
    mean_b: float
    delta: float
    ci_low: float
    ci_high: float
    p_b_better: float

    @property
    def significant(self) -> bool:
        """Whether the confidence interval excludes zero."""
        return self.ci_low > 0 or self.ci_high < 0


@dataclass(frozen=True)
class Comparison:
    run_a: EvalRun
    run_b: EvalRun
    paired_cases: int
    same_dataset: bool
    confidence: float
    resamples: int
    seed: int
    deltas: tuple[MetricDelta, ...]

    def to_json(self) -> dict[str, object]:
        return {
            "run_a": self.run_a.id,
            "run_b": self.run_b.id,
            "paired_cases": self.paired_cases,
            "same_dataset": self.same_dataset,
            "confidence": self.confidence,
            "resamples": self.resamples,
            "seed": self.seed,
            "deltas": [{**d.__dict__, "significant": d.significant} for d in self.deltas],
        }


def paired_bootstrap(
    a: Sequence[float], b: Sequence[float], *, resamples: int = 1000, seed: int = 0, confidence: float = 0.95
) -> tuple[float, float, float, float]:
    """(mean of b − a, CI low, CI high, share of resamples where b's mean beats a's)."""
    if len(a) != len(b) or not a:
        raise InputError("a paired bootstrap needs two equally long, non-empty score lists")
    if not 0 < confidence < 1:
        raise InputError(f"confidence must be between 0 and 1, not {confidence}")
    if resamples < 1:
        raise InputError("resamples must be at least 1")
    try:
        import numpy as np
    except ImportError as exc:
        raise ExtraMissingError("numpy", "eval") from exc
    diffs = np.asarray(b, dtype=float) - np.asarray(a, dtype=float)
    rng = np.random.default_rng(seed)
    idx = rng.integers(0, len(diffs), size=(resamples, len(diffs)))
    means = diffs[idx].mean(axis=1)
    tail = (1 - confidence) / 2
    low, high = np.quantile(means, [tail, 1 - tail])
    return float(diffs.mean()), float(low), float(high), float((means > 0).mean())


def compare_runs(
    run_a: EvalRun,
    cases_a: Sequence[EvalCaseResult],
    run_b: EvalRun,
    cases_b: Sequence[EvalCaseResult],
    *,
    resamples: int = 1000,
    seed: int = 0,
    confidence: float = 0.95,
) -> Comparison:
    """Per-metric deltas (B − A) over the cases both runs scored, paired by case id."""
    by_id = {c.case_id: c for c in cases_b}
    pairs = [(a, by_id[a.case_id]) for a in cases_a if a.case_id in by_id]
    if not pairs:
        raise InputError(
            f"runs {run_a.id!r} and {run_b.id!r} share no case", "compare runs made on the same dataset"
        )
    deltas = []
    for metric in COMPARED:
        both = [
            (a.scores[metric], b.scores[metric])
            for a, b in pairs
            if metric in a.scores and metric in b.scores
        ]
        if not both:
            continue
        xs, ys = [x for x, _ in both], [y for _, y in both]
        delta, low, high, p_better = paired_bootstrap(
            xs, ys, resamples=resamples, seed=seed, confidence=confidence
        )
        deltas.append(
            MetricDelta(
                metric=metric,
                n=len(both),
                mean_a=sum(xs) / len(xs),
                mean_b=sum(ys) / len(ys),
                delta=delta,
                ci_low=low,
                ci_high=high,
                p_b_better=p_better,
            )
        )
    return Comparison(
        run_a=run_a,
        run_b=run_b,
        paired_cases=len(pairs),
        same_dataset=run_a.dataset_hash == run_b.dataset_hash,
        confidence=confidence,
        resamples=resamples,
        seed=seed,
        deltas=tuple(deltas),
    )
