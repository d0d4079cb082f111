"""A word that supervisors' corrections (转派, 改类) tied to a category and unit.

One row per (word, category, unit); `count` is how many corrected tickets held the word.
Rows are read by bot/tickets/routing_memory.py, listed and removed with `guanjia learned`.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base


class RoutingCorrection(Base):
    __tablename__ = "routing_corrections"

    id: Mapped[int] = mapped_column(primary_key=True)
    word: Mapped[str] = mapped_column(String(64))
    category: Mapped[str] = mapped_column(String(32))
    unit: Mapped[str] = mapped_column(String(32))
    count: Mapped[int] = mapped_column(default=0)
    # The corrected tickets the word came from, oldest first.
    ticket_ids: Mapped[list[Any]] = mapped_column(JSON, default=list)
    first_at: Mapped[datetime]
    last_at: Mapped[datetime]
    last_actor_id: Mapped[str] = mapped_column(String(128))

    __table_args__ = (UniqueConstraint("word", "category", "unit"),)
