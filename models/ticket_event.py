"""Append-only history of a ticket: every change is one row, never updated."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base


class EventType:
    REPORTED = "reported"
    DISPATCHED = "dispatched"
    CLAIMED = "claimed"
    FIXED = "fixed"
    VERIFIED = "verified"
    REOPENED = "reopened"
    RETURNED = "returned"
    REASSIGNED = "reassigned"
    EXTENSION_REQUESTED = "extension_requested"
    EXTENSION_APPROVED = "extension_approved"
    EXTENSION_REJECTED = "extension_rejected"
    CANCELLED = "cancelled"
    DUPLICATE = "duplicate"
    TRIAGED = "triaged"
    RECATEGORIZED = "recategorized"
    SUPPLEMENTED = "supplemented"  # a follow-up photo or note from the reporter
    # A territorial ticket moved to the community of the place given later (data: from_area, to_area).
    REROUTED = "rerouted"
    # Opened from a 疑似上报 (data: suspect, via): who turned the message into a ticket.
    CONVERTED = "converted"
    # A reminder or escalation was sent (data.kind); not a change of state, but part of the story.
    REMINDED = "reminded"
    # 回头看 (bot/tickets/aftercare.py): sampled for re-inspection (data: inspector), found still
    # fixed, or found back (反弹, reopened to the unit; data: unit).
    RECHECK_SAMPLED = "recheck_sampled"
    RECHECK_PASSED = "recheck_passed"
    REBOUND = "rebound"
    # The reporter's 满意度 on a closed ticket (data: unit); 不满意 reopens it as 二次督办.
    SATISFIED = "satisfied"
    DISSATISFIED = "dissatisfied"
    # 催办 by the 创城办 (bot/tickets/supervision): a nudge to the unit, no change of state.
    URGED = "urged"


class TicketEvent(Base):
    __tablename__ = "ticket_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id", ondelete="CASCADE"), index=True)
    type: Mapped[str] = mapped_column(String(32), index=True)
    actor_id: Mapped[str] = mapped_column(String(128))
    actor_name: Mapped[str] = mapped_column(String(128))
    at: Mapped[datetime]
    note: Mapped[str | None] = mapped_column(Text)
    source_msg_id: Mapped[str | None] = mapped_column(String(200))
    # The platform of source_msg_id: message ids are unique per platform only, so the ticket
    # page quotes the message with this (platform, id), never another platform's namesake.
    source_platform: Mapped[str | None] = mapped_column(String(32))
    # How the server received the action (bot.core.actor.ActorKind: chat | web | system), for
    # the timeline badge; never derived from actor_id, which a chat platform lets anyone choose.
    actor_kind: Mapped[str] = mapped_column(String(16))
    # Structured details (old/new unit, hours asked, ...) for the ledger and KPIs.
    data: Mapped[dict[str, Any] | None] = mapped_column(JSON)

    # `ticket` (the many-to-one) is declared by Ticket.events as its backref.

    # Digests and KPIs count events of a type over a time range (bot/reports/kpi.py, bot/reports/digests.py).
    __table_args__ = (Index("ix_ticket_events_type_at", "type", "at"),)
