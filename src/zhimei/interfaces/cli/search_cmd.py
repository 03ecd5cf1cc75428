"""zhimei search: full-text search over documents, stories and the archive (jieba for Chinese)."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from zhimei.interfaces.cli.common import get_zhimei, print_json


def search(
    ctx: typer.Context,
    query: Annotated[str, typer.Argument(help='words (all must occur), OR between alternatives, "phrases"')],
    since: Annotated[str | None, typer.Option(help="published or ingested since: 7d, 2026-11-20 …")] = None,
    kind: Annotated[
        list[str] | None, typer.Option(help="only document, story or archive (repeatable)")
    ] = None,
    limit: Annotated[int, typer.Option(min=1, max=1000, help="how many results")] = 20,
    as_json: Annotated[bool, typer.Option("--json", help="print JSON")] = False,
) -> None:
    """Search everything ingested and the archive, best match first: 降息 OR "rate cut"."""
    hits = get_zhimei(ctx).search(query, since=since, kinds=tuple(kind or ()), limit=limit)
    if as_json:
        print_json([h.model_dump(mode="json") for h in hits])
        return
    table = Table("kind", "id", "date", "title", "snippet")
    for h in hits:
        table.add_row(h.kind, str(h.ref), h.at.strftime("%Y-%m-%d"), h.title[:60], h.snippet)
    Console(highlight=False).print(table)
