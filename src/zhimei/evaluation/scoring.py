"""Scores of one case and the aggregates of a run.

Per case (keys present only when they apply):

* ``rouge1``, ``rouge2``, ``rougeL``, ``bleu`` (sentence), ``chrf`` — against the references (0–100);
  a case without output scores 0, a case without references has none of these.
* ``embedding`` — USE cosine to the closest reference, when enabled.
* ``length`` (zh characters / en words), ``ref_length`` (mean over references).
* ``within_limit``, ``checks_passed`` — 1/0 from the task's own checks, when the task is known.
* ``figures``, ``figures_supported``, ``grounding`` — figures in the output and the share its source
  supports (``grounding`` only when there are figures).
* ``novelty`` — share of output bigrams not in the source.
* ``slot_coverage`` — share of a data record's values realised in the output.
* ``produced`` — 1 if there is an output at all.

Run aggregates: corpus ``bleu`` and ``chrf`` over all cases with references; means of the per-case
scores; ``grounding`` pooled over figures (not a mean of shares); length statistics; and time per
case and tokens per second for model runs.
"""

from __future__ import annotations

import statistics
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from zhimei.checks.text import text_length
from zhimei.errors import ParseError
from zhimei.evaluation import metrics
from zhimei.evaluation.datasets import EvalCase
from zhimei.evaluation.embedding import SentenceEncoder
from zhimei.evaluation.metrics import ZhTokenizer
from zhimei.evaluation.slots import slot_coverage
from zhimei.records import ArticleInput, CheckResult, EvalCaseResult, RecordInput, TaskParams
from zhimei.tasks.base import Task, article_source
from zhimei.tasks.brief import record_lines

__all__ = [
    "CASE_SCORES",
    "DISPLAY_ORDER",
    "MEAN_METRICS",
    "MetricSettings",
    "Scorer",
    "aggregate",
    "ordered",
    "source_text",
]

# Per-case scores whose run aggregate is their mean (bleu and chrf are corpus scores instead).
MEAN_METRICS = (
    "rouge1",
    "rouge2",
    "rougeL",
    "embedding",
    "within_limit",
    "checks_passed",
    "novelty",
    "slot_coverage",
    "produced",
)


# Per-case scores a run can be compared on (counts such as ``figures`` and ``produced`` are not).
CASE_SCORES = frozenset(
    {"rouge1", "rouge2", "rougeL", "bleu", "chrf", "embedding", "slot_coverage", "grounding", "novelty"}
    | {"within_limit", "checks_passed", "length"}
)
# The order metrics are shown in (tables, reports); anything else follows by name.
DISPLAY_ORDER = (
    "cases",
    "bleu",
    "rougeL",
    "rouge1",
    "rouge2",
    "chrf",
    "embedding",
    "slot_coverage",
    "grounding",
    "novelty",
    "within_limit",
    "checks_passed",
    "passed",
    "length",
    "length_mean",
    "length_median",
    "ref_length_mean",
    "seconds_per_case",
    "tokens_per_s",
)


def ordered(names: Iterable[str]) -> list[str]:
    """``names`` in display order: the known metrics first, the rest alphabetically."""
    wanted = set(names)
    return [m for m in DISPLAY_ORDER if m in wanted] + sorted(wanted - set(DISPLAY_ORDER))


@dataclass(frozen=True)
class MetricSettings:
    """How outputs are scored: the Chinese tokenizer for ROUGE, and whether to embed (needs the pack)."""

    zh_tokenizer: ZhTokenizer = "char"
    embedding: bool = False

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def source_text(inp: ArticleInput | RecordInput) -> str:
    """The text an output's facts must come from: the article (with its title) or the record's lines."""
    return article_source(inp) if isinstance(inp, ArticleInput) else "\n".join(record_lines(inp.data))


class Scorer:
    """Scores outputs of one run: reference metrics, the task's checks, grounding, novelty, coverage."""

    def __init__(
        self,
        settings: MetricSettings,
        *,
        task: Task[Any] | None = None,
        params: TaskParams | None = None,
        models_dir: Path | None = None,
    ) -> None:
        self.settings = settings
        self.task = task
        self.params = params or TaskParams()
        self._encoder = SentenceEncoder(models_dir or Path(".")) if settings.embedding else None

    def checks(self, case: EvalCase, output: str) -> tuple[CheckResult, ...]:
        """The task's checks of ``output`` as the task itself would parse it (a failed parse is a check)."""
        assert self.task is not None
        try:
            parsed = self.task.parse(output, case.lang)
        except ParseError as exc:
            return (CheckResult(name="parse", passed=False, detail=exc.message),)
        return self.task.check(parsed, case.input, self.params)

    def score(
        self, case: EvalCase, output: str | None, checks: tuple[CheckResult, ...] | None = None
    ) -> dict[str, float]:
        """Every metric that applies to ``output`` for ``case`` (see the module notes).

        ``checks`` are the task's checks as the generation recorded them; without them the scorer runs
        the task's checks itself (baselines, outputs made elsewhere).
        """
        lang = case.lang
        refs = case.references
        scores: dict[str, float] = {"produced": float(output is not None)}
        if refs:
            scores["ref_length"] = statistics.fmean(text_length(r, lang) for r in refs)
            if output is None:
                scores |= dict.fromkeys(("rouge1", "rouge2", "rougeL", "bleu", "chrf"), 0.0)
            else:
                scores |= metrics.rouge(output, refs, lang, self.settings.zh_tokenizer)
                scores["bleu"] = metrics.sentence_bleu(output, refs, lang)
                scores["chrf"] = metrics.sentence_chrf(output, refs)
                if self._encoder is not None:
                    scores["embedding"] = self._encoder.similarity(output, refs)
        if output is None:
            return scores
        source = source_text(case.input)
        scores["length"] = float(text_length(output, lang))
        if checks is None and self.task is not None:
            checks = self.checks(case, output)
        if checks is not None:
            length = [c.passed for c in checks if c.name == "length"]
            if length:
                scores["within_limit"] = float(all(length))
            scores["checks_passed"] = float(all(c.passed for c in checks))
        figures, supported = metrics.grounding(output, source)
        scores["figures"], scores["figures_supported"] = float(figures), float(supported)
        if figures:
            scores["grounding"] = supported / figures
        novel = metrics.novelty(output, source, lang)
        if novel is not None:
            scores["novelty"] = novel
        if isinstance(case.input, RecordInput):
            coverage = slot_coverage(case.input.data, output)
            if coverage is not None:
                scores["slot_coverage"] = coverage
        return scores


def _mean(values: Sequence[float]) -> float | None:
    return statistics.fmean(values) if values else None


def aggregate(cases: Sequence[EvalCaseResult]) -> dict[str, float]:
    """The run's aggregate metrics from its stored cases (see the module notes)."""
    out: dict[str, float] = {"cases": float(len(cases))}
    if not cases:
        return out
    with_refs = [c for c in cases if c.references]
    if with_refs:
        predictions = [c.output or "" for c in with_refs]
        references = [c.references for c in with_refs]
        out["bleu"] = metrics.corpus_bleu(predictions, references, [c.lang for c in with_refs])
        out["chrf"] = metrics.corpus_chrf(predictions, references)
    for name in MEAN_METRICS:
        mean = _mean([c.scores[name] for c in cases if name in c.scores])
        if mean is not None:
            out[name] = mean
    figures = sum(c.scores.get("figures", 0.0) for c in cases)
    out["figures"] = figures
    if figures:
        out["grounding"] = sum(c.scores.get("figures_supported", 0.0) for c in cases) / figures
    lengths = [c.scores["length"] for c in cases if "length" in c.scores]
    if lengths:
        out |= {
            "length_mean": statistics.fmean(lengths),
            "length_median": float(statistics.median(lengths)),
            "length_max": max(lengths),
        }
    ref_lengths = [c.scores["ref_length"] for c in cases if "ref_length" in c.scores]
    if ref_lengths:
        out["ref_length_mean"] = statistics.fmean(ref_lengths)
    generated = [c for c in cases if c.attempts]
    if generated:
        seconds = sum(c.seconds for c in generated)
        tokens = sum(c.usage.completion_tokens for c in generated)
        out |= {
            "seconds_per_case": seconds / len(generated),
            "tokens_per_s": tokens / seconds if seconds else 0.0,
            "completion_tokens_mean": tokens / len(generated),
            "attempts_mean": statistics.fmean(c.attempts for c in generated),
            "passed": statistics.fmean(float(bool(c.passed)) for c in generated),
        }
    return out
