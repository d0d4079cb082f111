"""Read-only share links for leaders: POST /share (创城办 only) makes a link with an expiry;
GET /s/{token} shows the units board and the overdue list, nothing else, no login.
GET /shares lists the links that work, POST /shares/{id}/revoke ends one (finding 18).

The link is built from GUANJIA_PUBLIC_URL, never from the request's Host header (which
whoever sends the request chooses).
"""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated

from fastapi import APIRouter, Form, HTTPException, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy import select

from bot.core.errors import InvalidArgument
from bot.reports.digests import overdue_condition
from bot.web.accounts import share_links
from bot.web.deps import CurrentUser, FormUser, Services, State, pop_flash, render, set_flash
from bot.web.templating import Fmt
from bot.web.units_routes import board_context
from models import Ticket, User

router = APIRouter()
SHARE_DAYS = (1, 7, 30)
OVERDUE_SHOWN = 30


def _supervisor_only(user: CurrentUser) -> None:
    if not user.is_supervisor:
        raise HTTPException(status_code=403, detail="只有创城办可以管理分享链接")


@router.post("/share")
def make_share_link(services: Services, state: State, user: FormUser, days: Annotated[int, Form()] = 7) -> Response:
    _supervisor_only(user)
    days = days if days in SHARE_DAYS else 7
    now = services.clock.now()
    expires = now + timedelta(days=days)
    with services.session_factory() as session, session.begin():
        creator = session.get(User, user.id)
        assert creator is not None  # the session row names an existing user
        link_id, token = share_links.create(session, creator, now, expires)
    base = (services.settings.public_url or "").rstrip("/")
    link = f"{base}/s/{token}" if base else f"/s/{token}"
    hint = "" if base else "\n（未设置 GUANJIA_PUBLIC_URL：请在前面加上本站地址再发给领导）"
    response = RedirectResponse("/shares", status_code=303)
    until = Fmt(services.cfg, now).time(expires, year=True)
    set_flash(response, services, state, "share", f"只读分享链接 #{link_id}（{until} 前有效）：\n{link}{hint}")
    return response


@router.get("/shares")
def shares_page(request: Request, services: Services, state: State, user: CurrentUser) -> Response:
    _supervisor_only(user)
    now = services.clock.now()
    with services.session_factory() as session:
        links = share_links.active(session, now)
    context = {"user": user, "nav": "units", "links": links, "fmt": Fmt(services.cfg, now)}
    return render(request, "shares.html", context | {"flash": pop_flash(request, state)}, clear_flash=True)


@router.post("/shares/{link_id}/revoke")
def revoke_share_link(link_id: int, services: Services, state: State, user: FormUser) -> Response:
    _supervisor_only(user)
    response = RedirectResponse("/shares", status_code=303)
    try:
        with services.session_factory() as session, session.begin():
            share_links.revoke(session, link_id, services.clock.now())
    except InvalidArgument as refused:
        set_flash(response, services, state, "error", refused.reason)
        return response
    set_flash(response, services, state, "ok", f"分享链接 #{link_id} 已作废")
    return response


@router.get("/s/{token}")
def shared_board(request: Request, token: str, services: Services) -> Response:
    now = services.clock.now()
    cfg = services.cfg
    with services.session_factory() as session:
        link = share_links.find(session, token, now)
        if link is None:
            return render(request, "share_expired.html", {}, status_code=403)
        context = board_context(services, session, None)
        query = select(Ticket).where(overdue_condition(now)).order_by(Ticket.fix_deadline, Ticket.id)
        overdue = list(session.scalars(query.limit(OVERDUE_SHOWN)))
    fmt = Fmt(cfg, now)
    context |= {"overdue": overdue, "fmt": fmt, "expires": fmt.time(link.expires_at, True)}
    return render(request, "share.html", context)
