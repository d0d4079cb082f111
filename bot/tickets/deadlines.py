"""Claim and fix deadlines from the category (or the urgent rule).

A category counts in natural hours or in working hours (config `clock`); urgent tickets
always count in natural hours — a missing manhole cover does not wait for Monday.
During 迎检 (bot/tickets/campaign/) the hours are multiplied by the campaign's factor,
never below `campaign.min_hours`.

A ticket reopened by 验收不通过 gets its fix deadline from `rework_deadline` (the rule and why
are in its docstring).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from bot.tickets.work_calendar import WorkCalendar
from config.schema import GuanjiaConfig
from models import Ticket


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


@dataclass(frozen=True)
class Rework:
    """The fix deadline of a ticket sent back to its unit by 验收不通过, and the `reopened`
    event's data: the deadline it had, and `missed` (the deadline it had already missed when
    the fix was reported) when the fix came late."""

    deadline: datetime | None
    data: dict[str, Any]


def rework_deadline(cfg: GuanjiaConfig, ticket: Ticket, now: datetime, factor: float = 1.0) -> Rework:
    """The fix deadline after 验收不通过 at `now`: the later of

    * what the unit had left when it reported the fix (the old deadline plus the time the fix
      waited for verification: that wait is the verifier's, not the unit's), counted only when
      the fix was reported by the deadline; and
    * a rework window from now: `lifecycle.rework_share` of the category's (or the urgent rule's)
      fix hours, on its clock and with the 迎检 `factor`, as at dispatch.

    Why: a fix reported after its deadline used to get "old deadline + wait", a time already past
    (the 超期 alarm fired again at once, and a 整改提醒 could speak of a passed deadline as 还剩).
    The 创城办 expects a reopened ticket to give the unit a real chance to redo the work, so it
    always gets the window. But a late fix stays late: the missed deadline is recorded on the
    event (`missed`), and bot/reports/kpi.py never counts such a ticket as fixed on time, so
    failing a late fix cannot improve the unit's 按期整改率 or hide it from 超期数.
    """
    old = ticket.fix_deadline
    if old is None:
        return Rework(None, {})
    limits = time_limits(cfg, ticket.category, ticket.urgent, factor)
    share = cfg.lifecycle.rework_share
    window = TimeLimits(limits.claim_hours, limits.fix_hours * share, limits.working_time)
    _, floor = deadlines_from(cfg, now, window)
    data: dict[str, Any] = {"deadline_before": old.isoformat()}
    fixed_at = ticket.fixed_at
    if fixed_at is not None and fixed_at > old:
        data["missed"] = old.isoformat()
        return Rework(floor, data)
    kept = old + (now - fixed_at) if fixed_at is not None else old
    return Rework(max(kept, floor), data)
