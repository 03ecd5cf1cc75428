"""Studio pages for drafts: list, new (streamed generation), the editor, diff, review, publishing
and a draft's history. Forms post here and are redirected back (post/redirect/get)."""

from typing import TYPE_CHECKING, Annotated, Any, Literal

from zhimei.desk.drafts import paragraph_bounds
from zhimei.errors import InputError, WorkflowError
from zhimei.interfaces.http.deps import Deps
from zhimei.interfaces.http.generating import task_input
from zhimei.interfaces.http.routes.publish import MEDIA_TYPES
from zhimei.interfaces.http.schemas import MAX_ID, NewDraftIn, OptionsIn
from zhimei.interfaces.http.security import ANYONE, EDITORS, Principal
from zhimei.interfaces.web.actions import draft_actions
from zhimei.interfaces.web.pages import is_htmx, page, redirect
from zhimei.interfaces.web.render import diff_html, highlighted, sanitised_html, sentence_flags, unified_html
from zhimei.records import TaskParams

if TYPE_CHECKING:
    from fastapi import APIRouter

__all__ = ["router"]

PREVIEW_FORMATS = ("html", "markdown", "json", "rss", "docx")
PUBLISH_FORMATS = ("html", "markdown", "json", "docx", "rss")


def router(deps: Deps) -> "APIRouter":
    from fastapi import APIRouter, Depends, Form, Path, Query, Request

    Id = Annotated[int, Path(ge=1, le=MAX_ID)]

    state = deps.state
    zm = state.zm
    web = APIRouter(include_in_schema=False)
    anyone, editors = deps.guard(ANYONE), deps.guard(EDITORS)

    @web.get("/drafts")
    def drafts(
        request: Request, caller: Principal = Depends(anyone), state_: str | None = Query(None, alias="state")
    ) -> Any:
        chosen = (
            state_
            if state_ in ("draft", "in_review", "approved", "published", "rejected", "spiked")
            else None
        )
        return page(
            request, caller, "drafts.html", drafts=zm.drafts_list(state=chosen, limit=200), state=chosen or ""
        )

    @web.get("/drafts/new")
    def new_draft_page(request: Request, caller: Principal = Depends(anyone)) -> Any:
        return page(
            request,
            caller,
            "new_draft.html",
            tasks=state.task_names,
            max_variants=state.options.max_variants,
        )

    @web.post("/drafts/new")
    def new_draft(
        caller: Principal = Depends(anyone),
        task: str = Form(max_length=64),
        text: str = Form(max_length=200_000),
        lang: Literal["auto", "zh", "en"] = Form("auto"),
        title: str = Form("", max_length=500),
        n: int = Form(1, ge=1, le=5),
        temperature: str = Form(""),
        max_tokens: str = Form(""),
        length: str = Form(""),
    ) -> Any:
        """Without JavaScript: generate, then open the draft (the studio's JS streams instead)."""
        body = _draft_body(task, text, lang, title, n, temperature, max_tokens, length)
        inp = task_input(zm, body)
        options = body.options.as_dict() if body.options else None
        with state.gate.admit():
            draft = zm.drafts_new(
                task, inp, by=caller.name, n=n, params=body.params, options=options, title=body.title
            )
        return redirect(f"/drafts/{draft.id}")

    @web.get("/drafts/{draft_id}")
    def draft_page(request: Request, draft_id: Id, caller: Principal = Depends(anyone)) -> Any:
        view = zm.drafts_show(draft_id, by=caller.name)
        head = view.head
        generated = [r for r in view.revisions if r.kind == "generated"]
        older = [r.number for r in view.revisions if r.number != head.number]
        return page(
            request,
            caller,
            "draft.html",
            view=view,
            draft=view.draft,
            head=head,
            text_html=highlighted(head.text, head.spans, view.flags),
            sentences=list(zip(view.sentences, sentence_flags(view.sentences, view.flags), strict=True)),
            generated=generated,
            actions=draft_actions(caller.role, view.draft),
            users=zm.users_list(),
            diff_from=older[-1] if older else head.number,
            tasks=state.task_names,
            paragraphs=[head.text[a:b] for a, b in paragraph_bounds(head.text)],
        )

    @web.get("/drafts/{draft_id}/diff")
    def diff(
        request: Request,
        draft_id: Id,
        caller: Principal = Depends(anyone),
        old: int = Query(ge=1, le=MAX_ID),
        new: int = Query(ge=1, le=MAX_ID),
    ) -> Any:
        result = zm.drafts_diff(draft_id, old, new, by=caller.name)
        return page(
            request,
            caller,
            "diff_fragment.html" if is_htmx(request) else "diff.html",
            result=result,
            draft_id=draft_id,
            changes_html=diff_html(result.changes),
            unified=unified_html(result.unified),
        )

    @web.post("/drafts/{draft_id}/edit")
    def edit(
        draft_id: Id,
        caller: Principal = Depends(anyone),
        text: str = Form(max_length=200_000),
        parent: int = Form(ge=1, le=MAX_ID),
    ) -> Any:
        zm.drafts_edit(draft_id, text.replace("\r\n", "\n"), by=caller.name, parent=parent)
        return redirect(f"/drafts/{draft_id}#text")

    @web.post("/drafts/{draft_id}/paragraph")
    def regenerate_paragraph(
        draft_id: Id,
        caller: Principal = Depends(anyone),
        paragraph: int = Form(ge=1, le=10_000),
        parent: int = Form(ge=1, le=MAX_ID),
        style: Literal["", "concise", "formal", "lively"] = Form(""),
    ) -> Any:
        params = TaskParams(style=style or None)
        with state.gate.admit():
            zm.drafts_regenerate_paragraph(draft_id, paragraph, by=caller.name, parent=parent, params=params)
        return redirect(f"/drafts/{draft_id}#text")

    @web.post("/drafts/{draft_id}/restore")
    def restore(
        draft_id: Id,
        caller: Principal = Depends(anyone),
        revision: int = Form(ge=1, le=MAX_ID),
        parent: int = Form(ge=1, le=MAX_ID),
    ) -> Any:
        head = zm.drafts_revision(draft_id)
        # Picking a variant whose text is already the current one changes nothing: not an error here.
        if head.number != parent or zm.drafts_revision(draft_id, revision).text != head.text:
            zm.drafts_restore(draft_id, revision, by=caller.name, parent=parent)
        return redirect(f"/drafts/{draft_id}#text")

    @web.post("/drafts/{draft_id}/comment")
    def comment(
        draft_id: Id, caller: Principal = Depends(anyone), text: str = Form(max_length=10_000)
    ) -> Any:
        zm.drafts_comment(draft_id, text, by=caller.name)
        return redirect(f"/drafts/{draft_id}#comments")

    @web.post("/drafts/{draft_id}/submit")
    def submit(draft_id: Id, caller: Principal = Depends(anyone)) -> Any:
        zm.review_submit(draft_id, by=caller.name)
        return redirect(f"/drafts/{draft_id}")

    @web.post("/drafts/{draft_id}/approve")
    def approve(draft_id: Id, caller: Principal = Depends(editors), next: str = Form("")) -> Any:
        zm.review_approve(draft_id, by=caller.name)
        return redirect("/review" if next == "review" else f"/drafts/{draft_id}")

    @web.post("/drafts/{draft_id}/reject")
    def reject(
        draft_id: Id,
        caller: Principal = Depends(editors),
        reason: str = Form(max_length=2000),
        next: str = Form(""),
    ) -> Any:
        zm.review_reject(draft_id, reason, by=caller.name)
        return redirect("/review" if next == "review" else f"/drafts/{draft_id}")

    @web.post("/drafts/{draft_id}/spike")
    def spike(
        draft_id: Id, caller: Principal = Depends(editors), reason: str = Form("", max_length=2000)
    ) -> Any:
        zm.review_spike(draft_id, by=caller.name, reason=reason or None)
        return redirect(f"/drafts/{draft_id}")

    @web.post("/drafts/{draft_id}/ack/{flag_id}")
    def ack(draft_id: Id, flag_id: str, caller: Principal = Depends(editors)) -> Any:
        zm.drafts_ack(draft_id, flag_id, by=caller.name)
        return redirect(f"/drafts/{draft_id}#flags")

    @web.post("/drafts/{draft_id}/assign")
    def assign(draft_id: Id, caller: Principal = Depends(editors), to: str = Form(max_length=64)) -> Any:
        zm.drafts_assign(draft_id, to, by=caller.name)
        return redirect(f"/drafts/{draft_id}")

    @web.get("/review")
    def review(request: Request, caller: Principal = Depends(anyone)) -> Any:
        queue = zm.drafts_list(state="in_review", limit=200)
        return page(request, caller, "review.html", queue=queue, can_review=caller.may(EDITORS))

    @web.get("/drafts/{draft_id}/publish")
    def publish_page(request: Request, draft_id: Id, caller: Principal = Depends(anyone)) -> Any:
        view = zm.drafts_show(draft_id, by=caller.name)
        previews: list[dict[str, Any]] = []
        problem = None
        for fmt in PREVIEW_FORMATS:
            try:
                data, label = zm.publish_preview(draft_id, fmt, by=caller.name)
            except WorkflowError as exc:
                problem = exc.message
                break
            previews.append(_preview(fmt, data, label))
        return page(
            request,
            caller,
            "publish.html",
            view=view,
            draft=view.draft,
            previews=previews,
            problem=problem,
            actions=draft_actions(caller.role, view.draft),
            formats=PUBLISH_FORMATS,
        )

    @web.post("/drafts/{draft_id}/publish")
    def publish(draft_id: Id, caller: Principal = Depends(editors), format: str = Form(max_length=16)) -> Any:
        if format not in MEDIA_TYPES:
            raise WorkflowError(f"the studio does not publish {format!r}", "choose one of the formats shown")
        zm.publish(draft_id, format, by=caller.name)
        return redirect(f"/drafts/{draft_id}/publish")

    @web.post("/drafts/{draft_id}/unpublish")
    def unpublish(draft_id: Id, caller: Principal = Depends(editors)) -> Any:
        zm.unpublish(draft_id, by=caller.name)
        return redirect(f"/drafts/{draft_id}/publish")

    @web.get("/drafts/{draft_id}/history")
    def history(request: Request, draft_id: Id, caller: Principal = Depends(editors)) -> Any:
        view = zm.drafts_show(draft_id, by=caller.name)
        events = zm.audit(draft_id=draft_id, by=caller.name)
        return page(request, caller, "history.html", draft=view.draft, events=events)

    return web


def _number(raw: str, kind: type, name: str) -> Any:
    if not raw.strip():
        return None
    try:
        return kind(raw)
    except ValueError:
        raise InputError(f"{name} must be a number", "fix the field") from None


def _draft_body(
    task: str, text: str, lang: str, title: str, n: int, temperature: str, max_tokens: str, length: str
) -> NewDraftIn:
    from pydantic import ValidationError

    try:
        opts = OptionsIn(
            temperature=_number(temperature, float, "temperature"),
            max_tokens=_number(max_tokens, int, "max tokens"),
        )
        size = _number(length, int, "length")
        return NewDraftIn(
            task=task,
            text=text,
            lang=lang,  # type: ignore[arg-type]
            title=title or None,
            n=n,
            options=opts,
            params=TaskParams(length=size) if size else None,
        )
    except ValidationError as exc:
        first = exc.errors()[0]
        raise InputError(
            f"{'.'.join(str(p) for p in first['loc'])}: {first['msg']}", "fix the field"
        ) from None


def _preview(fmt: str, data: bytes, label: Any) -> dict[str, Any]:
    if fmt == "docx":
        content: Any = f"Word document, {len(data):,} bytes"
    elif fmt == "html":
        content = sanitised_html(_body_of(data.decode("utf-8")))
    else:
        content = data.decode("utf-8")
    return {
        "format": fmt,
        "content": content,
        "rendered": fmt == "html",
        "label": label.explicit_text if label else None,
        "position": label.position if label else None,
    }


def _body_of(document: str) -> str:
    start, end = document.find("<body"), document.rfind("</body>")
    if start < 0 or end < 0:
        return document
    return document[document.find(">", start) + 1 : end]
