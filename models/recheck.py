"""回头看: a closed ticket sampled for re-inspection, its inspector and what they found."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base


class RecheckResult:
    PASSED = "passed"  # 仍合格
    REBOUND = "rebound"  # 反弹: the ticket was reopened to its unit


class Recheck(Base):
    __tablename__ = "rechecks"

    id: Mapped[int] = mapped_column(primary_key=True)
    # Unique: a ticket is sampled once, however often the sweep runs or the ticket closes again.
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id", ondelete="CASCADE"), unique=True)
    # The unit that had fixed it when it was sampled: a 反弹 counts against this unit.
    unit: Mapped[str] = mapped_column(String(32))
    inspector_id: Mapped[str] = mapped_column(String(128))
    sampled_at: Mapped[datetime]
    result: Mapped[str | None] = mapped_column(String(16))
    result_at: Mapped[datetime | None]
    result_by: Mapped[str | None] = mapped_column(String(128))
    note: Mapped[str | None] = mapped_column(Text)

    # 反弹率 counts the results given in a period (bot/reports/aftercare_kpi.py).
    __table_args__ = (Index("ix_rechecks_result_at", "result_at"),)
