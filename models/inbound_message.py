"""Every chat message the bot has taken in, keyed by platform message id.

The row is inserted first in the transaction that handles the message; a platform retry
(or a concurrent duplicate) collides on the unique key and gets the stored answer back.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Index, String, Text, UniqueConstraint
from sqlalchemy import text as sql_text
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base


class InboundMessage(Base):
    __tablename__ = "inbound_messages"

    id: Mapped[int] = mapped_column(primary_key=True)
    platform: Mapped[str] = mapped_column(String(32))
    msg_id: Mapped[str] = mapped_column(String(200))
    group_id: Mapped[str] = mapped_column(String(128), index=True)
    sender_id: Mapped[str] = mapped_column(String(128))
    sender_name: Mapped[str] = mapped_column(String(128))
    text: Mapped[str] = mapped_column(Text)
    images: Mapped[list[str]] = mapped_column(JSON, default=list)
    # A location or files the message carried ({"location": ..., "attachments": [...]}): kept so
    # that the sender's next report within the follow-up window takes them (bot/chat/evidence.py).
    evidence: Mapped[dict[str, Any] | None] = mapped_column(JSON(none_as_null=True))
    sent_at: Mapped[datetime | None]
    received_at: Mapped[datetime]
    # The answer given the first time: {"replies": [...], "tickets": [...]}.
    response: Mapped[dict[str, Any] | None] = mapped_column(JSON)

    __table_args__ = (
        UniqueConstraint("platform", "msg_id"),
        # Every report asks for its sender's waiting evidence: only the few rows that carry
        # some are indexed, so ordinary messages cost no extra write.
        Index(
            "ix_inbound_messages_evidence",
            "group_id",
            "sender_id",
            "received_at",
            postgresql_where=sql_text("evidence IS NOT NULL"),
            sqlite_where=sql_text("evidence IS NOT NULL"),
        ),
    )
