"""zhimei eval: score tasks × backends × prompt versions on datasets, against baselines; compare, report."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.table import Table

from zhimei.interfaces.cli.common import err, get_zhimei, print_json
from zhimei.records import TaskParams

app = typer.Typer(
    help="Evaluate tasks, models and prompts on datasets; compare runs; write reports.", no_args_is_help=True
)

TaskOpt = Annotated[str, typer.Option("--task", "-t", help="task: headline, summary, brief …")]
DataOpt = Annotated[
    Path, typer.Option("--data", "-d", help="dataset file (jsonl, csv, tsv, E2E csv, RotoWire json)")
]
FormatOpt = Annotated[str, typer.Option("--format", help="auto, jsonl, csv, tsv, e2e, rotowire")]
LangOpt = Annotated[str | None, typer.Option(help="language of cases that state none: zh, en or auto")]
LimitOpt = Annotated[int | None, typer.Option(min=1, help="only the first N cases")]
JsonOpt = Annotated[bool, typer.Option("--json", help="print the aggregate metrics and every case as JSON")]
ZhTokOpt = Annotated[str, typer.Option("--zh-tokenizer", help="Chinese ROUGE tokens: char or jieba")]
EmbedOpt = Annotated[
    bool, typer.Option("--embedding", help="also score USE embedding similarity (needs the embeddings extra)")
]
LengthOpt = Annotated[int | None, typer.Option(help="task length target: zh characters, en words")]


def _metric_settings(zh_tokenizer: str, embedding: bool) -> Any:
    from zhimei.evaluation import MetricSettings

    if zh_tokenizer not in ("char", "jieba"):
        raise typer.BadParameter("use char or jieba", param_hint="--zh-tokenizer")
    return MetricSettings(zh_tokenizer=zh_tokenizer, embedding=embedding)  # type: ignore[arg-type]


@contextmanager
def _progress(label: str) -> Iterator[Callable[[int, int], None]]:
    """A progress bar on stderr (shown only on a terminal); yields the harness callback."""
    columns = (
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
    )
    with Progress(*columns, console=err, transient=False) as bar:
        task = bar.add_task(label, total=None)

        def update(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)

        yield update


def _fmt(value: float) -> str:
    return f"{value:.3f}" if abs(value) < 10 else f"{value:.2f}"


def _metrics_table(reports: list[Any]) -> Table:
    from zhimei.evaluation.scoring import ordered

    table = Table("metric", *[r.run.id for r in reports])
    for name in ordered(k for r in reports for k in r.run.metrics):
        table.add_row(name, *[_fmt(r.run.metrics[name]) if name in r.run.metrics else "-" for r in reports])
    return table


def _show(reports: list[Any], as_json: bool) -> None:
    if as_json:
        print_json(reports[0].to_json() if len(reports) == 1 else [r.to_json() for r in reports])
        return
    from rich.console import Console

    Console(highlight=False).print(_metrics_table(reports))


@app.command("run")
def run(
    ctx: typer.Context,
    task: TaskOpt,
    data: DataOpt,
    fmt: FormatOpt = "auto",
    backend: Annotated[str | None, typer.Option(help="text backend (default: the setting)")] = None,
    model: Annotated[str | None, typer.Option(help="model pack name or GGUF path")] = None,
    prompt: Annotated[str | None, typer.Option(help="prompt version, e.g. summary.v2")] = None,
    lang: LangOpt = None,
    limit: LimitOpt = None,
    seed: Annotated[int, typer.Option(help="generation seed (the same for every case)")] = 0,
    run_id: Annotated[
        str | None, typer.Option("--run-id", help="run id; the same id resumes the run")
    ] = None,
    length: LengthOpt = None,
    max_tokens: Annotated[int | None, typer.Option("--max-tokens", help="reply token budget")] = None,
    temperature: Annotated[
        float | None, typer.Option(help="sampling temperature (default 0: greedy)")
    ] = None,
    zh_tokenizer: ZhTokOpt = "char",
    embedding: EmbedOpt = False,
    as_json: JsonOpt = False,
) -> None:
    """Generate with a task for every case, score against the references, and store the run."""
    root = ctx.find_root()
    if isinstance(root.obj, dict) and (backend or model):
        flags = root.obj.setdefault("flags", {})
        flags.update({k: v for k, v in {"backend": backend, "model": model}.items() if v})
        root.obj.pop("zhimei", None)
    zm = get_zhimei(ctx)
    options = {
        k: v for k, v in {"max_tokens": max_tokens, "temperature": temperature}.items() if v is not None
    }
    params = TaskParams(length=length) if length is not None else TaskParams()
    with _progress(f"eval {task}") as progress:
        report = zm.eval_run(
            task,
            data,
            fmt=fmt,
            lang=lang,
            prompt=prompt,
            limit=limit,
            seed=seed,
            run_id=run_id,
            params=params,
            options=options,
            metrics=_metric_settings(zh_tokenizer, embedding),
            progress=progress,
        )
    _show([report], as_json)
    err.print(f"run {report.run.id}")


@app.command("baselines")
def baselines(
    ctx: typer.Context,
    task: TaskOpt,
    data: DataOpt,
    fmt: FormatOpt = "auto",
    only: Annotated[list[str] | None, typer.Option("--only", help="baseline name (repeatable)")] = None,
    lang: LangOpt = None,
    limit: LimitOpt = None,
    length: LengthOpt = None,
    zh_tokenizer: ZhTokOpt = "char",
    embedding: EmbedOpt = False,
    as_json: JsonOpt = False,
) -> None:
    """Score the classic baselines (lead-1, lead-3, TextRank; a template for data-to-text)."""
    zm = get_zhimei(ctx)
    params = TaskParams(length=length) if length is not None else TaskParams()
    with _progress(f"baselines {task}") as progress:
        reports = zm.eval_baselines(
            task,
            data,
            fmt=fmt,
            lang=lang,
            only=only or (),
            limit=limit,
            params=params,
            metrics=_metric_settings(zh_tokenizer, embedding),
            progress=progress,
        )
    _show(reports, as_json)
    for r in reports:
        err.print(f"run {r.run.id}")


@app.command("score")
def score(
    ctx: typer.Context,
    data: DataOpt,
    fmt: FormatOpt = "auto",
    task: Annotated[str | None, typer.Option("--task", "-t", help="also run this task's checks")] = None,
    system: Annotated[str, typer.Option(help="name of the system that made the outputs")] = "given",
    run_id: Annotated[str | None, typer.Option("--run-id", help="run id to store the scores under")] = None,
    lang: LangOpt = None,
    limit: LimitOpt = None,
    zh_tokenizer: ZhTokOpt = "char",
    embedding: EmbedOpt = False,
    as_json: JsonOpt = False,
) -> None:
    """Score outputs you already have: cases with input, references, prediction and lang."""
    zm = get_zhimei(ctx)
    with _progress("score") as progress:
        report = zm.eval_score(
            data,
            fmt=fmt,
            lang=lang,
            task_name=task,
            system=system,
            run_id=run_id,
            limit=limit,
            metrics=_metric_settings(zh_tokenizer, embedding),
            progress=progress,
        )
    _show([report], as_json)
    err.print(f"run {report.run.id}")


@app.command("compare")
def compare(
    ctx: typer.Context,
    run_a: Annotated[str, typer.Argument(help="the reference run (A)")],
    run_b: Annotated[str, typer.Argument(help="the candidate run (B)")],
    resamples: Annotated[int, typer.Option(min=1, help="bootstrap resamples")] = 1000,
    seed: Annotated[int, typer.Option(help="bootstrap seed")] = 0,
    as_json: Annotated[bool, typer.Option("--json", help="print JSON")] = False,
) -> None:
    """Per-metric deltas B − A over paired cases, with 95% bootstrap confidence intervals."""
    result = get_zhimei(ctx).eval_compare(run_a, run_b, resamples=resamples, seed=seed)
    if as_json:
        print_json(result.to_json())
        return
    table = Table("metric", "n", "A", "B", "B − A", "95% CI", "P(B>A)")
    for d in result.deltas:
        mark = " *" if d.significant else ""
        table.add_row(
            d.metric,
            str(d.n),
            _fmt(d.mean_a),
            _fmt(d.mean_b),
            f"{d.delta:+.3f}{mark}",
            f"[{d.ci_low:+.3f}, {d.ci_high:+.3f}]",
            f"{d.p_b_better:.2f}",
        )
    from rich.console import Console

    Console(highlight=False).print(table)
    if not result.same_dataset:
        err.print("[yellow]the runs were made on different datasets; only shared case ids are paired[/]")


@app.command("report")
def report(
    ctx: typer.Context,
    runs: Annotated[list[str], typer.Argument(help="run ids; the first is the reference for comparisons")],
    html: Annotated[
        Path | None, typer.Option(help="write an offline HTML report (plots embedded) here")
    ] = None,
    as_json: JsonOpt = False,
) -> None:
    """Tables of the runs' metrics; with --html, a self-contained report with plots."""
    reports = get_zhimei(ctx).eval_report(runs, html)
    _show(reports, as_json)
    if html is not None:
        err.print(f"wrote {html}")


@app.command("list")
def list_runs(
    ctx: typer.Context,
    task: Annotated[str | None, typer.Option(help="only runs of this task")] = None,
    last: Annotated[int, typer.Option(min=1, help="how many runs")] = 50,
    as_json: Annotated[bool, typer.Option("--json", help="print JSON")] = False,
) -> None:
    """Stored evaluation runs, newest first."""
    runs = get_zhimei(ctx).eval_list(task, last)
    if as_json:
        print_json([r.model_dump(mode="json") for r in runs])
        return
    table = Table("run", "time", "task", "system", "data", "cases", "status", "BLEU", "ROUGE-L")
    for r in runs:
        m = r.metrics
        table.add_row(
            r.id,
            r.created_at.strftime("%Y-%m-%d %H:%M"),
            r.prompt_version if r.kind == "model" else r.task_id,
            f"{r.backend}:{Path(r.model_requested).name}",
            r.dataset,
            f"{int(m.get('cases', 0))}/{r.cases_planned}",
            r.status,
            _fmt(m["bleu"]) if "bleu" in m else "-",
            _fmt(m["rougeL"]) if "rougeL" in m else "-",
        )
    from rich.console import Console

    Console(highlight=False).print(table)
