"""A ticket: one problem reported in a group, owned by one unit until it is verified fixed."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, backref, mapped_column, relationship

from models.base import Base
from models.ticket_event import TicketEvent
from models.ticket_image import TicketImage

# Ticket ids are 32-bit integers on PostgreSQL; a larger number names no ticket (and must not reach SQL).
MAX_TICKET_ID = 2**31 - 1


class TicketStatus(StrEnum):
    """Where a ticket is in its life. The values are the strings stored in the database and
    shown by the API, so they never change; which action moves a ticket from one to another,
    and who may take it, is the table in bot/tickets/lifecycle.py. The enum lives here, at the
    bottom layer, because every layer (parsing and reports included) filters tickets by it."""

    TRIAGE = "triage"
    DISPATCHED = "dispatched"
    CLAIMED = "claimed"
    FIXED = "fixed"
    CLOSED = "closed"
    CANCELLED = "cancelled"


# Not yet closed or cancelled: what the ledger, reminders and digests call "open".
OPEN_STATUSES = (TicketStatus.TRIAGE, TicketStatus.DISPATCHED, TicketStatus.CLAIMED, TicketStatus.FIXED)
ALL_STATUSES = tuple(TicketStatus)


class Ticket(Base):
    __tablename__ = "tickets"

    id: Mapped[int] = mapped_column(primary_key=True)
    status: Mapped[str] = mapped_column(String(16))
    category: Mapped[str] = mapped_column(String(32))
    unit: Mapped[str] = mapped_column(String(32))
    location: Mapped[str | None] = mapped_column(String(200))
    # The spot however it is written (bot/tickets/gazetteer.py): a new report's open repeat is
    # looked up by it, so 府前街南环路口 finds 府前街与南环路交叉口 (alembic 0022).
    place_key: Mapped[str | None] = mapped_column(String(200))
    area: Mapped[str | None] = mapped_column(String(100))
    urgent: Mapped[bool] = mapped_column(default=False)
    confidence: Mapped[float] = mapped_column(default=1.0)
    text: Mapped[str] = mapped_column(Text)
    reporter_id: Mapped[str] = mapped_column(String(128))
    reporter_name: Mapped[str] = mapped_column(String(128))
    group_id: Mapped[str] = mapped_column(String(128))
    source_msg_id: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime]
    dispatched_at: Mapped[datetime | None]
    claim_deadline: Mapped[datetime | None]
    fix_deadline: Mapped[datetime | None]
    claimed_at: Mapped[datetime | None]
    claimed_by: Mapped[str | None] = mapped_column(String(128))
    fixed_at: Mapped[datetime | None]
    closed_at: Mapped[datetime | None]
    # Hours asked for in a pending 延期 request; None when nothing is pending.
    pending_extension_hours: Mapped[float | None]
    duplicate_of: Mapped[int | None] = mapped_column(ForeignKey("tickets.id"))
    # The 测评点位 (points.list code) and the inspection round it was found in, if any.
    point_id: Mapped[str | None] = mapped_column(String(64), index=True)
    # No foreign key: adding one would rebuild `tickets` on SQLite (see the migration).
    round_id: Mapped[int | None] = mapped_column(index=True)

    # The open ticket this one repeats (then this one is cancelled). Read-only: duplicate_of is
    # what is written.
    original: Mapped[Ticket | None] = relationship(remote_side=[id], foreign_keys=[duplicate_of], viewonly=True)
    # The ticket owns its events and photos; their `ticket` attribute is the backref, so
    # imports run one way (ticket -> ticket_event, ticket_image) with no cycle.
    events: Mapped[list[TicketEvent]] = relationship(
        backref=backref("ticket"), order_by=TicketEvent.id, cascade="all, delete-orphan"
    )
    images: Mapped[list[TicketImage]] = relationship(
        backref=backref("ticket"), order_by=TicketImage.id, cascade="all, delete-orphan"
    )

    __table_args__ = (
        Index("ix_tickets_status_unit", "status", "unit"),
        Index("ix_tickets_created_at", "created_at"),
        # A new report's open repeat at the same spot (bot/tickets/hot_writes.py): the status
        # keeps a spot's years of closed tickets out of the read (alembic 0021, 0022).
        Index("ix_tickets_category_place_key_status", "category", "place_key", "status"),
        # The deadline sweep looks for open tickets whose deadline is near or past.
        Index("ix_tickets_status_claim_deadline", "status", "claim_deadline"),
        Index("ix_tickets_status_fix_deadline", "status", "fix_deadline"),
        # KPI cohorts: the tickets dispatched in a period (bot/reports/kpi.py).
        Index("ix_tickets_dispatched_at", "dispatched_at"),
        # The web ledger (bot/reports/ledger_query.py): a unit's tickets newest first, area filter,
        # sorting by fix deadline.
        Index("ix_tickets_unit_id", "unit", "id"),
        Index("ix_tickets_area_id", "area", "id"),
        Index("ix_tickets_fix_deadline", "fix_deadline"),
        # Filters each common and rare together, counted and paged by their own index (migration 0018).
        Index("ix_tickets_urgent_area_id", "urgent", "area", "id"),
        Index("ix_tickets_category_status_id", "category", "status", "id"),
        # Every message asks for its sender's latest report here (bot/chat/followups.py).
        Index("ix_tickets_reporter_group_created", "reporter_id", "group_id", "created_at"),
    )

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES


# --- 回头看 -------------------------------------------------------------------------------
# A closed ticket sampled for re-inspection, its inspector and what they found
# (bot/schedule/rechecks.py samples, bot/tickets/aftercare records the result).


class RecheckResult:
    PASSED = "passed"  # 仍合格
    REBOUND = "rebound"  # 反弹: the ticket was reopened to its unit


class Recheck(Base):
    __tablename__ = "rechecks"

    id: Mapped[int] = mapped_column(primary_key=True)
    # Unique: a ticket is sampled once, however often the sweep runs or the ticket closes again.
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id", ondelete="CASCADE"), unique=True)
    # The unit that had fixed it when it was sampled: a 反弹 counts against this unit.
    unit: Mapped[str] = mapped_column(String(32))
    inspector_id: Mapped[str] = mapped_column(String(128))
    sampled_at: Mapped[datetime]
    result: Mapped[str | None] = mapped_column(String(16))
    result_at: Mapped[datetime | None]
    result_by: Mapped[str | None] = mapped_column(String(128))
    note: Mapped[str | None] = mapped_column(Text)

    # 反弹率 counts the results given in a period (bot/reports/aftercare_kpi.py).
    __table_args__ = (Index("ix_rechecks_result_at", "result_at"),)
