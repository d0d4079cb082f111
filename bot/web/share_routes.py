"""Read-only share links for leaders: POST /share (创城办 only) makes a signed link with an
expiry; GET /s/{token} shows the units board and the overdue list, nothing else, no login.

Links cannot be revoked one by one: changing GUANJIA_WEB_SECRET_KEY revokes them all.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated

from fastapi import APIRouter, Form, HTTPException, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy import select

from bot.reports.digests import overdue_condition
from bot.web.deps import FormUser, Services, State, render, set_flash
from bot.web.templating import Fmt
from bot.web.units_routes import board_context
from models import Ticket

router = APIRouter()
SHARE_DAYS = (1, 7, 30)
OVERDUE_SHOWN = 30


@router.post("/share")
def make_share_link(
    request: Request, services: Services, state: State, user: FormUser, days: Annotated[int, Form()] = 7
) -> Response:
    if not user.is_supervisor:
        raise HTTPException(status_code=403, detail="只有创城办可以生成分享链接")
    days = days if days in SHARE_DAYS else 7
    now = services.clock.now()
    expires = now + timedelta(days=days)
    token = state.signer.dumps("share", {"by": user.username, "exp": int(expires.timestamp())})
    link = str(request.base_url).rstrip("/") + f"/s/{token}"
    response = RedirectResponse("/units", status_code=303)
    until = Fmt(services.cfg, now).time(expires, year=True)
    set_flash(response, services, state, "share", f"只读分享链接（{until} 前有效）：\n{link}")
    return response


@router.get("/s/{token}")
def shared_board(request: Request, token: str, services: Services, state: State) -> Response:
    data = state.signer.loads("share", token)
    now = services.clock.now()
    if data is None or not isinstance(data.get("exp"), int) or data["exp"] < now.timestamp():
        return render(request, "share_expired.html", {}, status_code=403)
    cfg = services.cfg
    with services.session_factory() as session:
        context = board_context(services, session, None)
        query = select(Ticket).where(overdue_condition(now)).order_by(Ticket.fix_deadline, Ticket.id)
        overdue = list(session.scalars(query.limit(OVERDUE_SHOWN)))
    fmt = Fmt(cfg, now)
    context |= {"overdue": overdue, "fmt": fmt, "expires": fmt.time(now.fromtimestamp(data["exp"], now.tzinfo), True)}
    return render(request, "share.html", context)
