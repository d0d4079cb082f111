"""A group message that may be a report but was not registered: 疑似上报, for the 创城办 to settle.

Two kinds: `near_miss` (the parser saw some problem evidence under the bar) and `asked` (an
@message to the bot that was neither a command nor a report; the bot asked what it was). The
row is settled once: `converted` into a ticket (by the 创城办, or by the reporter's answer) or
`dismissed` as not a problem; who, when and how are kept on it. `inbound_id` is unique, so a
message is never kept twice.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base


class SuspectKind:
    NEAR_MISS = "near_miss"
    ASKED = "asked"


class SuspectStatus:
    PENDING = "pending"
    CONVERTED = "converted"
    DISMISSED = "dismissed"


class SuspectedReport(Base):
    __tablename__ = "suspected_reports"

    id: Mapped[int] = mapped_column(primary_key=True)  # the 消息号 shown on the page and typed in 立案 N
    inbound_id: Mapped[int] = mapped_column(ForeignKey("inbound_messages.id", ondelete="CASCADE"), unique=True)
    kind: Mapped[str] = mapped_column(String(16))
    msg_id: Mapped[str] = mapped_column(String(200))
    group_id: Mapped[str] = mapped_column(String(128))
    sender_id: Mapped[str] = mapped_column(String(128))
    sender_name: Mapped[str] = mapped_column(String(128))
    text: Mapped[str] = mapped_column(Text)
    images: Mapped[list[str]] = mapped_column(JSON, default=list)
    received_at: Mapped[datetime]
    status: Mapped[str] = mapped_column(String(16))
    # Set once, when it is settled.
    ticket_id: Mapped[int | None] = mapped_column(ForeignKey("tickets.id"))
    decided_by: Mapped[str | None] = mapped_column(String(128))
    decided_by_name: Mapped[str | None] = mapped_column(String(128))
    decided_at: Mapped[datetime | None]
    decided_via: Mapped[str | None] = mapped_column(String(16))  # web | chat | answer
    answer: Mapped[str | None] = mapped_column(Text)  # the reporter's answer to the bot's question

    __table_args__ = (
        # The page lists the pending ones newest first; the digest counts them.
        Index("ix_suspected_reports_status_id", "status", "id"),
        # The reporter's answer finds the question the bot asked them in this group, within the
        # follow-up window: the walk ends at the window's start (alembic 0020).
        Index("ix_suspected_reports_awaiting", "sender_id", "group_id", "kind", "status", "received_at", "id"),
    )
