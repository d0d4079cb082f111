"""GET /suspects: the 疑似上报 list for the 创城办, newest first; POST its 立案 / 不是问题 buttons."""

from __future__ import annotations

from collections.abc import Mapping

from fastapi import APIRouter, Request
from fastapi.responses import Response

from bot.chat.suspects import SuspectService
from bot.web.actions import ActionResult
from bot.web.deps import CurrentUser, FormUser, Services, State, pop_flash, render
from bot.web.form_action import act_and_return
from bot.web.suspect_actions import run_suspect_action
from bot.web.templating import Fmt
from models import UserRole

router = APIRouter()
PER_PAGE = 50


@router.get("/suspects")
def suspects_page(request: Request, services: Services, state: State, user: CurrentUser) -> Response:
    cfg = services.cfg
    if user.role == UserRole.UNIT:
        context = {"user": user, "title": "无权查看", "message": "疑似上报由创城办处理"}
        return render(request, "error.html", context, status_code=403)
    raw = request.query_params.get("page", "1")
    page = max(int(raw), 1) if raw.isdigit() and len(raw) < 7 else 1
    with services.session_factory() as session:
        service = SuspectService(session, cfg, services.clock, services.intake.parser)
        total = service.count_pending()
        items = service.pending(PER_PAGE, (page - 1) * PER_PAGE)
    groups = {code: g.name for code, g in cfg.groups.items()}
    context = {
        "user": user,
        "items": items,
        "total": total,
        "page": page,
        "pages": max((total + PER_PAGE - 1) // PER_PAGE, 1),
        "groups": groups,
        "categories": [(code, c.name) for code, c in cfg.categories.items()],
        "flash": pop_flash(request, state),
        "fmt": Fmt(cfg, services.clock.now()),
        "nav": "suspects",
    }
    return render(request, "suspects.html", context, clear_flash=True)


@router.post("/suspects/{number}/act")
async def suspect_action(request: Request, number: int, services: Services, state: State, user: FormUser) -> Response:
    def act(action: str, fields: Mapping[str, str]) -> ActionResult:
        return run_suspect_action(services, user, number, action, fields)

    return await act_and_return(request, services, state, act, "/suspects", "")
