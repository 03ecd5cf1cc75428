"""zhimei jobs and zhimei worker: the job queue (ingest passes, auto-drafts) and its worker."""

from __future__ import annotations

import signal
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from zhimei.interfaces.cli.common import err, get_zhimei, print_json

app = typer.Typer(help="Jobs: ingest passes and auto-drafts, run by `zhimei worker`.", no_args_is_help=True)

_STATES = ("queued", "running", "done", "failed", "cancelled")


@contextmanager
def stop_on_signals(stop: Callable[[], None]) -> Iterator[None]:
    """SIGTERM or SIGINT calls ``stop`` once (from a thread: a handler must not take locks); a
    second signal acts as usual."""
    previous: dict[signal.Signals, Any] = {}

    def handler(signum: int, _frame: object) -> None:
        for sig, old in previous.items():
            signal.signal(sig, old)
        err.print("stopping after the current item (signal again to stop at once)")
        threading.Thread(target=stop, daemon=True).start()

    for sig in (signal.SIGTERM, signal.SIGINT):
        previous[sig] = signal.signal(sig, handler)
    try:
        yield
    finally:
        for sig, old in previous.items():
            signal.signal(sig, old)


def worker(
    ctx: typer.Context,
    until_idle: Annotated[bool, typer.Option("--until-idle", help="exit when no job is left")] = False,
    lease: Annotated[
        float, typer.Option(min=1.0, help="seconds a job stays claimed without a heartbeat")
    ] = 60.0,
    poll: Annotated[float, typer.Option(min=0.05, help="seconds between looks at an empty queue")] = 1.0,
) -> None:
    """Run queued jobs (ingest passes, auto-drafts) until SIGTERM, which stops after the current item.

    Restart-safe: a job whose worker was killed is taken over when its lease expires, and nothing
    it did is done twice.
    """
    zm = get_zhimei(ctx)
    runner = zm.worker(lease=lease, poll=poll)
    err.print(f"worker {runner.owner} started")
    with stop_on_signals(runner.stop):
        stats = zm.work(runner, until_idle=until_idle)
    err.print(
        f"worker stopped: {stats.done} done, {stats.failed} failed, {stats.cancelled} cancelled, "
        f"{stats.retried} to retry, {stats.released} handed back"
    )


@app.command("list")
def list_(
    ctx: typer.Context,
    state: Annotated[list[str] | None, typer.Option(help="only jobs in this state (repeatable)")] = None,
    kind: Annotated[str | None, typer.Option(help="only jobs of this kind: ingest, draft")] = None,
    limit: Annotated[int, typer.Option(min=1, help="how many")] = 50,
    as_json: Annotated[bool, typer.Option("--json", help="print JSON")] = False,
) -> None:
    """The newest jobs with their state, progress and error."""
    for s in state or []:
        if s not in _STATES:
            raise typer.BadParameter(f"use one of: {', '.join(_STATES)}", param_hint="--state")
    jobs = get_zhimei(ctx).jobs_list(states=tuple(state or ()), kind=kind, limit=limit)  # type: ignore[arg-type]
    if as_json:
        print_json([j.model_dump(mode="json") for j in jobs])
        return
    table = Table("id", "kind", "state", "progress", "tries", "updated", "what", "error")
    for j in jobs:
        total = f"/{j.progress_total}" if j.progress_total is not None else ""
        what = ", ".join(f"{k}={v}" for k, v in j.payload.items())
        table.add_row(
            str(j.id),
            j.kind,
            j.state + (" (cancelling)" if j.cancel_requested and j.state == "running" else ""),
            f"{j.progress_done}{total}",
            f"{j.attempts}/{j.max_attempts}",
            j.updated_at.strftime("%Y-%m-%d %H:%M:%S"),
            what[:50],
            (j.error or "")[:60],
        )
    Console(highlight=False).print(table)


@app.command("cancel")
def cancel(ctx: typer.Context, job_id: Annotated[int, typer.Argument(help="the job's id")]) -> None:
    """Cancel a job: a queued one at once, a running one after its current item."""
    job = get_zhimei(ctx).jobs_cancel(job_id)
    if job.state == "running":
        err.print(f"job {job.id} will stop after its current item")
    else:
        err.print(f"job {job.id} is {job.state}")
