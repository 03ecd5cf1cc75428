"""The studio's ASGI app: the HTTP API under /api, the web studio, static files, errors, headers."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING

from zhimei import __version__
from zhimei.api import Zhimei
from zhimei.errors import ExtraMissingError
from zhimei.interfaces.http.deps import make_deps
from zhimei.interfaces.http.errors import install_error_handlers
from zhimei.interfaces.http.options import ServerOptions
from zhimei.interfaces.http.security import SecurityHeaders
from zhimei.interfaces.http.state import StudioState

if TYPE_CHECKING:
    from fastapi import FastAPI

__all__ = ["create_app"]

DESCRIPTION = """The HTTP API of the zhimei studio: generation (streamed as server-sent events),
drafts, revisions, review, publishing, users, stories, sources, ingest runs and jobs.

Programs authenticate with `Authorization: Bearer zmt_…` (create a token in the studio under
Account). Browsers use the session cookie and send the CSRF token in `X-CSRF-Token` on every
state-changing request. Errors are `{"error": {"code", "message", "hint"}}` with stable codes."""


def create_app(zm: Zhimei, options: ServerOptions | None = None, *, web: bool = True) -> FastAPI:
    """The studio app on ``zm`` (``web=False``: the HTTP API only)."""
    try:
        from fastapi import FastAPI
    except ImportError as exc:
        raise ExtraMissingError("fastapi", "web") from exc
    from zhimei.interfaces.http.routes import auth, drafts, generation, intake, publish, review, users

    state = StudioState(zm, options or ServerOptions())
    deps = make_deps(state)

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        import anyio.to_thread

        anyio.to_thread.current_default_thread_limiter().total_tokens = state.options.threads
        yield

    app = FastAPI(
        lifespan=lifespan,
        title="zhimei studio API",
        version=__version__,
        description=DESCRIPTION,
        docs_url=None,  # the bundled docs pages load scripts from a CDN; the schema is at /openapi.json
        redoc_url=None,
    )
    app.state.studio = state
    app.state.html_errors = None
    install_error_handlers(app)
    for module in (auth, users, generation, drafts, review, publish, intake):
        app.include_router(module.router(deps))
    if web:
        from zhimei.interfaces.web.views import install_web

        install_web(app, deps)
    app.add_middleware(SecurityHeaders, https=state.options.https)
    return app
