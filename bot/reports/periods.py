"""Reporting periods: local days, weeks (Monday–Sunday) and months, as UTC instants.

Everything shown is in the deployment's time zone and everything stored is UTC, so a
period is named by local dates and queried by the UTC instants of its local midnights.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from config.schema import GuanjiaConfig

WEEKDAYS = "一二三四五六日"


@dataclass(frozen=True)
class Period:
    """Local dates [first, last] inclusive; `start`/`end` are the UTC instants [start, end)."""

    first: date
    last: date
    start: datetime
    end: datetime

    @property
    def label(self) -> str:
        if self.first == self.last:
            return f"{self.first.month}月{self.first.day}日（周{WEEKDAYS[self.first.weekday()]}）"
        return f"{self.first.month}月{self.first.day}日—{self.last.month}月{self.last.day}日"

    def as_of(self, now: datetime) -> datetime:
        """Where the period's figures stop (exclusive): its end, or just after now if it is not
        over, so what happened at `now` itself counts."""
        return min(self.end, now + timedelta(microseconds=1))


def local_midnight(cfg: GuanjiaConfig, day: date) -> datetime:
    return datetime.combine(day, time(0), tzinfo=ZoneInfo(cfg.timezone)).astimezone(UTC)


def local_date(cfg: GuanjiaConfig, instant: datetime) -> date:
    return instant.astimezone(ZoneInfo(cfg.timezone)).date()


def local_naive(cfg: GuanjiaConfig, instant: datetime | None) -> datetime | None:
    """Local wall-clock time without a zone (what a spreadsheet cell holds)."""
    if instant is None:
        return None
    return instant.astimezone(ZoneInfo(cfg.timezone)).replace(tzinfo=None)


def dates(cfg: GuanjiaConfig, first: date, last: date) -> Period:
    return Period(first, last, local_midnight(cfg, first), local_midnight(cfg, last + timedelta(days=1)))


def day(cfg: GuanjiaConfig, on: date) -> Period:
    return dates(cfg, on, on)


def week_containing(cfg: GuanjiaConfig, on: date) -> Period:
    monday = on - timedelta(days=on.weekday())
    return dates(cfg, monday, monday + timedelta(days=6))


def previous_week(cfg: GuanjiaConfig, on: date) -> Period:
    """The last full Monday–Sunday week before the week that contains `on`."""
    return week_containing(cfg, on - timedelta(days=7))


def month_containing(cfg: GuanjiaConfig, on: date) -> Period:
    first = on.replace(day=1)
    next_first = (first + timedelta(days=32)).replace(day=1)
    return dates(cfg, first, next_first - timedelta(days=1))


def previous_month(cfg: GuanjiaConfig, on: date) -> Period:
    """The last full calendar month before the month that contains `on`."""
    return month_containing(cfg, on.replace(day=1) - timedelta(days=1))


def before(cfg: GuanjiaConfig, period: Period) -> Period:
    """The period of the same kind just before `period` (week → week, month → month)."""
    length = (period.last - period.first).days + 1
    if period.first.day == 1 and length >= 28:
        return previous_month(cfg, period.first)
    return dates(cfg, period.first - timedelta(days=length), period.first - timedelta(days=1))
