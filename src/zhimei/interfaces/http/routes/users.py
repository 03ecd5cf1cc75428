"""Desk users: list (everyone), add, change role and reset a password (admins)."""

from typing import TYPE_CHECKING

from zhimei.interfaces.http.deps import Deps
from zhimei.interfaces.http.errors import ERROR_RESPONSES
from zhimei.interfaces.http.schemas import NewUserIn, PasswordResetIn, RoleIn
from zhimei.interfaces.http.security import ADMINS, ANYONE, Principal
from zhimei.records import User

if TYPE_CHECKING:
    from fastapi import APIRouter

__all__ = ["router"]


def router(deps: Deps) -> "APIRouter":
    from fastapi import APIRouter, Depends

    zm = deps.state.zm
    api = APIRouter(prefix="/api/users", tags=["users"], responses=ERROR_RESPONSES)
    anyone, admins = deps.guard(ANYONE), deps.guard(ADMINS)

    @api.get("")
    def list_users(caller: Principal = Depends(anyone)) -> list[User]:
        """Every user and role."""
        return zm.users_list()

    @api.post("", status_code=201)
    def add_user(body: NewUserIn, caller: Principal = Depends(admins)) -> User:
        """Add a user with a first password (an admin)."""
        user = zm.users_add(body.name, body.role, by=caller.name)
        zm.auth_set_password(user.name, body.password, by=caller.name)
        return user

    @api.put("/{name}/role")
    def set_role(name: str, body: RoleIn, caller: Principal = Depends(admins)) -> User:
        """Change a user's role (an admin)."""
        return zm.users_set_role(name, body.role, by=caller.name)

    @api.post("/{name}/password", status_code=204)
    def reset_password(name: str, body: PasswordResetIn, caller: Principal = Depends(admins)) -> None:
        """Set a user's password (an admin); their sessions end."""
        zm.auth_set_password(name, body.password, by=caller.name)

    return api
