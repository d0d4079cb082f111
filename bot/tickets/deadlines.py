"""Claim and fix deadlines from the category (or the urgent rule).

A category counts in natural hours or in working hours (config `clock`); urgent tickets
always count in natural hours — a missing manhole cover does not wait for Monday.
During 迎检 (bot/tickets/campaign/) the hours are multiplied by the campaign's factor,
never below `campaign.min_hours`.
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


def time_limits(cfg: GuanjiaConfig, category: str, urgent: bool, factor: float = 1.0) -> TimeLimits:
    """The category's (or the urgent rule's) hours, × `factor` (迎检) with the campaign's floor."""
    if urgent:
        limits = TimeLimits(cfg.urgent.claim_hours, cfg.urgent.fix_hours)
    else:
        spec = cfg.categories[category]
        limits = TimeLimits(spec.claim_hours, spec.fix_hours, spec.clock == "working")
    if factor == 1.0:
        return limits
    floor = cfg.campaign.min_hours
    return TimeLimits(
        max(limits.claim_hours * factor, min(floor, limits.claim_hours)),
        max(limits.fix_hours * factor, min(floor, limits.fix_hours)),
        limits.working_time,
    )


def deadlines_from(cfg: GuanjiaConfig, start: datetime, limits: TimeLimits) -> tuple[datetime, datetime]:
    if limits.working_time:
        calendar = WorkCalendar(cfg)
        claim = calendar.add_working_hours(start, limits.claim_hours)
        return claim, calendar.add_working_hours(start, limits.fix_hours)
    return start + timedelta(hours=limits.claim_hours), start + timedelta(hours=limits.fix_hours)
