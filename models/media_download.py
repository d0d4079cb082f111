"""A photo from a chat platform waiting to be fetched through the platform's API, and where it went."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base


def stored_url(path: str) -> str:
    """Where a fetched photo is served (bot/web/media_routes.py), from its path under the media folder."""
    return f"/media/{path}"


class MediaStatus:
    PENDING = "pending"
    DONE = "done"
    FAILED = "failed"


class MediaDownload(Base):
    __tablename__ = "media_downloads"

    id: Mapped[int] = mapped_column(primary_key=True)
    platform: Mapped[str] = mapped_column(String(32))
    # "media-pending://<platform>/<msg id>/<n>": what ticket_images.url holds until the file is here.
    placeholder: Mapped[str] = mapped_column(String(300), unique=True)
    ref: Mapped[dict[str, object]] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(16), default=MediaStatus.PENDING)
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime]
    last_error: Mapped[str | None] = mapped_column(Text)
    # Under the media folder, once fetched: "<platform>/<name>.jpg".
    path: Mapped[str | None] = mapped_column(String(300))
    created_at: Mapped[datetime]

    __table_args__ = (Index("ix_media_downloads_status_next_attempt_at", "status", "next_attempt_at"),)
