"""A ticket's timeline (each step with its source message) and its photos, as the ticket page shows them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select, tuple_
from sqlalchemy.orm import Session, selectinload

from bot.core.actor import ActorKind
from bot.tickets.status_labels import event_label, reminder_label
from config.schema import GuanjiaConfig
from models import MAX_TICKET_ID, InboundMessage, Ticket, TicketEvent

PENDING_PREFIX = "media-pending://"
REFUSED_PREFIX = "media-refused://"  # refused by the media worker (address, size, pixels, not an image)


@dataclass(frozen=True)
class Step:
    at: datetime
    who: str
    via: str  # 群消息 | 网页 | 系统
    what: str
    detail: str
    note: str | None
    source_text: str | None


@dataclass(frozen=True)
class Photo:
    kind: str
    url: str | None  # a stored copy on this server, or None: nothing is drawn
    pending: bool = False  # still being fetched from the platform
    refused: bool = False  # failed the checks: nothing was stored


def photo_url(url: str) -> str | None:
    """Only copies this server fetched, checked and re-encoded (/media/...), never a remote address.

    A remote image would load in every staff browser that opens the ticket: a tracking pixel
    for whoever sent the message, or a 16000×16000 decompression bomb. Inline data: images
    were never checked either.
    """
    cleaned = url.strip()
    if cleaned.startswith("/media/") and ".." not in cleaned and "\\" not in cleaned:
        return cleaned
    return None


def _detail(cfg: GuanjiaConfig, event: TicketEvent) -> str:
    data: dict[str, Any] = event.data or {}
    if event.type == "dispatched" and data.get("unit"):
        return f"→ {cfg.unit_name(data['unit'])}"
    if event.type == "reassigned":
        return f"{cfg.unit_name(data.get('from_unit', ''))} → {cfg.unit_name(data.get('to_unit', ''))}"
    if event.type == "returned" and data.get("from_unit"):
        return f"{cfg.unit_name(data['from_unit'])} 退回创城办"
    if event.type.startswith("extension_") and data.get("hours"):
        return f"{float(data['hours']):g} 小时"
    if event.type == "fixed" and data.get("images"):
        return f"整改照片 {data['images']} 张"
    if event.type == "recategorized" or ("from_category" in data and "to_category" in data):
        return f"{cfg.category_name(data.get('from_category', ''))} → {cfg.category_name(data.get('to_category', ''))}"
    if event.type == "reminded":
        return reminder_label(str(data.get("kind", "")))
    return ""


# The badge is how the server received the action (recorded on the event), not the actor's id:
# a chat sender may call itself "guanjia" or "web:alice" and is still a 群消息.
_VIA: dict[str, str] = {ActorKind.SYSTEM: "系统", ActorKind.WEB: "网页", ActorKind.CHAT: "群消息"}


def _via(event: TicketEvent) -> str:
    return _VIA.get(event.actor_kind, "群消息")


def load_ticket(session: Session, ticket_id: int) -> Ticket | None:
    if not 0 < ticket_id <= MAX_TICKET_ID:  # no such ticket, and too large to compare in SQL
        return None
    query = select(Ticket).where(Ticket.id == ticket_id)
    return session.scalars(query.options(selectinload(Ticket.events), selectinload(Ticket.images))).first()


def timeline(session: Session, cfg: GuanjiaConfig, ticket: Ticket) -> list[Step]:
    # A message id is unique only on its platform: quote the message the event names by both.
    keys = {(e.source_platform, e.source_msg_id) for e in ticket.events if e.source_platform and e.source_msg_id}
    sources: dict[tuple[str | None, str | None], str] = {}
    if keys:
        wanted = tuple_(InboundMessage.platform, InboundMessage.msg_id).in_(list(keys))
        rows = session.execute(
            select(InboundMessage.platform, InboundMessage.msg_id, InboundMessage.text).where(wanted)
        )
        sources = {(platform, msg_id): text for platform, msg_id, text in rows}
    return [
        Step(
            at=e.at,
            who=e.actor_name,
            via=_via(e),
            what=event_label(e.type),
            detail=_detail(cfg, e),
            note=e.note if e.type != "reported" else None,
            source_text=sources.get((e.source_platform, e.source_msg_id)),
        )
        for e in ticket.events
    ]


def photos(ticket: Ticket) -> dict[str, list[Photo]]:
    found: dict[str, list[Photo]] = {"before": [], "after": []}
    for image in ticket.images:
        pending, refused = image.url.startswith(PENDING_PREFIX), image.url.startswith(REFUSED_PREFIX)
        url = None if pending or refused else photo_url(image.url)
        found.setdefault(image.kind, []).append(Photo(image.kind, url, pending, refused))
    return found
