"""zhimei archive: the newsroom's past published articles (training data, search)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

from zhimei.interfaces.cli.common import err, get_zhimei, print_json

app = typer.Typer(help="The archive: past published articles.", no_args_is_help=True)


@app.command("import")
def import_(
    ctx: typer.Context,
    path: Annotated[
        Path, typer.Argument(help="a file or folder of .html .md .docx .txt .json .jsonl articles")
    ],
    as_json: Annotated[bool, typer.Option("--json", help="print JSON")] = False,
) -> None:
    """Import past articles, with headline and summary when the files have them; files already
    imported add nothing, and a file that cannot be read is reported while the rest go on."""
    columns = (TextColumn("archive"), BarColumn(), MofNCompleteColumn())
    with Progress(*columns, console=err, transient=False) as bar:
        task = bar.add_task("archive", total=None)

        def progress(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)

        result = get_zhimei(ctx).archive_import(path, progress=progress)
    if as_json:
        print_json(result.model_dump(mode="json"))
        return
    for error in result.errors:
        err.print(f"  failed: {error}")
    err.print(
        f"{result.files} files: {result.imported} articles imported, {result.unchanged} already there, "
        f"{result.failed} files failed"
    )
