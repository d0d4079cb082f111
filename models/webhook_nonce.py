"""Signatures already used by a platform callback, so a captured one cannot carry another body.

DingTalk's callback signature covers only the timestamp (sign = HMAC(appSecret, timestamp +
"\\n" + appSecret)), never the body, and stays valid for an hour: whoever sees one request's
headers could send any message with them. Each sign is recorded with the message id it first
came with; the same sign again is accepted only for that message id (the platform's retry).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base


class WebhookNonce(Base):
    __tablename__ = "webhook_nonces"

    id: Mapped[int] = mapped_column(primary_key=True)
    platform: Mapped[str] = mapped_column(String(32))
    nonce: Mapped[str] = mapped_column(String(128))
    msg_id: Mapped[str] = mapped_column(String(200))
    # Rows older than the platform's window are deleted: the timestamp check refuses them anyway.
    seen_at: Mapped[datetime] = mapped_column(index=True)

    __table_args__ = (UniqueConstraint("platform", "nonce"),)
