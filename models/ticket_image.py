"""Photos attached to a ticket: before (with the report) and after (with the fix)."""

from __future__ import annotations

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.base import Base
from models.ticket_event import TicketEvent


class TicketImage(Base):
    __tablename__ = "ticket_images"

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(8))  # "before" | "after"
    url: Mapped[str] = mapped_column(Text)
    event_id: Mapped[int | None] = mapped_column(ForeignKey("ticket_events.id", ondelete="SET NULL"))

    # `ticket` (the many-to-one) is declared by Ticket.images as its backref.
    event: Mapped[TicketEvent | None] = relationship()
