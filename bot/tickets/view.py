"""The JSON shape of a ticket in the read API."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from config.schema import GuanjiaConfig
from models import Ticket


def iso(instant: datetime | None) -> str | None:
    return instant.isoformat() if instant is not None else None


def ticket_summary(cfg: GuanjiaConfig, ticket: Ticket) -> dict[str, Any]:
    return {
        "id": ticket.id,
        "status": ticket.status,
        "category": ticket.category,
        "category_name": cfg.category_name(ticket.category),
        "unit": ticket.unit,
        "unit_name": cfg.unit_name(ticket.unit),
        "location": ticket.location,
        "area": ticket.area,
        "urgent": ticket.urgent,
        "text": ticket.text,
        "reporter_id": ticket.reporter_id,
        "group_id": ticket.group_id,
        "created_at": iso(ticket.created_at),
        "claim_deadline": iso(ticket.claim_deadline),
        "fix_deadline": iso(ticket.fix_deadline),
        "duplicate_of": ticket.duplicate_of,
    }


def ticket_detail(cfg: GuanjiaConfig, ticket: Ticket) -> dict[str, Any]:
    data = ticket_summary(cfg, ticket)
    # actor_kind (chat | web | system) is how the server received the step: a reader must not
    # infer it from actor_id, which a chat sender chooses.
    data["events"] = [
        {"type": e.type, "actor_id": e.actor_id, "actor_kind": e.actor_kind, "at": iso(e.at), "note": e.note}
        for e in ticket.events
    ]
    data["images"] = [{"kind": i.kind, "url": i.url} for i in ticket.images]
    return data
