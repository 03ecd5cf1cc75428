"""An offline HTML report of one or more runs: metric tables, paired comparisons against the first run,
score distributions and per-category bars (matplotlib, Agg backend) embedded as base64 PNG, and the
weakest cases. One file, no scripts, nothing fetched: it opens anywhere.
"""

from __future__ import annotations

import base64
import io
import statistics
import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import jinja2

from zhimei.errors import ExtraMissingError, InputError
from zhimei.evaluation.compare import Comparison, compare_runs
from zhimei.evaluation.harness import EvalReport
from zhimei.evaluation.scoring import ordered
from zhimei.records import utcnow

__all__ = ["DISTRIBUTION_METRICS", "render_html", "write_html"]

DISTRIBUTION_METRICS = ("rougeL", "bleu", "chrf", "embedding", "slot_coverage", "novelty", "length")
_WORST = 10
_CJK_FONTS = ["Noto Sans CJK SC", "Noto Sans SC", "WenQuanYi Zen Hei", "Source Han Sans SC", "SimHei"]

_TEMPLATE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>zhimei evaluation report</title>
<style>
body{font-family:system-ui,sans-serif;margin:2em auto;max-width:1200px;color:#222}
table{border-collapse:collapse;margin:1em 0;font-size:14px}
th,td{border:1px solid #ccc;padding:4px 8px;text-align:right;vertical-align:top}
th:first-child,td:first-child,td.text{text-align:left}
td.text{max-width:380px;white-space:pre-wrap}
.sig{font-weight:bold}.note{color:#666;font-size:13px}
img{max-width:100%;border:1px solid #eee}
</style></head><body>
<h1>zhimei evaluation report</h1>
<p class="note">Generated {{ generated }}. ROUGE, BLEU and chrF on 0–100; shares on 0–1. BLEU and chrF in the
metrics table are corpus scores; comparisons use per-case (sentence) scores.</p>
<h2>Runs</h2>
<table><tr><th>run</th><th>kind</th><th>task / prompt</th><th>backend</th><th>model</th><th>dataset</th>
<th>cases</th><th>status</th></tr>
{% for r in runs %}<tr><td>{{ r.id }}</td><td>{{ r.kind }}</td><td>{{ r.prompt_version or r.task_id }}</td>
<td>{{ r.backend }}</td><td>{{ r.model_resolved[:24] }}</td>
<td>{{ r.dataset }} ({{ r.dataset_hash[:10] }})</td>
<td>{{ r.metrics.get("cases", 0)|int }}/{{ r.cases_planned }}</td><td>{{ r.status }}</td></tr>
{% endfor %}</table>
<h2>Metrics</h2>
<table><tr><th>metric</th>{% for r in runs %}<th>{{ r.id }}</th>{% endfor %}</tr>
{% for name in metric_names %}<tr><td>{{ name }}</td>{% for r in runs %}
<td>{{ fmt(r.metrics[name]) if name in r.metrics else "–" }}</td>{% endfor %}</tr>
{% endfor %}</table>
{% for c in comparisons %}
<h2>{{ c.run_b.id }} vs {{ c.run_a.id }}</h2>
<p class="note">{{ c.paired_cases }} paired cases;
{{ (c.confidence * 100)|round|int }}% paired bootstrap interval,
{{ c.resamples }} resamples, seed {{ c.seed }}{% if not c.same_dataset %}; different datasets: shared case ids
only{% endif %}. Bold: the interval excludes 0.</p>
<table><tr><th>metric</th><th>n</th><th>A</th><th>B</th><th>B − A</th><th>CI</th><th>P(B&gt;A)</th></tr>
{% for d in c.deltas %}<tr{% if d.significant %} class="sig"{% endif %}>
<td>{{ d.metric }}</td><td>{{ d.n }}</td>
<td>{{ fmt(d.mean_a) }}</td><td>{{ fmt(d.mean_b) }}</td><td>{{ "%+.3f"|format(d.delta) }}</td>
<td>[{{ "%+.3f"|format(d.ci_low) }}, {{ "%+.3f"|format(d.ci_high) }}]</td>
<td>{{ "%.2f"|format(d.p_b_better) }}</td></tr>
{% endfor %}</table>
{% endfor %}
{% for plot in plots %}
<h2>{{ plot.title }}</h2>
<img alt="{{ plot.title }}" src="data:image/png;base64,{{ plot.png }}">
{% endfor %}
{% for w in worst %}
<h2>Weakest cases of {{ w.run }} by {{ w.metric }}</h2>
<table><tr><th>case</th><th>{{ w.metric }}</th><th>input</th><th>output</th><th>reference</th></tr>
{% for c in w.cases %}<tr><td>{{ c.case_id }}</td><td>{{ fmt(c.scores.get(w.metric, 0)) }}</td>
<td class="text">{{ c.input_text }}</td><td class="text">{{ c.output or "(none)" }}{% if c.error %}
[{{ c.error }}]{% endif %}</td><td class="text">{{ c.references[0] if c.references else "" }}</td></tr>
{% endfor %}</table>
{% endfor %}
</body></html>
"""


def _fmt(value: float) -> str:
    return f"{value:.3f}" if abs(value) < 10 else f"{value:.2f}"


def _pyplot() -> Any:
    try:
        import matplotlib
    except ImportError as exc:
        raise ExtraMissingError("matplotlib", "eval") from exc
    matplotlib.use("Agg")  # no display: render to memory
    import matplotlib.pyplot as plt

    # Chinese category names need a CJK font; matplotlib falls back glyph by glyph along this list.
    fonts = plt.rcParams["font.sans-serif"]
    if _CJK_FONTS[0] not in fonts:
        plt.rcParams["font.sans-serif"] = [*_CJK_FONTS, *fonts]
    return plt


def _png(fig: Any) -> str:
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=90, bbox_inches="tight")
    _pyplot().close(fig)
    return base64.b64encode(buffer.getvalue()).decode("ascii")


def _distributions(reports: Sequence[EvalReport]) -> dict[str, str] | None:
    metrics = [m for m in DISTRIBUTION_METRICS if any(m in c.scores for r in reports for c in r.cases)]
    if not metrics:
        return None
    plt = _pyplot()
    cols = min(3, len(metrics))
    rows = (len(metrics) + cols - 1) // cols
    fig, axes = plt.subplots(rows, cols, figsize=(4.2 * cols, 3.0 * rows), squeeze=False)
    for ax, metric in zip(axes.flat, metrics, strict=False):
        per_run = [[c.scores[metric] for c in r.cases if metric in c.scores] for r in reports]
        everything = [v for values in per_run for v in values]
        low, high = min(everything), max(everything)
        if high - low < 1e-9:
            low, high = low - 0.5, high + 0.5
        # The same bins for every run, so their bars line up.
        bins = [low + (high - low) * i / 20 for i in range(21)]
        for r, values in zip(reports, per_run, strict=True):
            if values:
                ax.hist(values, bins=bins, alpha=0.5, label=r.run.id[:30])
        ax.set_title(metric)
    for ax in list(axes.flat)[len(metrics) :]:
        ax.axis("off")
    axes.flat[0].legend(fontsize=7)
    fig.tight_layout()
    return {"title": "Score distributions", "png": _png(fig)}


def _main_metric(reports: Sequence[EvalReport]) -> str | None:
    for metric in ("rougeL", "slot_coverage", "chrf", "novelty"):
        if any(metric in c.scores for r in reports for c in r.cases):
            return metric
    return None


def _categories(reports: Sequence[EvalReport], metric: str) -> dict[str, str] | None:
    def group(c: Any) -> str:
        return c.category or c.lang

    groups = sorted({group(c) for r in reports for c in r.cases})
    if not groups:
        return None
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(max(5.0, 1.1 * len(groups) * len(reports)), 3.4))
    width = 0.8 / len(reports)
    for i, r in enumerate(reports):
        means = []
        for g in groups:
            values = [c.scores[metric] for c in r.cases if group(c) == g and metric in c.scores]
            means.append(statistics.fmean(values) if values else 0.0)
        ax.bar([x + i * width for x in range(len(groups))], means, width, label=r.run.id[:30])
    ax.set_xticks(
        [x + width * (len(reports) - 1) / 2 for x in range(len(groups))], groups, rotation=30, ha="right"
    )
    ax.set_ylabel(metric)
    ax.legend(fontsize=7)
    fig.tight_layout()
    return {"title": f"Mean {metric} per category", "png": _png(fig)}


def _input_text(data: dict[str, Any]) -> str:
    text = data.get("text") if isinstance(data.get("text"), str) else None
    if text is None:
        record = data.get("data", data)
        text = "; ".join(f"{k}: {v}" for k, v in record.items()) if isinstance(record, dict) else str(record)
    return text if len(text) <= 400 else text[:400] + "…"


def _worst(report: EvalReport, metric: str) -> dict[str, Any]:
    scored = sorted((c for c in report.cases if metric in c.scores), key=lambda c: c.scores[metric])[:_WORST]
    cases = [{**c.model_dump(), "input_text": _input_text(c.input)} for c in scored]
    return {"run": report.run.id, "metric": metric, "cases": cases}


def render_html(reports: Sequence[EvalReport]) -> str:
    """The HTML report of ``reports`` (the first is the reference the others are compared against)."""
    if not reports:
        raise InputError("a report needs at least one run")
    metric_names = ordered(k for r in reports for k in r.run.metrics)
    comparisons: list[Comparison] = []
    first = reports[0]
    for other in reports[1:]:
        shared = {c.case_id for c in first.cases} & {c.case_id for c in other.cases}
        if shared:
            comparisons.append(compare_runs(first.run, first.cases, other.run, other.cases))
    metric = _main_metric(reports)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # a missing font or CJK glyph must not flood stderr
        plots = [p for p in (_distributions(reports), _categories(reports, metric) if metric else None) if p]
    worst = [_worst(r, metric) for r in reports] if metric else []
    env = jinja2.Environment(autoescape=True, undefined=jinja2.StrictUndefined)
    return env.from_string(_TEMPLATE).render(
        generated=utcnow().strftime("%Y-%m-%d %H:%M UTC"),
        runs=[r.run for r in reports],
        metric_names=metric_names,
        comparisons=comparisons,
        plots=plots,
        worst=worst,
        fmt=_fmt,
    )


def write_html(reports: Sequence[EvalReport], path: Path) -> Path:
    """Write the HTML report of ``reports`` to ``path``."""
    html = render_html(reports)
    try:
        path.write_text(html, encoding="utf-8")
    except OSError as exc:
        raise InputError(
            f"cannot write the report to {path}: {exc.strerror or exc}", "choose a writable path"
        ) from exc
    return path
