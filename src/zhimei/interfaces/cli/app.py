"""The zhimei command: global flags, sub-commands, and the mapping of errors to exit codes."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Column, Table

from zhimei import __version__
from zhimei.errors import ZhimeiError
from zhimei.interfaces.cli import (
    archive_cmd,
    audit_cmd,
    demo,
    drafts_cmd,
    eval_cmd,
    generate,
    ingest_cmd,
    jobs_cmd,
    models,
    publish_cmd,
    review_cmd,
    search_cmd,
    serve_cmd,
    sources_cmd,
    stories_cmd,
    users_cmd,
)
from zhimei.interfaces.cli.common import err, get_zhimei, print_json
from zhimei.registry import Entry

app = typer.Typer(
    name="zhimei",
    help="zhimei (智媒): an offline-first AIGC studio for newsrooms.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
app.add_typer(generate.app, name="generate")
app.add_typer(models.app, name="models")
app.add_typer(eval_cmd.app, name="eval")
app.add_typer(drafts_cmd.app, name="drafts")
app.add_typer(review_cmd.app, name="review")
app.add_typer(users_cmd.app, name="users")
publish_cmd.register(app)
audit_cmd.register(app)
app.command("demo")(demo.demo)
app.add_typer(sources_cmd.app, name="sources")
app.add_typer(ingest_cmd.app, name="ingest")
app.add_typer(stories_cmd.app, name="stories")
app.command("search")(search_cmd.search)
app.add_typer(archive_cmd.app, name="archive")
app.add_typer(jobs_cmd.app, name="jobs")
app.command("worker")(jobs_cmd.worker)
app.command("serve")(serve_cmd.serve)
app.command("passwd")(serve_cmd.passwd)

backends_app = typer.Typer(help="Text generation backends (built-ins and plug-ins).", no_args_is_help=True)
config_app = typer.Typer(help="Settings and where each value came from.", no_args_is_help=True)
db_app = typer.Typer(help="The store: migrations, backup, restore.", no_args_is_help=True)
tasks_app = typer.Typer(help="Writing tasks.", no_args_is_help=True)
app.add_typer(backends_app, name="backends")
app.add_typer(config_app, name="config")
app.add_typer(db_app, name="db")
app.add_typer(tasks_app, name="tasks")


def _version(value: bool) -> None:
    if value:
        sys.stdout.write(f"zhimei {__version__}\n")
        raise typer.Exit()


@app.callback()
def root(
    ctx: typer.Context,
    home: Annotated[
        Path | None, typer.Option(help="data directory (default: ZHIMEI_HOME or the user data dir)")
    ] = None,
    backend: Annotated[str | None, typer.Option(help="text backend (see: zhimei backends list)")] = None,
    model: Annotated[str | None, typer.Option(help="model pack name or path to a GGUF file")] = None,
    database_url: Annotated[
        str | None, typer.Option("--database-url", help="SQLAlchemy URL of the store")
    ] = None,
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="print the version")
    ] = False,
) -> None:
    """zhimei (智媒): sources → drafts → reviewed, labelled publications, zh and en."""
    ctx.obj = {"flags": {"home": home, "backend": backend, "model": model, "database_url": database_url}}


@backends_app.command("list")
def backends_list(
    ctx: typer.Context, as_json: Annotated[bool, typer.Option("--json", help="print JSON")] = False
) -> None:
    """Every registered backend, with the package that provides it."""
    entries = get_zhimei(ctx).backends()
    _entries(entries, as_json, "backend")


@backends_app.command("test")
def backends_test(
    ctx: typer.Context,
    name: Annotated[str | None, typer.Argument(help="backend to test (default: the configured one)")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="print JSON")] = False,
) -> None:
    """Check a backend end to end: reach it, resolve its model and context, time a one-token reply.

    Exits non-zero with the backend's error (unreachable server, refused key, missing model …).
    """
    import dataclasses

    result = get_zhimei(ctx).test_backend(name)
    if as_json:
        print_json(dataclasses.asdict(result))
        return
    table = Table("backend", Column(result.backend, overflow="fold"))  # ids in full, to copy
    table.add_row("where", result.location or "-")
    table.add_row("model id", result.model_id)
    table.add_row("context", f"{result.context_size} tokens")
    table.add_row("ready in", f"{result.ready_s:.2f} s (reach or load, count a prompt)")
    table.add_row("1-token reply", f"{result.round_trip_s:.3f} s (first token {result.first_token_s:.3f} s)")
    table.add_row("tokens", f"{result.prompt_tokens} prompt + {result.completion_tokens}: {result.reply!r}")
    _print_table(table)


@tasks_app.command("list")
def tasks_list(
    ctx: typer.Context, as_json: Annotated[bool, typer.Option("--json", help="print JSON")] = False
) -> None:
    """Every registered writing task."""
    _entries(get_zhimei(ctx).tasks(), as_json, "task")


def _entries(entries: dict[str, Entry], as_json: bool, kind: str) -> None:
    if as_json:
        print_json([{"name": e.name, "target": e.target, "provider": e.provider} for e in entries.values()])
        return
    table = Table(kind, "provided by", "target")
    for e in sorted(entries.values(), key=lambda e: e.name):
        table.add_row(e.name, e.provider, e.target)
    _print_table(table)


def _print_table(table: Table) -> None:
    from rich.console import Console

    Console(highlight=False).print(table)


@config_app.command("show")
def config_show(
    ctx: typer.Context, as_json: Annotated[bool, typer.Option("--json", help="print JSON")] = False
) -> None:
    """Each setting, its value, and where it came from (flag, env, toml, default)."""
    rows = get_zhimei(ctx).config()
    if as_json:
        print_json({name: {"value": value, "source": source} for name, value, source in rows})
        return
    table = Table("setting", "value", "source")
    for name, value, source in rows:
        table.add_row(name, str(value), source)
    _print_table(table)


@app.command("log")
def log(
    ctx: typer.Context,
    last: Annotated[int, typer.Option(min=1, help="how many generations")] = 10,
    task: Annotated[str | None, typer.Option(help="only this task")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="print the full records as JSON")] = False,
) -> None:
    """The newest generations with their provenance (model sha256, prompt version, checks)."""
    gens = get_zhimei(ctx).log(last, task)
    if as_json:
        print_json([g.model_dump(mode="json") for g in gens])
        return
    table = Table("time", "task", "lang", "model", "tries", "checks", "tokens", "output")
    for g in gens:
        failed = [c.name for c in g.checks_final if not c.passed]
        table.add_row(
            g.created_at.strftime("%Y-%m-%d %H:%M:%S"),
            g.prompt_version,
            g.lang,
            g.model_resolved[:19],
            str(g.attempts),
            "ok" if not failed else "failed: " + ",".join(failed),
            f"{g.usage.prompt_tokens}+{g.usage.completion_tokens}",
            (g.output.text if g.output else "")[:60],
        )
    _print_table(table)


@db_app.command("upgrade")
def db_upgrade(ctx: typer.Context) -> None:
    """Apply pending migrations to the store."""
    revision = get_zhimei(ctx).db_upgrade()
    err.print(f"store at revision {revision}")


@db_app.command("backup")
def db_backup(ctx: typer.Context, file: Annotated[Path, typer.Argument(help="backup file to write")]) -> None:
    """Write a portable backup (works across SQLite and PostgreSQL)."""
    counts = get_zhimei(ctx).db_backup(file)
    err.print(f"backed up {sum(counts.values())} rows to {file}")


@db_app.command("restore")
def db_restore(
    ctx: typer.Context,
    file: Annotated[Path, typer.Argument(help="backup file to read")],
    replace: Annotated[bool, typer.Option(help="replace a store that already holds data")] = False,
) -> None:
    """Restore a backup in one transaction; a store with data is refused unless --replace."""
    counts = get_zhimei(ctx).db_restore(file, replace=replace)
    err.print(f"restored {sum(counts.values())} rows from {file}")


def main() -> None:
    """Console entry point: ZhimeiError → one-line message, hint, and the error's exit code."""
    try:
        app()  # standalone: usage errors and typer.Exit become SystemExit with their codes
    except ZhimeiError as exc:
        err.print(f"[bold red]error:[/] {exc.message}", markup=True)
        if exc.hint:
            err.print(f"  {exc.hint}")
        sys.exit(exc.exit_code)
    except KeyboardInterrupt:
        err.print("interrupted")
        sys.exit(130)
