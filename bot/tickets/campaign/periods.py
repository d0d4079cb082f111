"""Which 迎检 period covers an instant, and what it does to a new ticket's deadlines.

Asked at every dispatch, by the reminder sweep and by the digests, so it is one indexed
query on a table of a handful of rows. A period switched on in chat wins over one fixed in
the config file (it may end later); switched off, the config's own period applies again.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import bindparam, or_, select
from sqlalchemy.orm import Session

from bot.tickets.campaign.dates import day_text
from config.schema import GuanjiaConfig
from models import CampaignPeriod


@dataclass(frozen=True)
class ActivePeriod:
    """A campaign period in force: [start, end) in UTC; `end_day` is its last local day."""

    name: str
    start: datetime
    end: datetime
    end_day: date
    # "chat" (迎检模式 开启, a campaign_periods row) or "config" (campaign.period).
    source: str
    period_id: int | None = None
    started_by: str | None = None

    def days_left(self, cfg: GuanjiaConfig, now: datetime) -> int:
        """Whole days after today until the last day (0 on the last day itself)."""
        return max((self.end_day - local_date(cfg, now)).days, 0)


def local_date(cfg: GuanjiaConfig, instant: datetime) -> date:
    return instant.astimezone(ZoneInfo(cfg.timezone)).date()


def end_of_day(cfg: GuanjiaConfig, day: date) -> datetime:
    """The UTC instant the local day ends (the next local midnight)."""
    return datetime.combine(day + timedelta(days=1), time(0), tzinfo=ZoneInfo(cfg.timezone)).astimezone(UTC)


def chat_period_at(session: Session, at: datetime, *, for_update: bool = False) -> CampaignPeriod | None:
    query = (
        select(CampaignPeriod)
        .where(CampaignPeriod.starts_at <= at, CampaignPeriod.ends_at > at)
        .where(or_(CampaignPeriod.stopped_at.is_(None), CampaignPeriod.stopped_at > at))
        .order_by(CampaignPeriod.starts_at.desc(), CampaignPeriod.id.desc())
        .limit(1)
    )
    return session.scalars(query.with_for_update() if for_update else query).first()


def configured_period_at(cfg: GuanjiaConfig, at: datetime) -> ActivePeriod | None:
    period = cfg.campaign.period
    if period is None:
        return None
    start = end_of_day(cfg, period.start - timedelta(days=1))
    end = end_of_day(cfg, period.end)
    if not start <= at < end:
        return None
    return ActivePeriod(period.name or cfg.campaign.name, start, end, period.end, "config")


def period_at(session: Session, cfg: GuanjiaConfig, at: datetime) -> ActivePeriod | None:
    """The campaign period in force at `at`, or None."""
    row = chat_period_at(session, at)
    if row is not None:
        return ActivePeriod(row.name, row.starts_at, row.ends_at, row.end_day, "chat", row.id, row.started_by_name)
    return configured_period_at(cfg, at)


# Asked at every dispatch (every report): built once, run as plain Core on the session's
# connection, an id only — no ORM row, no autoflush.
_IN_FORCE = (
    select(CampaignPeriod.id)
    .where(CampaignPeriod.starts_at <= bindparam("at"), CampaignPeriod.ends_at > bindparam("at"))
    .where(or_(CampaignPeriod.stopped_at.is_(None), CampaignPeriod.stopped_at > bindparam("at")))
    .limit(1)
)


def deadline_factor(session: Session, cfg: GuanjiaConfig, category: str, urgent: bool, at: datetime) -> float:
    """What a ticket dispatched at `at` multiplies its category's hours by: 1 outside a period.

    Urgent tickets keep their hours: they are set for danger to people and already short.
    """
    if urgent:
        return 1.0
    in_force = session.connection().execute(_IN_FORCE, {"at": at}).first() is not None
    if not in_force and configured_period_at(cfg, at) is None:
        return 1.0
    return cfg.campaign.factor_for(category)


def countdown_line(cfg: GuanjiaConfig, period: ActivePeriod, now: datetime) -> str:
    """The line the daily and weekly digests carry while a period is on."""
    left = period.days_left(cfg, now)
    when = "今天是最后一天" if left == 0 else f"还有 {left} 天"
    return f"⏳ 迎检倒计时：距{period.name}结束{when}（至 {day_text(period.end_day)}）"
