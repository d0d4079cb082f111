"""Sign in and out: GET /login (the form), POST /login (username, password), POST /logout."""

from __future__ import annotations

import logging
import math
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response

from bot.web.deps import SESSION_COOKIE, FormUser, Services, State, optional_user, render, safe_next, session_cookie
from bot.web.users import WebUser, authenticate

log = logging.getLogger(__name__)
router = APIRouter()


@router.get("/login")
def login_form(request: Request, user: Annotated[WebUser | None, Depends(optional_user)], next: str = "/") -> Response:
    if user is not None:
        return RedirectResponse(safe_next(next), status_code=303)
    return render(request, "login.html", {"next": safe_next(next), "error": None, "username": ""})


@router.post("/login")
def login(
    request: Request,
    services: Services,
    state: State,
    username: Annotated[str, Form(max_length=64)] = "",
    password: Annotated[str, Form(max_length=256)] = "",
    next: Annotated[str, Form()] = "/",
) -> Response:
    now = services.clock.now()
    address = request.client.host if request.client else "unknown"
    keys = ((state.by_name, f"name:{username.strip().lower()}"), (state.by_address, f"addr:{address}"))
    waits = [wait for throttle, key in keys if (wait := throttle.retry_after(key, now)) is not None]
    context = {"next": safe_next(next), "username": username}
    if waits:
        minutes = math.ceil(max(waits).total_seconds() / 60)
        log.warning("web login throttled for %r from %s", username, address)
        context["error"] = f"登录失败次数过多，请{minutes}分钟后再试"
        return render(request, "login.html", context, status_code=429)
    with services.session_factory() as session, session.begin():
        user = authenticate(session, username, password, now) if username and password else None
    if user is None:
        for throttle, key in keys:
            throttle.failed(key, now)
        context["error"] = "用户名或密码不正确"
        return render(request, "login.html", context, status_code=401)
    for throttle, key in keys[:1]:
        throttle.succeeded(key)
    log.info("web login: %s", user.username)
    response = RedirectResponse(safe_next(next), status_code=303)
    session_cookie(response, services, state, user)
    return response


@router.post("/logout")
def logout(_user: FormUser) -> Response:
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response
