"""A person who signs in to the web ledger (bot/web): supervisor, unit member or viewer.

Web users are not chat senders: their role and unit come from this row, not from the config.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base


class UserRole:
    SUPERVISOR = "supervisor"  # 创城办: sees and acts on every ticket
    UNIT = "unit"  # a unit's liaison: sees and acts on the unit's tickets
    VIEWER = "viewer"  # leaders and others: read only

    ALL = (SUPERVISOR, UNIT, VIEWER)
    LABELS = {SUPERVISOR: "创城办", UNIT: "单位成员", VIEWER: "只读"}


class User(Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(64))
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(16))
    # The unit code for role "unit"; None otherwise.
    unit: Mapped[str | None] = mapped_column(String(32))
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime]
    last_login_at: Mapped[datetime | None]
