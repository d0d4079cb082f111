"""Errors on the web pages as the styled error page (error.html); the machine interface keeps its JSON.

Which answer a request gets is decided by its path, not by its Accept header. Every route is
either a page (this package, opened by people in a browser) or the machine interface under
MACHINE_PREFIXES (the JSON API, the platforms' webhooks, metrics, health, the dev docs), and
the path says which: the API answers JSON whatever a caller's Accept says (platforms and
scripts send anything, and a browser opening /api/tickets gets the documented JSON), so
Accept could only ever change the pages' answer, and the pages are only opened in browsers.
An unknown path outside those prefixes is a mistyped address in a browser, so it gets a page.

`pages_or(fallback)` wraps an app's JSON exception handler: on a page it renders the error
page with the same status code (and headers, e.g. Retry-After); elsewhere, and for the
redirects a login check raises, it calls the JSON handler as before.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from http import HTTPStatus
from typing import Any

from fastapi import Request
from fastapi.exceptions import RequestValidationError
from pydantic import ValidationError
from sqlalchemy.exc import InterfaceError, OperationalError
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.responses import Response

from bot.app_services import services_of
from bot.web.deps import optional_user, render

MACHINE_PREFIXES = ("/api", "/webhook", "/metrics", "/healthz", "/docs", "/redoc", "/openapi.json")
Handler = Callable[[Request, Exception], Awaitable[Response]]

# The title, and the message when the error carries none of its own (Starlette's "Not Found").
_TITLES: dict[int, tuple[str, str]] = {
    400: ("请求有误", "请求无法处理，请返回后重试。"),
    401: ("需要登录", "请先登录。"),
    403: ("没有权限", "您的账号不能访问这个页面。"),
    404: ("没有找到这个页面", "请检查网址，或从台账重新进入。"),
    405: ("不支持这种操作", "这个页面不能这样打开，请从台账重新进入。"),
    413: ("提交的内容太大", "请减少内容后重试。"),
    422: ("参数无效", "网址或表单中有无法识别的参数，请检查后重试。"),
    429: ("操作太频繁", "请稍后再试。"),
    503: ("服务暂时不可用", "数据库暂时不可用，请稍后重试。"),
}
_UNAVAILABLE = (OperationalError, InterfaceError)


@dataclass(frozen=True)
class PageError:
    status: int
    title: str
    message: str
    headers: dict[str, str] = field(default_factory=dict)


def is_page(request: Request) -> bool:
    path = request.url.path
    return not any(path == prefix or path.startswith(prefix + "/") for prefix in MACHINE_PREFIXES)


def page_error(exc: Exception) -> PageError:
    """What the error page says about `exc`, in Chinese (a detail the route wrote is already Chinese)."""
    if isinstance(exc, RequestValidationError | ValidationError):
        names = "、".join(dict.fromkeys(_field_name(err) for err in exc.errors()))
        title, message = _TITLES[422]
        return PageError(422, title, f"{message}（{names}）" if names else message)
    if isinstance(exc, _UNAVAILABLE):
        return PageError(503, *_TITLES[503], headers={"Retry-After": "5"})
    assert isinstance(exc, HTTPException)
    status = exc.status_code
    title, message = _TITLES.get(status, ("出错了", "请求没有完成，请返回后重试。"))
    detail = exc.detail if isinstance(exc.detail, str) else ""
    if detail and detail != _phrase(status):
        message = detail
    return PageError(status, title, message, dict(exc.headers or {}))


def _field_name(err: Any) -> str:
    names = [str(p) for p in err.get("loc", ()) if p not in ("body", "query", "path", "header", "cookie")]
    return ".".join(names) or "body"


def _phrase(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return ""


def error_page(request: Request, error: PageError, signed_in: bool = True) -> Response:
    """error.html, with the signed-in user's header when there is one (the same page /tickets/0 shows)."""
    user = None
    if signed_in:
        try:
            user = optional_user(request, services_of(request))
        except _UNAVAILABLE:
            user = None
    context = {"user": user, "title": error.title, "message": error.message}
    response = render(request, "error.html", context, status_code=error.status)
    response.headers.update(error.headers)
    return response


def pages_or(fallback: Handler) -> Handler:
    """An exception handler: the error page on a page (status ≥ 400), else `fallback`'s JSON."""

    async def handle(request: Request, exc: Exception) -> Response:
        if not is_page(request):
            return await fallback(request, exc)
        error = page_error(exc)
        if error.status < 400:  # the login check's 303 to /login, not an error
            return await fallback(request, exc)
        # Looking up the session reads the database: not when the database is what failed.
        signed_in = not isinstance(exc, _UNAVAILABLE)
        return await run_in_threadpool(error_page, request, error, signed_in)

    return handle
