"""zhimei review: submit a draft, approve, reject or spike it."""

from __future__ import annotations

from typing import Annotated

import typer

from zhimei.interfaces.cli.common import err, get_zhimei
from zhimei.interfaces.cli.drafts_cmd import ByOpt

__all__ = ["app"]

app = typer.Typer(help="Review: submit drafts, approve, reject or spike them.", no_args_is_help=True)

DraftArg = Annotated[int, typer.Argument(help="draft id", min=1)]


@app.command("submit")
def submit(ctx: typer.Context, draft: DraftArg, by: ByOpt = None) -> None:
    """Send the draft's newest revision for review."""
    d = get_zhimei(ctx).review_submit(draft, by=by)
    err.print(f"draft {d.id}: revision {d.head} in review")


@app.command("approve")
def approve(
    ctx: typer.Context,
    draft: DraftArg,
    revision: Annotated[
        int | None, typer.Option(help="the revision you reviewed (refused if a newer one exists)")
    ] = None,
    by: ByOpt = None,
) -> None:
    """Approve the draft's newest revision (editors)."""
    decision = get_zhimei(ctx).review_approve(draft, by=by, revision=revision)
    err.print(f"draft {draft}: revision {decision.revision} approved by {decision.actor}")


@app.command("reject")
def reject(
    ctx: typer.Context,
    draft: DraftArg,
    reason: Annotated[str, typer.Option("--reason", help="what has to change")],
    by: ByOpt = None,
) -> None:
    """Send the draft back to its writers with a reason (editors)."""
    decision = get_zhimei(ctx).review_reject(draft, reason, by=by)
    err.print(f"draft {draft}: revision {decision.revision} rejected by {decision.actor}")


@app.command("spike")
def spike(
    ctx: typer.Context,
    draft: DraftArg,
    reason: Annotated[str | None, typer.Option("--reason", help="why")] = None,
    by: ByOpt = None,
) -> None:
    """Kill the draft for good; it stays on record (editors)."""
    get_zhimei(ctx).review_spike(draft, by=by, reason=reason)
    err.print(f"draft {draft}: spiked")
