"""zhimei stories: what was ingested, grouped by event, with tags, near-duplicates and drafts."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from zhimei.interfaces.cli.common import get_zhimei, print_json
from zhimei.records import StoredStory

app = typer.Typer(help="Stories: documents about one event, in any language.", no_args_is_help=True)

JsonOpt = Annotated[bool, typer.Option("--json", help="print JSON")]


@app.command("list")
def list_(
    ctx: typer.Context,
    since: Annotated[str | None, typer.Option(help="changed since: 1d, 12h, 2026-11-20 …")] = None,
    topic: Annotated[str | None, typer.Option(help="only this topic, e.g. finance, sports, tech")] = None,
    limit: Annotated[int, typer.Option(min=1, help="how many")] = 50,
    as_json: JsonOpt = False,
) -> None:
    """Stories, most recently changed first."""
    stories = get_zhimei(ctx).stories_list(since=since, topic=topic, limit=limit)
    if as_json:
        print_json([s.model_dump(mode="json") for s in stories])
        return
    table = Table("id", "updated", "docs", "langs", "topic", "title")
    for s in stories:
        table.add_row(
            str(s.id),
            s.updated_at.strftime("%Y-%m-%d %H:%M"),
            str(s.size),
            ",".join(s.langs),
            s.topic or "-",
            s.title,
        )
    Console(highlight=False).print(table)


def _print(story: StoredStory) -> None:
    out = Console(highlight=False)
    out.print(f"[bold]story {story.id}[/bold] {story.key}: {story.title}")
    out.print(f"topic {story.topic or '-'} · {story.size} documents · {','.join(story.langs)}")
    if story.keywords:
        out.print("keywords: " + ", ".join(k.text for k in story.keywords))
    if story.entities:
        out.print("entities: " + ", ".join(e.text for e in story.entities))
    docs = Table("doc", "source", "lang", "published", "similarity", "title")
    for d in story.documents:
        docs.add_row(
            f"{d.id}{' *' if d.representative else ''}",
            d.source,
            d.lang,
            d.published.strftime("%Y-%m-%d %H:%M") if d.published else "-",
            f"{d.similarity:.2f}",
            d.title,
        )
    out.print(docs)
    for link in story.duplicates:
        out.print(f"near-duplicate: {link.document} repeats {link.duplicate_of} ({link.similarity:.2f})")
    for draft in story.drafts:
        where = f" (desk draft {draft.draft_id})" if draft.draft_id is not None else ""
        out.print(f"[bold]{draft.task}[/bold]{where}: {draft.text or '(no output)'}")
        for flag in draft.flags:
            out.print(f"  [red]flag[/red] {flag.name}: {flag.detail}")


@app.command("show")
def show(
    ctx: typer.Context,
    story: Annotated[str, typer.Argument(help="the story's id (or story-… key)")],
    as_json: JsonOpt = False,
) -> None:
    """A story's documents (* representative), sources, near-duplicates, tags and auto-drafts."""
    found = get_zhimei(ctx).story(story)
    if as_json:
        print_json(found.model_dump(mode="json"))
        return
    _print(found)
