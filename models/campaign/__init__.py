"""A 迎检 campaign period switched on in chat, and the events of switching it on, changing it and off.

A period fixed in the config file (`campaign.period`) has no row: the config is its record.
Every change to a period is one `CampaignEvent` row, written only by bot/tickets/campaign/.
A package, not a module, because models/ is at the 15-modules-per-folder limit.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base


class CampaignEventType:
    STARTED = "started"  # 迎检模式 开启 (data: end_day)
    CHANGED = "changed"  # 开启 again while on: a new end day (data: from_day, to_day)
    STOPPED = "stopped"  # 迎检模式 关闭 before the end day


class CampaignPeriod(Base):
    __tablename__ = "campaign_periods"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(64))
    # From the moment it was switched on to the end of its last local day (exclusive).
    starts_at: Mapped[datetime]
    ends_at: Mapped[datetime]
    # The last day, as typed (local date), for replies and the banner.
    end_day: Mapped[date]
    started_by_id: Mapped[str] = mapped_column(String(128))
    started_by_name: Mapped[str] = mapped_column(String(128))
    # Set when switched off before ends_at (迎检模式 关闭).
    stopped_at: Mapped[datetime | None]
    stopped_by_id: Mapped[str | None] = mapped_column(String(128))
    stopped_by_name: Mapped[str | None] = mapped_column(String(128))

    # "Which period covers instant t": the latest by start.
    __table_args__ = (Index("ix_campaign_periods_starts_at", "starts_at"),)


class CampaignEvent(Base):
    __tablename__ = "campaign_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    period_id: Mapped[int] = mapped_column(ForeignKey("campaign_periods.id", ondelete="CASCADE"), index=True)
    type: Mapped[str] = mapped_column(String(32))
    actor_id: Mapped[str] = mapped_column(String(128))
    actor_name: Mapped[str] = mapped_column(String(128))
    # bot.core.actor.ActorKind: how the server received it (chat | web | system).
    actor_kind: Mapped[str] = mapped_column(String(16))
    source_msg_id: Mapped[str | None] = mapped_column(String(200))
    at: Mapped[datetime]
    data: Mapped[dict[str, Any] | None] = mapped_column(JSON)
