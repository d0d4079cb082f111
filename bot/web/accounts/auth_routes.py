"""Sign in and out: GET /login (the form), POST /login (username, password), POST /logout.

POST /login refuses a form posted from another site (login CSRF, finding 15), refuses an
empty name or password before any database work, then claims the attempt in the database
throttle (bot/web/accounts/throttle.py) before the password is checked (findings 1, 2, 14).
"""

from __future__ import annotations

import logging
import math
from datetime import timedelta
from typing import Annotated
from urllib.parse import urlsplit

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response

from bot.web.accounts import sessions, throttle
from bot.web.accounts.client_address import client_address
from bot.web.accounts.users import WebUser, authenticate
from bot.web.deps import SESSION_COOKIE, FormUser, Services, State, optional_user, render, safe_next, session_cookie
from bot.web.templating import Fmt

log = logging.getLogger(__name__)
router = APIRouter()


def cross_site_source(request: Request, public_url: str | None) -> str | None:
    """The foreign Origin (or Referer) of a cross-site form post, or None if same-site.

    Browsers send Origin with every form POST; "null" (a sandboxed page, or a page with
    Referrer-Policy no-referrer) is refused too. No Origin and no Referer: not a browser
    posting from another site (scripts and curl), allowed.
    """
    source = request.headers.get("origin") or request.headers.get("referer")
    if not source:
        return None
    allowed = {request.headers.get("host", "").lower()}
    if public_url:
        allowed.add(urlsplit(public_url).netloc.lower())
    netloc = urlsplit(source).netloc.lower() if source != "null" else ""
    return None if netloc and netloc in allowed else source


@router.get("/login")
def login_form(request: Request, user: Annotated[WebUser | None, Depends(optional_user)], next: str = "/") -> Response:
    if user is not None:
        return RedirectResponse(safe_next(next), status_code=303)
    response = render(request, "login.html", {"next": safe_next(next), "error": None, "username": ""})
    # The form's POST must carry this site's Origin (no-referrer would make it "null").
    response.headers["Referrer-Policy"] = "same-origin"
    return response


def _throttled(request: Request, context: dict[str, object], wait: timedelta, services: Services) -> Response:
    now = services.clock.now()
    minutes = max(1, math.ceil(wait.total_seconds() / 60))
    until = Fmt(services.cfg, now).time(now + wait)
    context["error"] = f"登录失败次数过多，请{minutes}分钟后（{until}之后）再试"
    response = render(request, "login.html", context, status_code=429)
    response.headers["Retry-After"] = str(math.ceil(wait.total_seconds()))
    return response


@router.post("/login")
def login(
    request: Request,
    services: Services,
    state: State,
    username: Annotated[str, Form(max_length=64)] = "",
    password: Annotated[str, Form(max_length=256)] = "",
    next: Annotated[str, Form()] = "/",
) -> Response:
    context: dict[str, object] = {"next": safe_next(next), "username": username}
    foreign = cross_site_source(request, services.settings.public_url)
    if foreign is not None:
        log.warning("web login refused: posted from another site (%s)", foreign[:200])
        context["error"] = "登录请求来自其他网站，已拒绝。请直接打开本站的登录页登录。"
        return render(request, "login.html", context, status_code=403)
    if not username.strip() or not password:
        context["error"] = "请输入用户名和密码"
        return render(request, "login.html", context, status_code=400)
    now = services.clock.now()
    client = client_address(request, state.proxies)
    policy = state.throttle
    client_key, account_key = throttle.client_key(client), throttle.account_key(username, client)
    with services.session_factory() as session, session.begin():
        wait = throttle.claim(
            session, [(client_key, policy.client_limit), (account_key, policy.account_limit)], policy, now
        )
    if wait is not None:
        log.warning("web login throttled: account %r from %s", username.strip(), client)
        return _throttled(request, context, wait, services)
    with services.session_factory() as session, session.begin():
        user = authenticate(session, username, password, now)
        if user is not None:
            throttle.give_back(session, client_key, policy.client_limit)  # client row first, as claim()
            throttle.forget(session, account_key)
        throttle.prune(session, policy, now)
    if user is None:
        log.warning("web login failed: account %r from %s", username.strip(), client)
        context["error"] = "用户名或密码不正确"
        return render(request, "login.html", context, status_code=401)
    log.info("web login: %s from %s", user.username, client)
    response = RedirectResponse(safe_next(next), status_code=303)
    session_cookie(response, services, user)
    return response


@router.post("/logout")
def logout(request: Request, services: Services, _user: FormUser) -> Response:
    """Ends the session on the server: a copied cookie stops working too (finding 9)."""
    with services.session_factory() as session, session.begin():
        sessions.end(session, request.cookies.get(SESSION_COOKIE))
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response
