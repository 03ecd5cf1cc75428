"""Who may do what at the desk: one table of actions and the roles allowed each.

=====================  ========  ======  =====
action                 reporter  editor  admin
=====================  ========  ======  =====
drafts.read            yes       yes     yes
drafts.create          yes       yes     yes
drafts.edit            yes       yes     yes
drafts.regenerate      yes       yes     yes
drafts.restore         yes       yes     yes
drafts.comment         yes       yes     yes
review.submit          yes       yes     yes
drafts.assign          -         yes     yes
flags.ack              -         yes     yes
review.approve         -         yes     yes
review.reject          -         yes     yes
review.spike           -         yes     yes
publish                -         yes     yes
unpublish              -         yes     yes
correct                -         yes     yes
audit.read             -         yes     yes
users.manage           -         -       yes
=====================  ========  ======  =====

The ``system`` actor (unattended work such as the intake's automatic drafts) may only create
drafts. A user name cannot be ``system``.
"""

from __future__ import annotations

from typing import Literal

from zhimei.errors import PermissionDeniedError
from zhimei.records import Role

__all__ = ["ACTIONS", "PERMISSIONS", "SYSTEM_ACTOR", "Action", "allowed", "require"]

Action = Literal[
    "drafts.read",
    "drafts.create",
    "drafts.edit",
    "drafts.regenerate",
    "drafts.restore",
    "drafts.comment",
    "drafts.assign",
    "flags.ack",
    "review.submit",
    "review.approve",
    "review.reject",
    "review.spike",
    "publish",
    "unpublish",
    "correct",
    "audit.read",
    "users.manage",
]

SYSTEM_ACTOR = "system"

_ALL: frozenset[str] = frozenset({"reporter", "editor", "admin"})
_EDITORS: frozenset[str] = frozenset({"editor", "admin"})

PERMISSIONS: dict[str, frozenset[str]] = {
    "drafts.read": _ALL,
    "drafts.create": _ALL | {SYSTEM_ACTOR},
    "drafts.edit": _ALL,
    "drafts.regenerate": _ALL,
    "drafts.restore": _ALL,
    "drafts.comment": _ALL,
    "review.submit": _ALL,
    "drafts.assign": _EDITORS,
    "flags.ack": _EDITORS,
    "review.approve": _EDITORS,
    "review.reject": _EDITORS,
    "review.spike": _EDITORS,
    "publish": _EDITORS,
    "unpublish": _EDITORS,
    "correct": _EDITORS,
    "audit.read": _EDITORS,
    "users.manage": frozenset({"admin"}),
}
ACTIONS: tuple[str, ...] = tuple(PERMISSIONS)


def allowed(role: Role | str, action: Action) -> bool:
    """Whether ``role`` may perform ``action``."""
    return role in PERMISSIONS[action]


def require(name: str, role: Role | str, action: Action) -> None:
    """Raise PermissionDeniedError unless ``role`` may perform ``action``."""
    if not allowed(role, action):
        roles = " or ".join(sorted(PERMISSIONS[action] - {SYSTEM_ACTOR}))
        raise PermissionDeniedError(
            f"{name} ({role}) may not {action.replace('.', ' ')}",
            f"ask a user with the role {roles}, or an admin to change your role",
        )
