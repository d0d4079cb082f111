"""反弹率 and 满意率: the after-closing KPIs, merged into each unit's `UnitKpi` (bot/reports/kpi.py).

Definitions (also the README's KPI table), for unit U and period P = [start, end):

* 回头看数: 回头看 results recorded in P (`rechecks.result_at` in P) for tickets U had fixed
  when they were sampled (`rechecks.unit` = U). 反弹数: those found 反弹.
  反弹率 = 反弹数 / 回头看数. Sampled tickets still waiting for their result do not count.
* 评价数: 满意 and 不满意 answers given in P (`satisfied` / `dissatisfied` events, at in P) on
  tickets U held when the reporter answered (event data.unit = U). 满意数: the 满意 ones.
  满意率 = 满意数 / 评价数. Closed tickets nobody rated do not count.

Kept apart from kpi.py so that module stays about the dispatch-to-close cycle; each figure is
one grouped aggregate over an indexed range (rechecks by result_at, events by (type, at)).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from bot.reports.periods import Period
from models import EventType, Recheck, RecheckResult, TicketEvent


def _count_if(condition: Any) -> Any:
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


def rechecks(session: Session, period: Period) -> dict[str, dict[str, int]]:
    query = (
        select(Recheck.unit, func.count(), _count_if(Recheck.result == RecheckResult.REBOUND))
        .where(Recheck.result_at >= period.start, Recheck.result_at < period.end, Recheck.result.is_not(None))
        .group_by(Recheck.unit)
    )
    return {u: {"rechecked": n, "rebounds": bad} for u, n, bad in session.execute(query)}


def satisfaction(session: Session, period: Period) -> dict[str, dict[str, int]]:
    unit = TicketEvent.data["unit"].as_string()
    answers = (EventType.SATISFIED, EventType.DISSATISFIED)
    query = (
        select(unit, func.count(), _count_if(TicketEvent.type == EventType.SATISFIED))
        .where(TicketEvent.type.in_(answers), TicketEvent.at >= period.start, TicketEvent.at < period.end)
        .group_by(unit)
    )
    return {u: {"rated": n, "satisfied": good} for u, n, good in session.execute(query) if u}
