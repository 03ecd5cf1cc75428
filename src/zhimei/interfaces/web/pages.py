"""Rendering a studio page: the template context every page shares (caller, language, CSRF token,
navigation) and the HTML error pages (a sign-in redirect for 401)."""

from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from jinja2 import Environment

from zhimei.interfaces.http.accounts import set_csrf_cookie
from zhimei.interfaces.http.security import Principal, new_csrf_token
from zhimei.interfaces.web.i18n import LANG_COOKIE, pick_lang, translator
from zhimei.interfaces.web.render import environment

if TYPE_CHECKING:
    from starlette.requests import Request
    from starlette.responses import Response

__all__ = ["HtmlErrors", "is_htmx", "page", "redirect", "templates"]


@cache
def templates() -> Environment:
    """The studio's template environment (made once)."""
    return environment()


def is_htmx(request: Request) -> bool:
    """Whether HTMX made the request (it wants a fragment)."""
    return request.headers.get("hx-request") == "true"


def _context(request: Request, caller: Principal | None, https: bool) -> tuple[dict[str, Any], str | None]:
    lang = pick_lang(request.cookies.get(LANG_COOKIE), request.headers.get("accept-language"))
    csrf = caller.csrf if caller else None
    fresh = None
    if not csrf:
        fresh = csrf = new_csrf_token()
    context = {
        "t": translator(lang),
        "lang": lang,
        "csrf": csrf,
        "user": caller if caller and caller.signed_in else None,
        "path": request.url.path,
        "here": request.url.path + (f"?{request.url.query}" if request.url.query else ""),
    }
    return context, fresh


def page(request: Request, caller: Principal | None, name: str, status: int = 200, **values: Any) -> Response:
    """Render template ``name`` with the shared context and ``values``."""
    from starlette.responses import HTMLResponse

    state = request.app.state.studio
    https = state.options.https or request.url.scheme == "https"
    context, fresh = _context(request, caller, https)
    html = templates().get_template(name).render(**context, **values)
    response = HTMLResponse(html, status_code=status, headers={"Cache-Control": "no-store"})
    if fresh:  # no session and no pre-sign-in token yet: the forms on this page need one
        set_csrf_cookie(response, fresh, https)
    return response


def redirect(url: str) -> Response:
    """303 See Other to ``url`` (after a form post), or an HX-Redirect for HTMX."""
    from starlette.responses import RedirectResponse

    return RedirectResponse(url, status_code=303)


class HtmlErrors:
    """Errors on studio pages are pages too: 401 sends the browser to sign in."""

    @staticmethod
    def wants_html(request: Request) -> bool:
        path = request.url.path
        return not (path.startswith("/api/") or path == "/openapi.json" or path == "/feed.xml")

    @staticmethod
    def render(
        request: Request, status: int, code: str, message: str, hint: str, retry_after: int | None
    ) -> Response:
        if status == 401:
            target = request.url.path if request.method == "GET" else "/"
            return redirect("/login?next=" + quote(target, safe="/"))
        caller = getattr(request.state, "principal", None)
        response = page(
            request,
            caller if isinstance(caller, Principal) else None,
            "error_fragment.html" if is_htmx(request) else "error.html",
            status=status,
            code=code,
            message=message,
            hint=hint,
        )
        if retry_after is not None:
            response.headers["Retry-After"] = str(retry_after)
        return response
