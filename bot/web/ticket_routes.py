"""One ticket: GET /tickets/{id} (timeline, photos, deadlines, actions) and POST its actions."""

from __future__ import annotations

from collections.abc import Mapping

from fastapi import APIRouter, Request
from fastapi.responses import Response

from bot.reports.hotspots import rank_here
from bot.tickets.timeline import load_ticket, photos, timeline
from bot.web.actions import ActionResult, available, run_action
from bot.web.deps import CurrentUser, FormUser, Services, State, pop_flash, render
from bot.web.form_action import act_and_return
from bot.web.templating import Fmt
from handlers.registry import REGISTRY

router = APIRouter()


@router.get("/tickets/{ticket_id}")
def ticket_page(request: Request, ticket_id: int, services: Services, state: State, user: CurrentUser) -> Response:
    cfg = services.cfg
    with services.session_factory() as session:
        ticket = load_ticket(session, ticket_id)
        # A unit member is not told that other units' tickets exist.
        if ticket is None or not user.can_see(ticket.unit):
            context = {"user": user, "title": "没有找到工单", "message": f"没有找到工单 #{ticket_id}"}
            return render(request, "error.html", context, status_code=404)
        steps = timeline(session, cfg, ticket)
        actions = available(cfg, user, ticket, services.clock.now(), REGISTRY)
        here = rank_here(session, cfg, ticket)
    context = {
        "user": user,
        "ticket": ticket,
        "steps": steps,
        "photos": photos(ticket),
        "actions": actions,
        "here": here,
        "hotspot_rule": cfg.hotspots,
        "units": [(code, u.name) for code, u in cfg.units.items() if code != cfg.triage_unit],
        "categories": [(code, c.name) for code, c in cfg.categories.items()],
        "group": cfg.groups[ticket.group_id].name if ticket.group_id in cfg.groups else ticket.group_id,
        "flash": pop_flash(request, state),
        "fmt": Fmt(cfg, services.clock.now()),
        "nav": "ledger",
    }
    return render(request, "ticket.html", context, clear_flash=True)


@router.post("/tickets/{ticket_id}/act")
async def ticket_action(request: Request, ticket_id: int, services: Services, state: State, user: FormUser) -> Response:
    def act(action: str, fields: Mapping[str, str]) -> ActionResult:
        return run_action(services, user, ticket_id, action, fields)

    return await act_and_return(request, services, state, act, f"/tickets/{ticket_id}", "，群里已收到")
