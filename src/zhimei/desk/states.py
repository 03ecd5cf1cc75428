"""The review states of a draft and which action moves it from which state to which.

::

    draft ──submit──► in_review ──approve──► approved ──publish──► published
      ▲                 │   ▲                    │  ▲                 │
      └──revise── rejected ◄─reject              │  └───unpublish─────┘
                        in_review ◄──revise──────┘        (correct: published → published)
    any state but published ──spike──► spiked (final)

A new revision (edit, regenerate, restore) keeps a draft in review but withdraws an approval:
the new text has not been approved. A published draft changes only through a correction.
"""

from __future__ import annotations

from typing import Literal

from zhimei.errors import WorkflowError
from zhimei.records import ReviewState

__all__ = ["STATES", "TRANSITIONS", "Move", "next_state"]

Move = Literal[
    "revise", "submit", "approve", "reject", "spike", "publish", "schedule", "unpublish", "correct", "discuss"
]

STATES: tuple[ReviewState, ...] = ("draft", "in_review", "approved", "published", "rejected", "spiked")

# move -> {from state: to state}
TRANSITIONS: dict[str, dict[str, ReviewState]] = {
    "revise": {"draft": "draft", "rejected": "draft", "in_review": "in_review", "approved": "in_review"},
    "submit": {"draft": "in_review", "rejected": "in_review"},
    "approve": {"in_review": "approved"},
    "reject": {"in_review": "rejected"},
    "spike": {"draft": "draft", "in_review": "in_review", "approved": "approved", "rejected": "rejected"},
    "publish": {"approved": "published", "published": "published"},
    "schedule": {"approved": "approved", "published": "published"},
    "unpublish": {"published": "approved"},
    "correct": {"published": "published"},
    # comments, assignments, acknowledgements: any state but spiked, state unchanged
    "discuss": {s: s for s in STATES if s != "spiked"},
}
TRANSITIONS["spike"] = {s: "spiked" for s in TRANSITIONS["spike"]}

_HINTS = {
    "revise": "a published draft changes through: zhimei correct DRAFT --file … --note …",
    "submit": "only a draft or a rejected draft can be submitted",
    "approve": "submit it for review first: zhimei review submit DRAFT",
    "reject": "only a draft in review can be rejected",
    "spike": "a published draft is unpublished first: zhimei unpublish DRAFT",
    "publish": "it needs an approved revision: zhimei review approve DRAFT --by EDITOR",
    "schedule": "it needs an approved revision: zhimei review approve DRAFT --by EDITOR",
    "unpublish": "only a published draft can be unpublished",
    "correct": "only a published draft is corrected; edit it instead",
    "discuss": "a spiked draft is closed",
}


def next_state(state: ReviewState, move: Move, draft_id: int | None = None) -> ReviewState:
    """The state after ``move``; WorkflowError (saying what to do) if ``move`` is not allowed in ``state``."""
    targets = TRANSITIONS[move]
    if state not in targets:
        which = f"draft {draft_id}" if draft_id is not None else "the draft"
        raise WorkflowError(f"{which} is {state.replace('_', ' ')}: cannot {move} it", _HINTS[move])
    return targets[state]
