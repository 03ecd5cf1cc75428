"""Drafts: list, create (generated, streamed or not), show, revisions, edit, restore, diff,
regenerate, comments, assignment, flag acknowledgement, and a draft's history."""

from typing import TYPE_CHECKING, Annotated, Any, Literal

from zhimei.desk.views import DraftView, RevisionDiff
from zhimei.interfaces.http.deps import Deps
from zhimei.interfaces.http.errors import ERROR_RESPONSES
from zhimei.interfaces.http.generating import new_draft_work, regenerate_work, task_input
from zhimei.interfaces.http.schemas import (
    MAX_ID,
    AckIn,
    AssignIn,
    CommentIn,
    EditIn,
    NewDraftIn,
    ParagraphIn,
    RegenerateIn,
    RestoreIn,
)
from zhimei.interfaces.http.security import ANYONE, EDITORS, Principal
from zhimei.interfaces.http.streaming import stream
from zhimei.records import AuditEvent, Draft, FlagAck, Revision, TaskParams

if TYPE_CHECKING:
    from fastapi import APIRouter

__all__ = ["SSE_RESPONSE", "router"]

# Each event: its name (start, variant, text, retry, draft, revision, done, error, cancelled) and
# its data, a JSON object on one line (see zhimei.interfaces.http.streaming).
SSE_EVENT = {
    "type": "object",
    "properties": {
        "event": {"type": "string"},
        "data": {"type": "string", "contentMediaType": "application/json"},
    },
    "required": ["event", "data"],
}
SSE_RESPONSE: dict[int | str, dict[str, Any]] = {
    200: {"content": {"text/event-stream": {"schema": SSE_EVENT}}, "description": "Server-sent events"}
}
States = Literal["draft", "in_review", "approved", "published", "rejected", "spiked"]


def router(deps: Deps) -> "APIRouter":
    from fastapi import APIRouter, Depends, Path, Query

    Id = Annotated[int, Path(ge=1, le=MAX_ID)]

    state = deps.state
    zm = state.zm
    api = APIRouter(prefix="/api/drafts", tags=["drafts"], responses=ERROR_RESPONSES)
    anyone, editors = deps.guard(ANYONE), deps.guard(EDITORS)

    @api.get("")
    def list_drafts(
        caller: Principal = Depends(anyone),
        state_: States | None = Query(None, alias="state"),
        assignee: str | None = Query(None, max_length=64),
        story: str | None = Query(None, max_length=200),
        limit: int = Query(50, ge=1, le=500),
    ) -> list[Draft]:
        """The most recently changed drafts first."""
        return zm.drafts_list(state=state_, assignee=assignee, story_id=story, limit=limit)

    @api.post("", status_code=201)
    def new_draft(body: NewDraftIn, caller: Principal = Depends(anyone)) -> Draft:
        """A new draft of ``n`` generated variants (the last is its head); 429 when the queue is full."""
        inp = task_input(zm, body)
        options = body.options.as_dict() if body.options else None
        with state.gate.admit():
            return zm.drafts_new(
                body.task,
                inp,
                by=caller.name,
                n=body.n,
                params=body.params,
                options=options,
                title=body.title,
            )

    @api.post("/stream", responses=SSE_RESPONSE, response_model=None)
    async def new_draft_stream(body: NewDraftIn, caller: Principal = Depends(anyone)) -> Any:
        """Like POST /api/drafts, streamed as server-sent events (text as it is written)."""
        assert caller.name is not None
        inp = task_input(zm, body)
        return stream(state, caller.name, new_draft_work(zm, caller.name, body, inp))

    @api.get("/{draft_id}")
    def show(draft_id: Id, caller: Principal = Depends(anyone)) -> DraftView:
        """A draft with its revisions, sources, provenance per sentence, flags, review and publications."""
        return zm.drafts_show(draft_id, by=caller.name)

    @api.get("/{draft_id}/revisions/{number}")
    def revision(draft_id: Id, number: Id, caller: Principal = Depends(anyone)) -> Revision:
        """One revision of a draft."""
        return zm.drafts_revision(draft_id, number)

    @api.post("/{draft_id}/revisions", status_code=201)
    def edit(draft_id: Id, body: EditIn, caller: Principal = Depends(anyone)) -> Revision:
        """Save an edit as a new revision; 409 (stale_revision) if ``parent`` is no longer the newest."""
        return zm.drafts_edit(draft_id, body.text, by=caller.name, parent=body.parent)

    @api.post("/{draft_id}/restore", status_code=201)
    def restore(draft_id: Id, body: RestoreIn, caller: Principal = Depends(anyone)) -> Revision:
        """Save an earlier revision (e.g. the chosen variant) again as the newest."""
        return zm.drafts_restore(draft_id, body.revision, by=caller.name, parent=body.parent)

    @api.get("/{draft_id}/diff")
    def diff(
        draft_id: Id,
        old: int = Query(ge=1, le=MAX_ID),
        new: int = Query(ge=1, le=MAX_ID),
        caller: Principal = Depends(anyone),
    ) -> RevisionDiff:
        """What changed between two revisions and who (model or person) changed it."""
        return zm.drafts_diff(draft_id, old, new, by=caller.name)

    @api.post("/{draft_id}/regenerate", status_code=201)
    def regenerate(draft_id: Id, body: RegenerateIn, caller: Principal = Depends(anyone)) -> list[Revision]:
        """``n`` new model-written revisions from the draft's task input; 429 when the queue is full."""
        with state.gate.admit():
            return zm.drafts_regenerate(
                draft_id, by=caller.name, n=body.n, options=body.options.as_dict() if body.options else None
            )

    @api.post("/{draft_id}/paragraphs/{index}/regenerate", status_code=201)
    def regenerate_paragraph(
        draft_id: Id,
        index: Annotated[int, Path(ge=1, le=10_000)],
        body: ParagraphIn,
        caller: Principal = Depends(anyone),
    ) -> Revision:
        """A new revision with paragraph ``index`` (1-based) rewritten by the model; 409 when
        ``parent`` is no longer the newest revision."""
        with state.gate.admit():
            return zm.drafts_regenerate_paragraph(
                draft_id,
                index,
                by=caller.name,
                parent=body.parent,
                params=TaskParams(style=body.style),
                options=body.options.as_dict() if body.options else None,
            )

    @api.post("/{draft_id}/regenerate/stream", responses=SSE_RESPONSE, response_model=None)
    async def regenerate_stream(draft_id: Id, body: RegenerateIn, caller: Principal = Depends(anyone)) -> Any:
        """Like POST …/regenerate, streamed as server-sent events."""
        assert caller.name is not None
        return stream(state, caller.name, regenerate_work(zm, caller.name, draft_id, body))

    @api.post("/{draft_id}/comments", status_code=204)
    def comment(draft_id: Id, body: CommentIn, caller: Principal = Depends(anyone)) -> None:
        """Comment on the draft (on one revision, if given)."""
        zm.drafts_comment(draft_id, body.text, by=caller.name, revision=body.revision)

    @api.post("/{draft_id}/assign")
    def assign(draft_id: Id, body: AssignIn, caller: Principal = Depends(editors)) -> Draft:
        """Assign the draft to a user (an editor)."""
        return zm.drafts_assign(draft_id, body.to, by=caller.name)

    @api.post("/{draft_id}/flags/{flag_id}/ack")
    def ack(draft_id: Id, flag_id: str, body: AckIn, caller: Principal = Depends(editors)) -> FlagAck:
        """Acknowledge a verification flag (an editor), unblocking publishing."""
        return zm.drafts_ack(draft_id, flag_id, by=caller.name, note=body.note)

    @api.get("/{draft_id}/audit")
    def history(draft_id: Id, caller: Principal = Depends(editors)) -> list[AuditEvent]:
        """The draft's history: every change, by whom and when (editors)."""
        return zm.audit(draft_id=draft_id, by=caller.name)

    return api
