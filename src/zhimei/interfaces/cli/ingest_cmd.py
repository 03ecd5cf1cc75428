"""zhimei ingest: one pass over the sources now, or polling them on schedule."""

from __future__ import annotations

import sys
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TaskID, TextColumn, TimeElapsedColumn
from rich.table import Table

from zhimei.interfaces.cli.common import err, get_zhimei, print_json
from zhimei.interfaces.cli.jobs_cmd import stop_on_signals
from zhimei.records import SourceRun

app = typer.Typer(help="Ingest: read sources into documents, stories and auto-drafts.", no_args_is_help=True)

# Every source failed to fetch: the exit code of a fetch error.
EXIT_ALL_FAILED = 7


def _table(runs: list[SourceRun]) -> Table:
    # new · near-duplicates · revised · unchanged · failed items; stories started; drafts queued; seconds
    table = Table("source", "status", "new", "dup", "rev", "same", "fail", "stories", "drafts", "s")
    for r in runs:
        table.add_row(
            r.source,
            r.status if not r.error else f"{r.status}: {r.error[:50]}",
            str(r.new),
            str(r.duplicate),
            str(r.updated),
            str(r.unchanged),
            str(r.failed),
            str(r.stories_new),
            str(r.drafts_queued),
            f"{r.seconds:.1f}",
        )
    return table


@app.command("run")
def run(
    ctx: typer.Context,
    source: Annotated[str | None, typer.Option(help="only this source (default: every enabled one)")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="print a JSON summary per source")] = False,
    queue: Annotated[
        bool, typer.Option("--queue", help="queue the pass for `zhimei worker` instead")
    ] = False,
) -> None:
    """One ingest pass now, with a progress bar on stderr. A failing source is recorded and the pass
    goes on; new stories get auto-draft jobs (written by `zhimei worker`)."""
    zm = get_zhimei(ctx)
    if queue:
        job = zm.ingest_queue(source)
        if as_json:
            print_json(job.model_dump(mode="json"))
        else:
            err.print(f"queued job {job.id}")
        return
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    tasks: dict[str, TaskID] = {}
    with Progress(*columns, console=err, transient=False) as bar:

        def progress(name: str, done: int, total: int) -> None:
            if name not in tasks:
                tasks[name] = bar.add_task(name, total=total)
            bar.update(tasks[name], completed=done, total=total)

        runs = zm.ingest(source, progress=progress)
    if as_json:
        print_json([r.model_dump(mode="json") for r in runs])
    else:
        Console(highlight=False).print(_table(runs))
        for r in runs:
            for error in r.item_errors:
                err.print(f"  {r.source}: {error}")
    if runs and all(r.status == "failed" for r in runs):
        sys.exit(EXIT_ALL_FAILED)


@app.command("watch")
def watch(
    ctx: typer.Context,
    tick: Annotated[float, typer.Option(min=0.1, help="seconds between looks for due sources")] = 5.0,
    lease: Annotated[
        float, typer.Option(min=1.0, help="seconds a job stays claimed without a heartbeat")
    ] = 60.0,
) -> None:
    """Poll every source on its schedule (`--every`) and run the jobs that makes, in one process,
    until SIGTERM."""
    zm = get_zhimei(ctx)
    runner = zm.worker(lease=lease)
    err.print(f"watching {len(zm.sources_list())} sources")
    with stop_on_signals(runner.stop):
        stats = zm.watch(runner, tick=tick)
    err.print(f"stopped: {stats.done} jobs done, {stats.failed} failed")
