"""zhimei sources: add, import, list and remove feeds, web pages and watched folders."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from zhimei.interfaces.cli.common import err, get_zhimei, print_json
from zhimei.records import Source

app = typer.Typer(
    help="Sources: feeds (rss), web pages (web) and watched folders (folder).", no_args_is_help=True
)

JsonOpt = Annotated[bool, typer.Option("--json", help="print JSON")]
EveryOpt = Annotated[
    str | None, typer.Option(help="how often to poll: 90s, 15m, 1h, 1d (default: rss 15m, web 1h, folder 1m)")
]


def _ago(source: Source) -> str:
    if source.last_run_at is None:
        return "never"
    return source.last_run_at.strftime("%Y-%m-%d %H:%M")


def _every(seconds: int | None) -> str:
    if not seconds:
        return "-"
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds % size == 0:
            return f"{seconds // size}{unit}"
    return f"{seconds}s"


@app.command("add")
def add(
    ctx: typer.Context,
    kind: Annotated[str, typer.Argument(help="rss, web or folder")],
    location: Annotated[str, typer.Argument(help="feed or page URL, or folder path")],
    name: Annotated[str | None, typer.Option(help="a unique name (default: from the URL or folder)")] = None,
    every: EveryOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Add a source. A folder source ingests the .txt .md .html .docx .pdf .csv .json files put in it."""
    source = get_zhimei(ctx).sources_add(kind, location, name=name, every=every)
    if as_json:
        print_json(source.model_dump(mode="json"))
        return
    err.print(f"added {source.kind} source {source.name!r}: {source.location} (every {_every(source.every)})")


@app.command("import")
def import_(
    ctx: typer.Context,
    file: Annotated[Path, typer.Argument(help="OPML file exported from a feed reader")],
    every: EveryOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Add every feed of an OPML export as an rss source (feeds already added are skipped)."""
    result = get_zhimei(ctx).sources_import(file, every=every)
    if as_json:
        print_json(
            {"added": [s.model_dump(mode="json") for s in result.added], "skipped": list(result.skipped)}
        )
        return
    for source in result.added:
        err.print(f"added {source.name!r}: {source.location}")
    err.print(f"{len(result.added)} feeds added, {len(result.skipped)} already sources")


@app.command("list")
def list_(ctx: typer.Context, as_json: JsonOpt = False) -> None:
    """Every source, with how its last run went."""
    sources = get_zhimei(ctx).sources_list()
    if as_json:
        print_json([s.model_dump(mode="json") for s in sources])
        return
    table = Table("name", "kind", "location", "every", "last run", "status", "new", "error")
    for s in sources:
        status: str = s.last_status or "-"
        if s.failures > 1:
            status += f" ×{s.failures}"
        table.add_row(
            s.name,
            s.kind,
            s.location,
            _every(s.every),
            _ago(s),
            status,
            str(s.last_counts.get("new", "-")),
            (s.last_error or "")[:60],
        )
    Console(highlight=False).print(table)


@app.command("remove")
def remove(ctx: typer.Context, name: Annotated[str, typer.Argument(help="the source's name")]) -> None:
    """Remove a source. Its documents and stories stay."""
    source = get_zhimei(ctx).sources_remove(name)
    err.print(f"removed source {source.name!r} ({source.location})")
