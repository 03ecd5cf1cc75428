"""zhimei audit: the desk's append-only log of every change."""

from __future__ import annotations

import json
from typing import Annotated

import typer
from rich.table import Table

from zhimei.interfaces.cli.common import get_zhimei, print_json
from zhimei.interfaces.cli.drafts_cmd import ByOpt, JsonOpt, print_table

__all__ = ["audit", "register"]


def audit(
    ctx: typer.Context,
    draft: Annotated[int | None, typer.Option("--draft", help="only this draft")] = None,
    actor: Annotated[str | None, typer.Option("--actor", help="only this user's changes")] = None,
    last: Annotated[int | None, typer.Option("--last", min=1, help="only the newest N")] = None,
    by: ByOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Who changed what and when: creation, generations (model, prompt version), edits, review,
    publications, users and roles. Append-only."""
    events = get_zhimei(ctx).audit(draft_id=draft, actor=actor, limit=last, by=by)
    if as_json:
        print_json([e.model_dump(mode="json") for e in events])
        return
    table = Table("time", "actor", "action", "draft", "rev", "detail")
    for e in events:
        detail = json.dumps(e.detail, ensure_ascii=False)
        table.add_row(
            e.created_at.strftime("%Y-%m-%d %H:%M:%S"),
            e.actor,
            e.action,
            "-" if e.draft_id is None else str(e.draft_id),
            "-" if e.revision is None else str(e.revision),
            detail[:80],
        )
    print_table(table)


def register(app: typer.Typer) -> None:
    """Add audit to the root command."""
    app.command("audit")(audit)
