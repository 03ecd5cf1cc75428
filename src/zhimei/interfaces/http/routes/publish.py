"""Publishing: previews with their labels, publish, unpublish, correct, the audit log, and the
public RSS feed of what was published."""

import base64
from typing import TYPE_CHECKING, Annotated, Literal

from zhimei.interfaces.http.deps import Deps
from zhimei.interfaces.http.errors import ERROR_RESPONSES
from zhimei.interfaces.http.schemas import MAX_ID, CorrectIn, PreviewOut, PublishIn, UnpublishIn
from zhimei.interfaces.http.security import ANYONE, EDITORS, PUBLIC, Principal
from zhimei.records import AuditEvent, Publication, Revision, utcnow

if TYPE_CHECKING:
    from fastapi import APIRouter

__all__ = ["MEDIA_TYPES", "router"]

MEDIA_TYPES = {
    "markdown": "text/markdown; charset=utf-8",
    "html": "text/html; charset=utf-8",
    "json": "application/json",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "rss": "application/rss+xml; charset=utf-8",
}
Format = Literal["markdown", "html", "json", "docx", "rss"]
EMPTY_FEED = (
    '<?xml version="1.0" encoding="UTF-8"?>\n<rss version="2.0"><channel><title>zhimei feed</title>'
    "<link>/feed.xml</link><description>nothing published yet</description></channel></rss>\n"
)


def router(deps: Deps) -> "APIRouter":
    from fastapi import APIRouter, Depends, Path, Query

    Id = Annotated[int, Path(ge=1, le=MAX_ID)]
    from fastapi.responses import Response

    zm = deps.state.zm
    api = APIRouter(tags=["publish"], responses=ERROR_RESPONSES)
    public, anyone, editors = deps.guard(PUBLIC), deps.guard(ANYONE), deps.guard(EDITORS)

    @api.get("/api/drafts/{draft_id}/preview/{fmt}")
    def preview(draft_id: Id, fmt: Format, caller: Principal = Depends(anyone)) -> PreviewOut:
        """The approved revision as it would be published in ``fmt``, with its explicit label
        (docx content is base64)."""
        data, label = zm.publish_preview(draft_id, fmt, by=caller.name)
        content = base64.b64encode(data).decode() if fmt == "docx" else data.decode("utf-8")
        return PreviewOut(
            format=fmt,
            media_type=MEDIA_TYPES[fmt],
            content=content,
            label=label.explicit_text if label else None,
            label_position=label.position if label else None,
            made_at=utcnow(),
        )

    @api.post("/api/drafts/{draft_id}/publish", status_code=201)
    def publish(draft_id: Id, body: PublishIn, caller: Principal = Depends(editors)) -> Publication:
        """Publish the approved revision (with its AIGC label) to the studio's folder, now or at ``at``."""
        return zm.publish(draft_id, body.format, by=caller.name, at=body.at)

    @api.post("/api/drafts/{draft_id}/unpublish")
    def unpublish(draft_id: Id, body: UnpublishIn, caller: Principal = Depends(editors)) -> list[Publication]:
        """Take the draft's publications down (kept on record)."""
        return zm.unpublish(draft_id, by=caller.name, fmt=body.format)

    @api.post("/api/drafts/{draft_id}/correct", status_code=201)
    def correct(draft_id: Id, body: CorrectIn, caller: Principal = Depends(editors)) -> Revision:
        """Correct a published draft: a new approved revision republished with a visible notice."""
        revision, _publications = zm.correct(draft_id, body.text, body.note, by=caller.name)
        return revision

    @api.get("/api/audit")
    def audit(
        caller: Principal = Depends(editors),
        draft: int | None = Query(None, ge=1, le=MAX_ID),
        actor: str | None = Query(None, max_length=64),
        limit: int = Query(200, ge=1, le=5000),
    ) -> list[AuditEvent]:
        """The desk's audit log, oldest first (the newest ``limit``) (editors)."""
        return zm.audit(draft_id=draft, actor=actor, limit=limit, by=caller.name)

    @api.get(
        "/feed.xml",
        response_class=Response,
        responses={
            200: {"content": {"application/rss+xml": {"schema": {"type": "string"}}}, "description": "RSS"}
        },
    )
    def feed(caller: Principal = Depends(public)) -> Response:
        """The public RSS feed of what was published as ``rss`` (with AIGC labels); no sign-in needed."""
        body = zm.public_feed() or EMPTY_FEED.encode()
        return Response(body, media_type="application/rss+xml; charset=utf-8")

    return api
