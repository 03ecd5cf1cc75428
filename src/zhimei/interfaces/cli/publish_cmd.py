"""zhimei publish / unpublish / correct: approved, labelled drafts out to folders, feeds and webhooks."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Annotated

import typer

from zhimei.errors import InputError
from zhimei.interfaces.cli.common import err, get_zhimei, print_json
from zhimei.interfaces.cli.drafts_cmd import ByOpt, JsonOpt
from zhimei.records import Publication

__all__ = ["publish", "register"]

FORMATS_HELP = "markdown, html, json, docx, rss or webhook"


def _when(text: str) -> datetime:
    """'2026-11-24 08:00' (local time) or any ISO 8601 time with its zone."""
    try:
        value = datetime.fromisoformat(text.strip())
    except ValueError:
        raise InputError(
            f"not a time: {text!r}", "write it like '2026-11-24 08:00' or with a zone, +08:00"
        ) from None
    return value if value.tzinfo else value.astimezone()


def _show(pubs: list[Publication], as_json: bool) -> None:
    if as_json:
        print_json([p.model_dump(mode="json") for p in pubs])
        return
    for p in pubs:
        when = p.scheduled_at if p.status == "scheduled" else p.published_at
        stamp = f" at {when:%Y-%m-%d %H:%M %Z}" if when else ""
        err.print(
            f"draft {p.draft_id} r{p.revision}: {p.format} {p.status}{stamp} → {p.location or p.target}"
        )


def publish(
    ctx: typer.Context,
    draft: Annotated[str, typer.Argument(help="draft id, or 'due' to release scheduled publications")],
    to: Annotated[str | None, typer.Option("--to", help=FORMATS_HELP)] = None,
    out: Annotated[Path | None, typer.Option("--out", help="folder (default: HOME/published)")] = None,
    url: Annotated[str | None, typer.Option("--url", help="webhook URL (--to webhook)")] = None,
    at: Annotated[
        str | None, typer.Option("--at", help="publish later (embargo): '2026-11-24 08:00'")
    ] = None,
    by: ByOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Publish a draft's approved revision with its AIGC labels; 'publish due' releases embargoed ones."""
    zm = get_zhimei(ctx)
    if draft == "due":
        _show(zm.publish_due(), as_json)
        return
    if not draft.isdigit() or to is None:
        raise typer.BadParameter("give a draft id and --to FORMAT, or 'due'")
    target: str | Path | None = url if to == "webhook" else out
    when = _when(at) if at else None
    _show([zm.publish(int(draft), to, by=by, target=target, at=when)], as_json)


def unpublish(
    ctx: typer.Context,
    draft: Annotated[int, typer.Argument(help="draft id", min=1)],
    to: Annotated[str | None, typer.Option("--to", help="only this format")] = None,
    by: ByOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Take a draft's publications down (they stay on record); scheduled ones are cancelled."""
    _show(get_zhimei(ctx).unpublish(draft, by=by, fmt=to), as_json)


def correct(
    ctx: typer.Context,
    draft: Annotated[int, typer.Argument(help="draft id", min=1)],
    file: Annotated[Path, typer.Option("--file", "-f", help="the corrected text (UTF-8)")],
    note: Annotated[str, typer.Option("--note", help="the visible correction notice, e.g. '更正：…'")],
    by: ByOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Correct a published draft: a new approved revision, republished with a visible notice."""
    zm = get_zhimei(ctx)
    revision, pubs = zm.correct(draft, zm.read_edit(file), note, by=by)
    err.print(f"draft {draft}: revision {revision.number} is the correction")
    _show(pubs, as_json)


def register(app: typer.Typer) -> None:
    """Add publish, unpublish and correct to the root command."""
    app.command("publish")(publish)
    app.command("unpublish")(unpublish)
    app.command("correct")(correct)
