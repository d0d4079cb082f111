"""An inspection round (督查): one inspector at one 测评点位, from 督查 to 督查结束 (or the time limit).

The point is a code from `points.list` in the config (a clerk edits points there), so it is
stored as a string, not a foreign key. Every change to a round is one `InspectionEvent` row.
A package, not a module, because models/ is at the 15-modules-per-folder limit.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base


class RoundEventType:
    STARTED = "started"
    ITEMS_FAILED = "items_failed"
    PROBLEM_LINKED = "problem_linked"
    ENDED = "ended"  # data.how: "command" (督查结束) or "timeout"


class InspectionRound(Base):
    __tablename__ = "inspection_rounds"

    id: Mapped[int] = mapped_column(primary_key=True)
    point_id: Mapped[str] = mapped_column(String(64))
    inspector_id: Mapped[str] = mapped_column(String(128))
    inspector_name: Mapped[str] = mapped_column(String(128))
    group_id: Mapped[str] = mapped_column(String(128))
    started_at: Mapped[datetime]
    # None while the round is open.
    ended_at: Mapped[datetime | None]
    # Checklist item numbers (1-based, of the point type's checklist) marked 不合格.
    failed_items: Mapped[list[int]] = mapped_column(JSON, default=list)

    __table_args__ = (
        # The open round of an inspector in a group; the points page's last round per point.
        Index("ix_inspection_rounds_inspector_group", "inspector_id", "group_id", "ended_at"),
        Index("ix_inspection_rounds_point_started", "point_id", "started_at"),
    )


class InspectionEvent(Base):
    __tablename__ = "inspection_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("inspection_rounds.id", ondelete="CASCADE"), index=True)
    type: Mapped[str] = mapped_column(String(32))
    actor_id: Mapped[str] = mapped_column(String(128))
    actor_name: Mapped[str] = mapped_column(String(128))
    at: Mapped[datetime]
    data: Mapped[dict[str, Any] | None] = mapped_column(JSON)
