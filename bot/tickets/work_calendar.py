"""Working time: which days are working days, and adding N working hours to an instant.

Chinese public holidays and 调休 make-up working days come from the chinese-calendar package,
which ships each year's official schedule; a year it does not know yet falls back to Monday–
Friday (with a warning) until the clerk lists that year's days under calendar.extra_*.
"""

from __future__ import annotations

import logging
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

from config.schema import GuanjiaConfig

log = logging.getLogger(__name__)
_MAX_DAYS_AHEAD = 800


@lru_cache(maxsize=8)
def _warn_unknown_year(year: int) -> None:
    log.warning(
        "chinese-calendar has no holiday data for %s: counting Monday–Friday as working days; "
        "list that year's holidays and make-up days under calendar.extra_holidays / extra_workdays",
        year,
    )


def _chinese_workday(day: date) -> bool | None:
    import chinese_calendar

    try:
        return bool(chinese_calendar.is_workday(day))
    except NotImplementedError:
        _warn_unknown_year(day.year)
        return None


class WorkCalendar:
    def __init__(self, cfg: GuanjiaConfig) -> None:
        self.zone = ZoneInfo(cfg.timezone)
        self.calendar = cfg.calendar
        self._holidays = set(cfg.calendar.extra_holidays)
        self._workdays = set(cfg.calendar.extra_workdays)
        self._intervals = sorted(
            ((i.start_time, i.end_time) for i in cfg.calendar.office_hours if i.start_time < i.end_time),
        )

    def is_workday(self, day: date) -> bool:
        if day in self._holidays:
            return False
        if day in self._workdays:
            return True
        if self.calendar.holidays == "chinese":
            known = _chinese_workday(day)
            if known is not None:
                return known
        return day.weekday() < 5

    def add_working_hours(self, start: datetime, hours: float) -> datetime:
        """The instant `hours` of office time after `start` (an aware datetime)."""
        remaining = timedelta(hours=hours)
        cursor = start.astimezone(self.zone)
        day = cursor.date()
        for _ in range(_MAX_DAYS_AHEAD):
            if self.is_workday(day):
                for begin, end in self._intervals:
                    opens = datetime.combine(day, begin, self.zone)
                    closes = datetime.combine(day, end, self.zone)
                    if cursor >= closes:
                        continue
                    segment_start = max(cursor, opens)
                    available = closes - segment_start
                    if remaining <= available:
                        return (segment_start + remaining).astimezone(UTC)
                    remaining -= available
                    cursor = closes
            day += timedelta(days=1)
            cursor = datetime.combine(day, datetime.min.time(), self.zone)
        raise ValueError("no working time found in the next two years: check calendar.office_hours")

    def working_hours_between(self, start: datetime, end: datetime) -> float:
        """Office hours between two instants (for reports on how late a ticket is)."""
        if end <= start:
            return 0.0
        total = timedelta()
        day = start.astimezone(self.zone).date()
        last = end.astimezone(self.zone).date()
        while day <= last:
            if self.is_workday(day):
                for begin, finish in self._intervals:
                    lo = max(start, datetime.combine(day, begin, self.zone))
                    hi = min(end, datetime.combine(day, finish, self.zone))
                    if hi > lo:
                        total += hi - lo
            day += timedelta(days=1)
        return total.total_seconds() / 3600
