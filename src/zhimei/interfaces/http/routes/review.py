"""Review: the queue, submit (anyone), approve, reject and spike (editors)."""

from typing import TYPE_CHECKING, Annotated

from zhimei.interfaces.http.deps import Deps
from zhimei.interfaces.http.errors import ERROR_RESPONSES
from zhimei.interfaces.http.schemas import MAX_ID, RejectIn
from zhimei.interfaces.http.security import ANYONE, EDITORS, Principal
from zhimei.records import Draft, ReviewDecision

if TYPE_CHECKING:
    from fastapi import APIRouter

__all__ = ["router"]


def router(deps: Deps) -> "APIRouter":
    from fastapi import APIRouter, Depends, Path, Query

    Id = Annotated[int, Path(ge=1, le=MAX_ID)]

    zm = deps.state.zm
    api = APIRouter(prefix="/api", tags=["review"], responses=ERROR_RESPONSES)
    anyone, editors = deps.guard(ANYONE), deps.guard(EDITORS)

    @api.get("/review/queue")
    def queue(caller: Principal = Depends(anyone), limit: int = Query(100, ge=1, le=500)) -> list[Draft]:
        """Drafts waiting for review, most recently changed first."""
        return zm.drafts_list(state="in_review", limit=limit)

    @api.post("/drafts/{draft_id}/submit")
    def submit(draft_id: Id, caller: Principal = Depends(anyone)) -> Draft:
        """Send the draft for review."""
        return zm.review_submit(draft_id, by=caller.name)

    @api.post("/drafts/{draft_id}/approve")
    def approve(
        draft_id: Id,
        caller: Principal = Depends(editors),
        revision: int | None = Query(None, ge=1, le=MAX_ID),
    ) -> ReviewDecision:
        """Approve the draft's newest revision (or the one named; it must be the newest) (editors)."""
        return zm.review_approve(draft_id, by=caller.name, revision=revision)

    @api.post("/drafts/{draft_id}/reject")
    def reject(draft_id: Id, body: RejectIn, caller: Principal = Depends(editors)) -> ReviewDecision:
        """Send the draft back with a reason (editors)."""
        return zm.review_reject(draft_id, body.reason, by=caller.name)

    @api.post("/drafts/{draft_id}/spike")
    def spike(draft_id: Id, body: RejectIn, caller: Principal = Depends(editors)) -> Draft:
        """Kill the draft for good; it stays on record (editors)."""
        return zm.review_spike(draft_id, by=caller.name, reason=body.reason)

    return api
