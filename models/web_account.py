"""Server-side state of web accounts: sessions, share links, login throttling, export jobs.

Kept in the database (not in a process's memory or in a signed cookie) so that every
worker sees the same state, a restart forgets nothing, and logout, a password change or a
disabled user can end a session or a share link at once.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base


class WebSession(Base):
    """One signed-in browser. The cookie holds a random token; only its SHA-256 is stored,
    so a copy of the database does not let anyone sign in."""

    __tablename__ = "web_sessions"

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    csrf: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime] = mapped_column(index=True)


class ShareLink(Base):
    """A read-only link for leaders; revoked one at a time, or with its creator's password."""

    __tablename__ = "share_links"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_by: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    revoked_at: Mapped[datetime | None]


class LoginThrottle(Base):
    """Login attempts of one key ("acct:<name>|<client>" or "client:<client>").

    `attempts` counts attempts not followed by a successful login; from the limit on, each
    attempt pushes `locked_until` further out. Rows untouched for a while are deleted.
    """

    __tablename__ = "login_throttle"
    __table_args__ = (Index("ix_login_throttle_updated_at", "updated_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(255), unique=True)
    attempts: Mapped[int] = mapped_column(default=0)
    locked_until: Mapped[datetime | None]
    updated_at: Mapped[datetime]


class ExportJob(Base):
    """A large ledger export, written off the request path by the scheduler's export worker.

    The filter is the ledger's query string and the requester's unit scope, so the worker
    selects exactly what the requester's page showed; only the requester (or the 创城办) may
    download the file, and it is removed a day after it was made.
    """

    __tablename__ = "export_jobs"

    id: Mapped[int] = mapped_column(primary_key=True)
    status: Mapped[str] = mapped_column(String(16), index=True)  # queued, running, done, failed
    requested_by: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    scope_unit: Mapped[str | None] = mapped_column(String(32))
    filter_query: Mapped[str] = mapped_column(String(2000))
    rows_done: Mapped[int] = mapped_column(default=0)
    rows_total: Mapped[int] = mapped_column(default=0)
    file_path: Mapped[str | None] = mapped_column(String(500))
    error: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[datetime]
    heartbeat_at: Mapped[datetime | None]  # the running worker's last progress; stale = the worker died
    finished_at: Mapped[datetime | None]
