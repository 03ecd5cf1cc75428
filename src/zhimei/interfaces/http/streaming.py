"""Generation streamed as server-sent events, bounded by the generation gate and cancellable.

The generation runs in a thread of its own (it is CPU-bound and synchronous); its text arrives
through the api's Listener and is relayed to the client as ``text`` events. The client cancels by
closing the connection or with ``POST /api/streams/{id}/cancel``; either sets a flag the next
piece of text sees, which stops the generation. Events: ``start``, ``variant``, ``text``,
``retry``, ``draft``, ``revision``, then one of ``done``, ``error`` or ``cancelled``.
"""

from __future__ import annotations

import asyncio
import json
import logging
import threading
from collections.abc import AsyncIterator, Callable
from typing import TYPE_CHECKING, Any

from zhimei.errors import ZhimeiError
from zhimei.generation import Listener
from zhimei.interfaces.http.errors import error_code, status_of
from zhimei.interfaces.http.state import StudioState
from zhimei.records import CheckResult

if TYPE_CHECKING:
    from starlette.responses import StreamingResponse

__all__ = ["Emit", "GenerationCancelledError", "Work", "sse_frame", "stream", "variant_listener"]

Emit = Callable[[str, dict[str, Any]], None]
Work = Callable[[Emit, threading.Event], dict[str, Any]]
_END = ("done", "error", "cancelled")
log = logging.getLogger("zhimei.http")


class GenerationCancelledError(Exception):
    """Raised inside the generation thread when its stream was cancelled."""


def sse_frame(event: str, data: dict[str, Any]) -> bytes:
    """One server-sent event (JSON data on one line)."""
    return f"event: {event}\ndata: {json.dumps(data, ensure_ascii=False)}\n\n".encode()


def variant_listener(emit: Emit, cancel: threading.Event, variant: int) -> Listener:
    """A Listener relaying one variant's text and retries, and stopping it once cancelled."""

    def on_text(text: str) -> None:
        if cancel.is_set():
            raise GenerationCancelledError
        emit("text", {"variant": variant, "text": text})

    def on_retry(attempt: int, failed: tuple[CheckResult, ...]) -> None:
        if cancel.is_set():
            raise GenerationCancelledError
        emit("retry", {"variant": variant, "attempt": attempt, "failed": [c.name for c in failed]})

    return Listener(on_text=on_text, on_retry=on_retry)


def stream(state: StudioState, owner: str, work: Work) -> StreamingResponse:
    """Admit the request (QueueFullError, i.e. 429, if the queue is full) and stream ``work``'s events.

    Call from an ``async`` endpoint: the events are handed over to its event loop.
    """
    from starlette.responses import StreamingResponse

    ticket = state.gate.admit()
    stream_id, cancel = state.streams.open(owner)
    loop = asyncio.get_running_loop()
    queue: asyncio.Queue[tuple[str, dict[str, Any]]] = asyncio.Queue()

    def emit(event: str, data: dict[str, Any]) -> None:
        try:
            loop.call_soon_threadsafe(queue.put_nowait, (event, data))
        except RuntimeError:  # the server is shutting down: nobody is listening any more
            cancel.set()

    def run() -> None:
        try:
            if not ticket.wait(cancel):
                emit("cancelled", {"stream": stream_id})
                return
            emit("done", work(emit, cancel))
        except GenerationCancelledError:
            emit("cancelled", {"stream": stream_id})
        except ZhimeiError as exc:
            emit(
                "error",
                {"status": status_of(exc), "code": error_code(exc), "message": exc.message, "hint": exc.hint},
            )
        except Exception:
            log.exception("generation stream %s failed", stream_id)
            emit(
                "error", {"status": 500, "code": "internal", "message": "unexpected server error", "hint": ""}
            )
        finally:
            ticket.leave()
            state.streams.close(stream_id)

    # Started now, not when the body is first read: the ticket is released even if nobody reads.
    threading.Thread(target=run, name=f"zhimei-stream-{stream_id[:8]}", daemon=True).start()

    async def body() -> AsyncIterator[bytes]:
        try:
            yield sse_frame("start", {"stream": stream_id})
            while True:
                event, data = await queue.get()
                yield sse_frame(event, data)
                if event in _END:
                    return
        finally:
            cancel.set()  # the client left or the stream ended: stop generating for nobody

    headers = {"Cache-Control": "no-store", "X-Accel-Buffering": "no", "X-Stream-Id": stream_id}
    return StreamingResponse(body(), media_type="text/event-stream", headers=headers)
