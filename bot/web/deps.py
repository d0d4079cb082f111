"""What every web route needs, injected: services, the signed-in user, CSRF, rendering."""

from __future__ import annotations

import secrets
import threading
from dataclasses import dataclass
from datetime import timedelta
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import Depends, HTTPException, Request
from fastapi.responses import HTMLResponse, Response

from bot.app_services import AppServices, Services
from bot.app_services import services_of as _services
from bot.web.accounts import sessions
from bot.web.accounts.client_address import Network
from bot.web.accounts.security import Signer, secret_key
from bot.web.accounts.throttle import ThrottlePolicy
from bot.web.accounts.users import WebUser, web_user
from bot.web.templating import templates
from models import User

SESSION_COOKIE = "guanjia_session"
FLASH_COOKIE = "guanjia_flash"
_state_lock = threading.Lock()

# No inline script or style anywhere: the pages load /static only.
SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; img-src 'self'; script-src 'self'; style-src 'self'; "
        "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    # Share links carry their token in the path; never send it on to a photo's host.
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
}


@dataclass
class WebState:
    signer: Signer
    throttle: ThrottlePolicy
    proxies: list[Network]


def web_state(request: Request) -> WebState:
    state = getattr(request.app.state, "web", None)
    if state is None:
        with _state_lock:
            state = getattr(request.app.state, "web", None)
            if state is None:
                settings = _services(request).settings
                state = WebState(
                    Signer(secret_key(settings)), throttle=ThrottlePolicy(), proxies=settings.trusted_proxy_networks()
                )
                request.app.state.web = state
    return state


State = Annotated[WebState, Depends(web_state)]


def safe_next(target: str | None) -> str:
    """Only a path on this site (no //host, no scheme) may be a redirect target."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/"
    return target


def _login_redirect(request: Request) -> HTTPException:
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return HTTPException(status_code=303, headers={"Location": f"/login?next={quote(target, safe='')}"})


def optional_user(request: Request, services: Services) -> WebUser | None:
    """The user of the request's session row, if it exists, is unexpired and the user active."""
    with services.session_factory() as session:
        found = sessions.find(session, request.cookies.get(SESSION_COOKIE), services.clock.now())
        if found is None:
            return None
        user, csrf = found
        if user.role == "unit" and user.unit not in services.cfg.units:
            return None
        return web_user(user, csrf)


def current_user(request: Request, user: Annotated[WebUser | None, Depends(optional_user)]) -> WebUser:
    if user is None:
        raise _login_redirect(request)
    return user


CurrentUser = Annotated[WebUser, Depends(current_user)]


async def form_user(request: Request, user: CurrentUser) -> WebUser:
    """The signed-in user of a form POST whose csrf_token matches the session's."""
    form = await request.form()
    token = form.get("csrf_token")
    if not isinstance(token, str) or not user.csrf or not secrets.compare_digest(token.encode(), user.csrf.encode()):
        raise HTTPException(status_code=403, detail="表单已过期，请刷新页面后重试（CSRF 校验失败）")
    return user


FormUser = Annotated[WebUser, Depends(form_user)]


def session_cookie(response: Response, services: AppServices, user: User) -> None:
    """Start a server-side session for `user` (the caller has just checked the password)."""
    lifetime = timedelta(hours=services.settings.web_session_hours)
    with services.session_factory() as session, session.begin():
        started = sessions.start(session, user, services.clock.now(), lifetime)
    response.set_cookie(
        SESSION_COOKIE,
        started.token,
        max_age=int(lifetime.total_seconds()),
        httponly=True,
        samesite="lax",
        secure=services.settings.web_secure_cookies,
        path="/",
    )


def set_flash(response: Response, services: AppServices, state: WebState, kind: str, message: str) -> None:
    response.set_cookie(
        FLASH_COOKIE,
        state.signer.dumps("flash", {"k": kind, "m": message[:1500]}),
        max_age=120,
        httponly=True,
        samesite="lax",
        secure=services.settings.web_secure_cookies,
        path="/",
    )


def pop_flash(request: Request, state: WebState) -> dict[str, str] | None:
    data = state.signer.loads("flash", request.cookies.get(FLASH_COOKIE))
    if data is None:
        return None
    return {"kind": str(data.get("k", "ok")), "message": str(data.get("m", ""))}


def render(
    request: Request, name: str, context: dict[str, Any], status_code: int = 200, clear_flash: bool = False
) -> HTMLResponse:
    services = _services(request)
    context.setdefault("cfg", services.cfg)
    context.setdefault("user", None)
    context.setdefault("nav", "")
    response = templates.TemplateResponse(request, name, context, status_code=status_code)
    response.headers.update(SECURITY_HEADERS)
    if clear_flash:
        response.delete_cookie(FLASH_COOKIE, path="/")
    return response
