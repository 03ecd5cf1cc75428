"""Which actions the studio offers on a draft: those the caller's role allows in the draft's state."""

from __future__ import annotations

from zhimei.desk.permissions import allowed
from zhimei.desk.states import TRANSITIONS
from zhimei.records import Draft

__all__ = ["draft_actions"]

# studio action: (desk permission, review move)
_ACTIONS = {
    "edit": ("drafts.edit", "revise"),
    "restore": ("drafts.restore", "revise"),
    "regenerate": ("drafts.regenerate", "revise"),
    "comment": ("drafts.comment", "discuss"),
    "submit": ("review.submit", "submit"),
    "approve": ("review.approve", "approve"),
    "reject": ("review.reject", "reject"),
    "spike": ("review.spike", "spike"),
    "publish": ("publish", "publish"),
    "unpublish": ("unpublish", "unpublish"),
    "ack": ("flags.ack", "discuss"),
    "assign": ("drafts.assign", "discuss"),
    "history": ("audit.read", None),
}


def draft_actions(role: str, draft: Draft) -> set[str]:
    """The studio actions ``role`` may take on ``draft`` now."""
    out = set()
    for name, (permission, move) in _ACTIONS.items():
        if not allowed(role, permission):  # type: ignore[arg-type]
            continue
        if move is None or draft.state in TRANSITIONS[move]:
            out.add(name)
    return out
