"""A message the bot sends on its own, written in the transaction of the change that caused it.

The sender polls this table, so it also delivers what another process (the CLI's sweep)
wrote, and a restart loses nothing: a row is pending until a target has accepted it.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base


class OutboxStatus:
    PENDING = "pending"
    SENT = "sent"
    FAILED = "failed"
    # A reply kept in case its own way failed (a DingTalk Stream sessionWebhook), and that way
    # delivered it: the group robot must not send it again.
    SUPERSEDED = "superseded"


class OutboxMessage(Base):
    __tablename__ = "outbox_messages"

    id: Mapped[int] = mapped_column(primary_key=True)
    group_id: Mapped[str] = mapped_column(String(128))
    kind: Mapped[str] = mapped_column(String(32))  # reminder | digest | notice
    text: Mapped[str] = mapped_column(Text)
    mentions: Mapped[list[str]] = mapped_column(JSON, default=list)
    image_png_base64: Mapped[str | None] = mapped_column(Text)
    # Unique for messages that must go out once whatever happens (a digest for one day).
    dedupe_key: Mapped[str | None] = mapped_column(String(200), unique=True)
    status: Mapped[str] = mapped_column(String(16), default=OutboxStatus.PENDING)
    attempts: Mapped[int] = mapped_column(default=0)
    # Not before this instant: backoff after a failure, or the lease of a sender at work.
    next_attempt_at: Mapped[datetime]
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime]
    sent_at: Mapped[datetime | None]
    # Which robot took it (platform + url digest), for the per-robot rate limit.
    target_key: Mapped[str | None] = mapped_column(String(64))

    __table_args__ = (
        Index("ix_outbox_messages_status_next_attempt_at", "status", "next_attempt_at"),
        Index("ix_outbox_messages_target_key_sent_at", "target_key", "sent_at"),
    )
