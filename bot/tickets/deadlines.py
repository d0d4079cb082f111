"""Claim and fix deadlines from the category (or the urgent rule).

A category counts in natural hours or in working hours (config `clock`); urgent tickets
always count in natural hours — a missing manhole cover does not wait for Monday.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.tickets.work_calendar import WorkCalendar
from config.schema import GuanjiaConfig


@dataclass(frozen=True)
class TimeLimits:
    claim_hours: float
    fix_hours: float
    working_time: bool = False


def time_limits(cfg: GuanjiaConfig, category: str, urgent: bool) -> TimeLimits:
    if urgent:
        return TimeLimits(cfg.urgent.claim_hours, cfg.urgent.fix_hours)
    spec = cfg.categories[category]
    return TimeLimits(spec.claim_hours, spec.fix_hours, spec.clock == "working")


def deadlines_from(cfg: GuanjiaConfig, start: datetime, limits: TimeLimits) -> tuple[datetime, datetime]:
    if limits.working_time:
        calendar = WorkCalendar(cfg)
        claim = calendar.add_working_hours(start, limits.claim_hours)
        return claim, calendar.add_working_hours(start, limits.fix_hours)
    return start + timedelta(hours=limits.claim_hours), start + timedelta(hours=limits.fix_hours)
