"""zhimei drafts: write drafts with a task, edit, regenerate, compare and restore revisions, comment."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from zhimei.errors import InputError
from zhimei.interfaces.cli.common import err, get_zhimei, print_json
from zhimei.records import Draft, Revision, TaskParams

__all__ = ["ByOpt", "JsonOpt", "app", "print_table"]

app = typer.Typer(
    help="Drafts: write with a task, edit, regenerate, compare and restore revisions, comment, assign.",
    no_args_is_help=True,
)

DraftArg = Annotated[int, typer.Argument(help="draft id", min=1)]
ByOpt = Annotated[
    str | None, typer.Option("--by", help="acting user (default: setting 'user' / ZHIMEI_USER)")
]
JsonOpt = Annotated[bool, typer.Option("--json", help="print JSON")]


def print_table(table: Table) -> None:
    """Print a Rich table on stdout."""
    Console(highlight=False).print(table)


def _summary(draft: Draft, revisions: list[Revision] | None = None) -> None:
    made = f" (revisions {', '.join(str(r.number) for r in revisions)})" if revisions else ""
    err.print(f"draft {draft.id}, revision {draft.head}, {draft.state}{made}: {draft.title}")


@app.command("new")
def new(
    ctx: typer.Context,
    task: Annotated[str, typer.Option("--task", "-t", help="task: summary, headline, article, brief …")],
    file: Annotated[
        list[Path] | None, typer.Option("--file", "-f", help="source file (repeatable for the article task)")
    ] = None,
    data: Annotated[
        Path | None, typer.Option("--data", help="data record (JSON or CSV) for brief/adcopy")
    ] = None,
    prompt: Annotated[str | None, typer.Option("--prompt", help="source text given inline")] = None,
    story: Annotated[str | None, typer.Option("--story", help="story id: write from its documents")] = None,
    title: Annotated[str | None, typer.Option(help="title (default: from the text or the source)")] = None,
    n: Annotated[int, typer.Option("--n", min=1, max=10, help="variants, saved as revisions")] = 1,
    lang: Annotated[str | None, typer.Option(help="output language: zh, en or auto")] = None,
    length: Annotated[int | None, typer.Option(help="length target: zh characters, en words")] = None,
    by: ByOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Start a draft: the task writes it from a story, files, a data record or inline text."""
    zm = get_zhimei(ctx)
    params = TaskParams(length=length) if length else None
    if story is not None and not (file or data or prompt):
        with err.status(f"writing {task} from story {story}…"):
            draft = zm.drafts_from_story(story, task, by=by, n=n, params=params, title=title, lang=lang)
    else:
        inp = zm.task_input(task, files=file or (), data=data, text=prompt, lang=lang)
        with err.status(f"writing {task}…"):
            draft = zm.drafts_new(task, inp, by=by, n=n, params=params, title=title, story_id=story)
    if as_json:
        print_json(draft.model_dump(mode="json"))
        return
    _summary(draft)
    sys.stdout.write(zm.drafts_revision(draft.id).text + "\n")


@app.command("list")
def list_drafts(
    ctx: typer.Context,
    state: Annotated[str | None, typer.Option(help="only drafts in this state")] = None,
    assignee: Annotated[str | None, typer.Option(help="only drafts assigned to this user")] = None,
    story: Annotated[str | None, typer.Option(help="only drafts of this story")] = None,
    last: Annotated[int, typer.Option(min=1, help="how many")] = 50,
    as_json: JsonOpt = False,
) -> None:
    """The most recently changed drafts."""
    drafts = get_zhimei(ctx).drafts_list(state=state, assignee=assignee, story_id=story, limit=last)
    if as_json:
        print_json([d.model_dump(mode="json") for d in drafts])
        return
    table = Table("id", "state", "rev", "assignee", "updated", "title")
    for d in drafts:
        table.add_row(
            str(d.id),
            d.state,
            str(d.head),
            d.assignee or "-",
            d.updated_at.strftime("%Y-%m-%d %H:%M"),
            d.title[:60],
        )
    print_table(table)


def _author(r: Revision) -> str:
    return f"model ({r.generation_id[:12]}) for {r.author}" if r.generation_id else r.author


@app.command("show")
def show(ctx: typer.Context, draft: DraftArg, by: ByOpt = None, as_json: JsonOpt = False) -> None:
    """The draft's text, revisions, provenance per sentence, check results, review and publications."""
    view = get_zhimei(ctx).drafts_show(draft, by=by)
    if as_json:
        print_json(view.model_dump(mode="json"))
        return
    d = view.draft
    out = Console(highlight=False)
    out.print(f"[bold]draft {d.id}[/]: {d.title}", markup=True)
    approved = f", approved revision {d.approved_revision}" if d.approved_revision else ""
    out.print(f"{d.state}{approved}; {d.lang}; task {d.task_id or '-'}; assignee {d.assignee or '-'}")
    out.print(
        f"human-edit ratio {view.human_edit_ratio:.0%} ({view.human_units} units by people, "
        f"{view.model_units} by the model)\n"
    )
    sys.stdout.flush()
    out.print(view.head.text, markup=False)
    table = Table("rev", "kind", "by", "parent", "time", title="revisions")
    for r in view.revisions:
        parent = "-" if r.parent is None else str(r.parent)
        if r.restored_from is not None:
            parent += f" (restores {r.restored_from})"
        table.add_row(str(r.number), r.kind, _author(r), parent, r.created_at.strftime("%Y-%m-%d %H:%M:%S"))
    out.print(table)
    table = Table("sentence", "model", "people", "by", "quoted", title="provenance")
    for s in view.sentences:
        table.add_row(
            s.text[:50], str(s.model_units), str(s.human_units), ", ".join(s.authors), s.quoted or ""
        )
    out.print(table)
    table = Table("flag", "kind", "text", "detail", "blocks", "acknowledged", title="checks")
    for f in view.flags:
        blocks = "yes" if f.flag.blocks_publishing else ""
        table.add_row(
            f.flag.id, f.flag.kind, f.flag.text[:30], f.flag.detail, blocks, f.acknowledged_by or ""
        )
    out.print(table)
    for c in view.comments:
        out.print(f"[dim]{c.created_at:%Y-%m-%d %H:%M}[/] {c.author}: {c.text}", markup=True)
    for p in view.publications:
        out.print(f"publication {p.id}: {p.format} {p.status} r{p.revision} → {p.location or p.target}")


@app.command("edit")
def edit(
    ctx: typer.Context,
    draft: DraftArg,
    file: Annotated[Path, typer.Option("--file", "-f", help="the edited text (UTF-8)")],
    parent: Annotated[
        int | None, typer.Option(help="revision you edited (default: the newest); a stale one is refused")
    ] = None,
    by: ByOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Save an edited text as a new revision by a person."""
    zm = get_zhimei(ctx)
    revision = zm.drafts_edit(draft, zm.read_edit(file), by=by, parent=parent)
    if as_json:
        print_json(revision.model_dump(mode="json"))
        return
    err.print(f"draft {draft}: saved revision {revision.number} (parent {revision.parent})")


@app.command("regenerate")
def regenerate(
    ctx: typer.Context,
    draft: DraftArg,
    n: Annotated[int, typer.Option("--n", min=1, max=10, help="how many new variants")] = 1,
    paragraph: Annotated[
        int | None, typer.Option(min=1, help="rewrite only this paragraph (1-based) of the newest revision")
    ] = None,
    style: Annotated[str | None, typer.Option(help="with --paragraph: concise, formal or lively")] = None,
    parent: Annotated[
        int | None,
        typer.Option(min=1, help="with --paragraph: the revision you read (a stale one is refused)"),
    ] = None,
    by: ByOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """New model-written revisions from the draft's sources, or one paragraph rewritten; nothing is
    overwritten."""
    zm = get_zhimei(ctx)
    if paragraph is None and (style is not None or parent is not None):
        raise InputError("--style and --parent go with --paragraph", "add --paragraph N")
    if paragraph is not None:
        if n != 1:
            raise InputError("--paragraph writes one revision", "drop --n")
        from zhimei.interfaces.cli.generate import task_params

        with err.status(f"rewriting paragraph {paragraph}…"):
            revisions = [
                zm.drafts_regenerate_paragraph(
                    draft, paragraph, by=by, parent=parent, params=task_params(style=style)
                )
            ]
    else:
        with err.status(f"writing {n} new {'variant' if n == 1 else 'variants'}…"):
            revisions = zm.drafts_regenerate(draft, by=by, n=n)
    if as_json:
        print_json([r.model_dump(mode="json") for r in revisions])
        return
    for r in revisions:
        sys.stdout.write(f"[{r.number}] {r.text}\n")


@app.command("diff")
def diff(
    ctx: typer.Context,
    draft: DraftArg,
    old: Annotated[int, typer.Option("--from", help="older revision")],
    new: Annotated[int, typer.Option("--to", help="newer revision")],
    as_json: JsonOpt = False,
) -> None:
    """What changed between two revisions, and who or what changed it."""
    result = get_zhimei(ctx).drafts_diff(draft, old, new)
    if as_json:
        print_json(result.model_dump(mode="json"))
        return
    sys.stdout.write(result.unified)
    for change in result.changes:
        who = ", ".join(change.by) or "-"
        err.print(f"{change.tag}: {change.old[:40]!r} → {change.new[:40]!r} by {who}", markup=False)
    for r in result.between:
        err.print(f"revision {r.number}: {r.kind} by {_author(r)}", markup=False)


@app.command("restore")
def restore(
    ctx: typer.Context,
    draft: DraftArg,
    revision: Annotated[int, typer.Option("--revision", help="revision to bring back")],
    parent: Annotated[int | None, typer.Option(help="the newest revision you saw")] = None,
    by: ByOpt = None,
) -> None:
    """Bring an old revision back, as a new revision (history is kept)."""
    saved = get_zhimei(ctx).drafts_restore(draft, revision, by=by, parent=parent)
    err.print(f"draft {draft}: revision {saved.number} restores revision {revision}")


@app.command("ack")
def ack(
    ctx: typer.Context,
    draft: DraftArg,
    flag: Annotated[str, typer.Option("--flag", help="flag id (see drafts show)")],
    note: Annotated[str | None, typer.Option(help="why it is fine")] = None,
    by: ByOpt = None,
) -> None:
    """An editor acknowledges a verification flag (personal data, links block publishing until then)."""
    done = get_zhimei(ctx).drafts_ack(draft, flag, by=by, note=note)
    err.print(f"draft {draft}: flag {done.flag_id} acknowledged by {done.actor}")


@app.command("assign")
def assign(
    ctx: typer.Context,
    draft: DraftArg,
    to: Annotated[str, typer.Option("--to", help="user to assign the draft to")],
    by: ByOpt = None,
) -> None:
    """Assign the draft to a user."""
    get_zhimei(ctx).drafts_assign(draft, to, by=by)
    err.print(f"draft {draft}: assigned to {to}")


@app.command("comment")
def comment(
    ctx: typer.Context,
    draft: DraftArg,
    text: Annotated[str, typer.Argument(help="the comment")],
    revision: Annotated[int | None, typer.Option(help="on this revision")] = None,
    by: ByOpt = None,
) -> None:
    """Comment on the draft."""
    get_zhimei(ctx).drafts_comment(draft, text, by=by, revision=revision)
    err.print(f"draft {draft}: comment added")


@app.command("pairs")
def pairs(
    ctx: typer.Context,
    draft: Annotated[int | None, typer.Option("--draft", help="only this draft")] = None,
) -> None:
    """Every (model output → approved human version) pair as JSON lines, for learning from edits."""
    import json

    for pair in get_zhimei(ctx).edit_pairs(draft):
        data: dict[str, Any] = pair.model_dump(mode="json")
        sys.stdout.write(json.dumps(data, ensure_ascii=False) + "\n")
