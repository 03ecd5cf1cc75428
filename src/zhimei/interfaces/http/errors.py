"""Errors as JSON with stable codes: every ZhimeiError maps to an HTTP status and a snake_case code.

The body is always ``{"error": {"code": ..., "message": ..., "hint": ...}}``; the code is the
error class's name in snake_case without ``_error`` (``StaleRevisionError`` → ``stale_revision``),
so clients can branch on it whatever the wording.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ConfigDict

from zhimei.errors import (
    AuthenticationError,
    BackendError,
    ConfigError,
    ConflictError,
    DuplicateError,
    ExtraMissingError,
    InputError,
    ModelCorruptError,
    ModelMissingError,
    NotFoundError,
    ParseError,
    PermissionDeniedError,
    PublishError,
    StorageError,
    ZhimeiError,
)
from zhimei.interfaces.http.gate import QueueFullError
from zhimei.interfaces.http.throttle import LoginThrottledError

if TYPE_CHECKING:
    from fastapi import FastAPI

__all__ = [
    "ERROR_RESPONSES",
    "ErrorBody",
    "ErrorDetail",
    "HttpProblem",
    "error_body",
    "error_code",
    "install_error_handlers",
    "status_of",
]

# Most specific first: the first class an error is an instance of decides.
_STATUS: tuple[tuple[type[ZhimeiError], int], ...] = (
    (QueueFullError, 429),
    (LoginThrottledError, 429),
    (AuthenticationError, 401),
    (PermissionDeniedError, 403),
    (NotFoundError, 404),
    (DuplicateError, 409),
    (ConflictError, 409),  # stale revisions, workflow and publish-blocked errors
    (ExtraMissingError, 501),
    (ModelMissingError, 503),
    (ModelCorruptError, 503),
    (StorageError, 503),
    (BackendError, 502),
    (ParseError, 502),
    (PublishError, 502),
    (ConfigError, 400),
    (InputError, 400),
)


class ErrorDetail(BaseModel):
    model_config = ConfigDict(extra="forbid")

    code: str
    message: str
    hint: str = ""
    fields: list[dict[str, Any]] | None = None


class ErrorBody(BaseModel):
    """What every error response holds."""

    model_config = ConfigDict(extra="forbid")

    error: ErrorDetail


class HttpProblem(ZhimeiError):
    """An error the HTTP layer raises itself (CSRF, not signed in, method rules) with its status."""

    def __init__(self, status: int, code: str, message: str, hint: str = "") -> None:
        super().__init__(message, hint)
        self.status = status
        self.code = code


def status_of(exc: ZhimeiError) -> int:
    """The HTTP status of an error (500 for one nobody mapped)."""
    if isinstance(exc, HttpProblem):
        return exc.status
    return next((status for kind, status in _STATUS if isinstance(exc, kind)), 500)


def error_code(exc: ZhimeiError) -> str:
    """The stable code of an error: its class name in snake_case, without ``_error``."""
    if isinstance(exc, HttpProblem):
        return exc.code
    name = re.sub(r"(?<!^)(?=[A-Z])", "_", type(exc).__name__).lower()
    return name.removesuffix("_error") or "error"


def error_body(
    code: str, message: str, hint: str = "", fields: list[dict[str, Any]] | None = None
) -> dict[str, Any]:
    """The JSON body of an error response."""
    detail: dict[str, Any] = {"code": code, "message": message, "hint": hint}
    if fields is not None:
        detail["fields"] = fields
    return {"error": detail}


_DESCRIPTIONS = {
    400: "Invalid input",
    401: "Not signed in, or the session or token is not valid",
    403: "The role may not do this, or the CSRF token is missing or wrong",
    404: "Not found",
    409: "Conflict: a stale revision, or not allowed in the draft's review state",
    422: "The request does not match the schema",
    429: "Too many requests (see Retry-After)",
    500: "Unexpected server error",
    501: "An optional part of zhimei is not installed",
    502: "The model or a delivery target failed",
    503: "The store or a model is not available",
}
ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    status: {"model": ErrorBody, "description": text} for status, text in _DESCRIPTIONS.items()
}


def install_error_handlers(app: FastAPI) -> None:
    """Map ZhimeiError, FastAPI's validation errors and HTTP exceptions to the JSON error body."""
    from fastapi import Request
    from fastapi.exceptions import RequestValidationError
    from fastapi.responses import JSONResponse
    from starlette.exceptions import HTTPException

    def respond(status: int, body: dict[str, Any], retry_after: int | None = None) -> JSONResponse:
        headers = {"Retry-After": str(retry_after)} if retry_after is not None else None
        return JSONResponse(body, status_code=status, headers=headers)

    async def zhimei_error(request: Request, exc: Exception) -> Any:
        assert isinstance(exc, ZhimeiError)
        status = status_of(exc)
        retry = getattr(exc, "retry_after", None)
        renderer = request.app.state.html_errors
        if renderer is not None and renderer.wants_html(request):
            return renderer.render(request, status, error_code(exc), exc.message, exc.hint, retry)
        return respond(status, error_body(error_code(exc), exc.message, exc.hint), retry)

    async def validation_error(request: Request, exc: Exception) -> Any:
        assert isinstance(exc, RequestValidationError)
        fields = [
            {
                "loc": [str(p) for p in e.get("loc", ())],
                "msg": str(e.get("msg", "")),
                "type": str(e.get("type", "")),
            }
            for e in exc.errors()
        ]
        return respond(
            422, error_body("invalid_request", "the request does not match the schema", "", fields)
        )

    async def http_error(request: Request, exc: Exception) -> Any:
        assert isinstance(exc, HTTPException)
        message = str(exc.detail) if exc.detail else "error"
        renderer = request.app.state.html_errors
        if renderer is not None and renderer.wants_html(request):
            return renderer.render(request, exc.status_code, f"http_{exc.status_code}", message, "", None)
        response = respond(exc.status_code, error_body(f"http_{exc.status_code}", message))
        for key, value in (exc.headers or {}).items():
            response.headers[key] = value
        return response

    async def unexpected(request: Request, exc: Exception) -> Any:
        import logging

        logging.getLogger("zhimei.http").exception(
            "unexpected error on %s %s", request.method, request.url.path
        )
        return respond(500, error_body("internal", "unexpected server error", "see the server log"))

    app.add_exception_handler(ZhimeiError, zhimei_error)
    app.add_exception_handler(Exception, unexpected)
    app.add_exception_handler(RequestValidationError, validation_error)
    app.add_exception_handler(HTTPException, http_error)
