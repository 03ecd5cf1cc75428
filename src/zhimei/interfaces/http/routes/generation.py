"""Tasks, one-off generation (no draft), the generation log, and cancelling a stream."""

from typing import TYPE_CHECKING

from zhimei.interfaces.http.deps import Deps
from zhimei.interfaces.http.errors import ERROR_RESPONSES
from zhimei.interfaces.http.generating import task_input
from zhimei.interfaces.http.schemas import GenerateIn, TaskOut
from zhimei.interfaces.http.security import ANYONE, Principal
from zhimei.records import Generation

if TYPE_CHECKING:
    from fastapi import APIRouter

__all__ = ["router"]


def router(deps: Deps) -> "APIRouter":
    from fastapi import APIRouter, Depends, Query

    from zhimei.errors import NotFoundError

    state = deps.state
    zm = state.zm
    api = APIRouter(prefix="/api", tags=["generation"], responses=ERROR_RESPONSES)
    anyone = deps.guard(ANYONE)

    @api.get("/tasks")
    def tasks(caller: Principal = Depends(anyone)) -> list[TaskOut]:
        """Every writing task."""
        return [TaskOut(name=e.name, provider=e.provider) for e in state.tasks]

    @api.post("/generate")
    def generate(body: GenerateIn, caller: Principal = Depends(anyone)) -> list[Generation]:
        """``n`` checked, logged generations of a task (no draft); 429 when the queue is full."""
        inp = task_input(zm, body)
        with state.gate.admit():
            return zm.generate(
                body.task,
                inp,
                n=body.n,
                params=body.params,
                options=body.options.as_dict() if body.options else None,
            )

    @api.get("/generations")
    def generations(
        caller: Principal = Depends(anyone),
        last: int = Query(20, ge=1, le=200),
        task: str | None = Query(None, max_length=64),
    ) -> list[Generation]:
        """The newest logged generations with their provenance."""
        return zm.log(last, task)

    @api.post("/streams/{stream_id}/cancel", status_code=204)
    def cancel_stream(stream_id: str, caller: Principal = Depends(anyone)) -> None:
        """Stop one of your running generation streams."""
        assert caller.name is not None
        if not state.streams.cancel(stream_id, caller.name):
            raise NotFoundError(f"no running stream {stream_id} of yours", "it may have finished already")

    return api
