"""zhimei users: desk users and their roles (reporter, editor, admin)."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from zhimei.interfaces.cli.common import err, get_zhimei, print_json
from zhimei.interfaces.cli.drafts_cmd import ByOpt, JsonOpt, print_table

__all__ = ["app"]

app = typer.Typer(help="Desk users and roles: reporter, editor, admin.", no_args_is_help=True)

RoleOpt = Annotated[str, typer.Option("--role", help="reporter, editor or admin")]


@app.command("add")
def add(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="user name")],
    role: RoleOpt,
    by: ByOpt = None,
) -> None:
    """Add a user (an admin does; the very first user must be an admin)."""
    user = get_zhimei(ctx).users_add(name, role, by=by)
    err.print(f"user {user.name} added as {user.role}")


@app.command("role")
def role(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="user name")],
    new_role: RoleOpt,
    by: ByOpt = None,
) -> None:
    """Change a user's role (an admin)."""
    user = get_zhimei(ctx).users_set_role(name, new_role, by=by)
    err.print(f"user {user.name} is now {user.role}")


@app.command("list")
def list_users(ctx: typer.Context, as_json: JsonOpt = False) -> None:
    """Every user and role."""
    users = get_zhimei(ctx).users_list()
    if as_json:
        print_json([u.model_dump(mode="json") for u in users])
        return
    table = Table("name", "role", "added", "by")
    for u in users:
        table.add_row(u.name, u.role, u.created_at.strftime("%Y-%m-%d %H:%M"), u.created_by or "-")
    print_table(table)
