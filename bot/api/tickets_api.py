"""Read API over the ticket ledger."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query
from fastapi.responses import JSONResponse
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from bot.api.errors import error_response
from bot.app_services import Services
from bot.core.date_range import instant_problem
from bot.tickets.view import ticket_detail, ticket_summary
from models import MAX_TICKET_ID, Ticket, TicketStatus

router = APIRouter(prefix="/api")


def _aware(instant: datetime | None) -> datetime | None:
    if instant is None or instant.tzinfo is not None:
        return instant
    raise ValueError


@router.get("/tickets")
def list_tickets(
    services: Services,
    status: TicketStatus | None = None,
    unit: str | None = None,
    category: str | None = None,
    since: Annotated[datetime | None, Query(description="created at or after (ISO 8601 with offset)")] = None,
    until: Annotated[datetime | None, Query(description="created before (ISO 8601 with offset)")] = None,
    page: Annotated[int, Query(ge=1, le=1_000_000)] = 1,
    per_page: Annotated[int, Query(ge=1, le=200)] = 50,
) -> Any:
    cfg = services.cfg
    if unit is not None and unit not in cfg.units:
        return error_response(422, "invalid_request", f"unit: unknown unit code {unit!r}")
    if category is not None and category not in cfg.categories:
        return error_response(422, "invalid_request", f"category: unknown category code {category!r}")
    for name, value in (("since", since), ("until", until)):
        if value is not None and value.tzinfo is None:
            return error_response(422, "invalid_request", f"{name}: give a time zone offset, e.g. +08:00")
        problem = instant_problem(name, value) if value is not None else None
        if problem is not None:
            return error_response(422, "invalid_request", problem)
    query = select(Ticket)
    if status:
        query = query.where(Ticket.status == status)
    if unit:
        query = query.where(Ticket.unit == unit)
    if category:
        query = query.where(Ticket.category == category)
    if since:
        query = query.where(Ticket.created_at >= since)
    if until:
        query = query.where(Ticket.created_at < until)
    with services.session_factory() as session:
        total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
        rows = session.scalars(query.order_by(Ticket.id.desc()).offset((page - 1) * per_page).limit(per_page))
        items = [ticket_summary(cfg, t) for t in rows]
    return {"items": items, "total": total, "page": page, "per_page": per_page}


@router.get("/tickets/{ticket_id}")
def get_ticket(services: Services, ticket_id: int) -> Any:
    if not 0 < ticket_id <= MAX_TICKET_ID:  # names no ticket; too large for the database to compare
        return JSONResponse(status_code=404, content={"error": "not_found", "message": f"没有找到工单 #{ticket_id}"})
    with services.session_factory() as session:
        query = (
            select(Ticket)
            .where(Ticket.id == ticket_id)
            .options(selectinload(Ticket.events), selectinload(Ticket.images))
        )
        ticket = session.scalars(query).first()
        if ticket is None:
            return JSONResponse(
                status_code=404, content={"error": "not_found", "message": f"没有找到工单 #{ticket_id}"}
            )
        return ticket_detail(services.cfg, ticket)
