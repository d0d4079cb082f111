"""One row per reminder or escalation sent for a ticket's deadline: the guarantee of 'once'.

The key is (ticket, kind, deadline): a second sweep, a restart or a second process finds
the row and sends nothing; a new deadline (reassignment, extension) is a new key.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base


class ReminderKind:
    CLAIM_SOON = "claim_soon"
    FIX_SOON = "fix_soon"
    CLAIM_OVERDUE = "claim_overdue"
    FIX_OVERDUE = "fix_overdue"
    FIX_OVERDUE_LEADERS = "fix_overdue_leaders"
    # 迎检 only: the overdue alarm again campaign.overdue_repeat_hours after the previous one
    # for the same deadline; the key's `deadline` is the instant the repeat fell due (that
    # alarm's created_at + the interval), so each is sent once.
    CLAIM_OVERDUE_AGAIN = "claim_overdue_again"
    FIX_OVERDUE_AGAIN = "fix_overdue_again"


class TicketReminder(Base):
    __tablename__ = "ticket_reminders"

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(32))
    deadline: Mapped[datetime]
    created_at: Mapped[datetime]
    outbox_id: Mapped[int | None] = mapped_column(ForeignKey("outbox_messages.id", ondelete="SET NULL"))

    __table_args__ = (UniqueConstraint("ticket_id", "kind", "deadline"),)
