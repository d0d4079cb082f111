"""The points page's numbers: per 测评点位, its last round, how often it was inspected, open problems.

A point is flagged when nobody has inspected it for `points.max_days_between_rounds` days (or
ever): those are the points an assessment team could walk into unchecked.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from config.schema import GuanjiaConfig
from models import OPEN_STATUSES, InspectionRound, Ticket


@dataclass(frozen=True)
class PointRow:
    code: str
    name: str
    type: str
    area: str
    unit: str
    times_inspected: int
    last_started: datetime | None
    last_inspector: str | None
    last_failed_items: int
    problems_found: int
    open_problems: int
    days_since: int | None  # whole days since the last round; None: never inspected
    flagged: bool


def point_rows(session: Session, cfg: GuanjiaConfig, now: datetime) -> list[PointRow]:
    """Every configured point, flagged ones first, then in config order."""
    counts = _counts(session, select(InspectionRound.point_id, func.count()).group_by(InspectionRound.point_id))
    latest = (
        select(InspectionRound.point_id, func.max(InspectionRound.id).label("last_id"))
        .group_by(InspectionRound.point_id)
        .subquery()
    )
    last = {
        r.point_id: r
        for r in session.scalars(select(InspectionRound).join(latest, InspectionRound.id == latest.c.last_id))
    }
    per_point = select(Ticket.point_id, func.count()).where(Ticket.point_id.is_not(None)).group_by(Ticket.point_id)
    found = _counts(session, per_point.where(Ticket.duplicate_of.is_(None)))
    still_open = _counts(session, per_point.where(Ticket.status.in_(OPEN_STATUSES)))
    limit = timedelta(days=cfg.points.max_days_between_rounds)
    rows = []
    for code, point in cfg.points.list.items():
        round_ = last.get(code)
        age = now - round_.started_at if round_ else None
        rows.append(
            PointRow(
                code=code,
                name=point.name,
                type=point.type,
                area=point.area,
                unit=cfg.unit_name(point.unit),
                times_inspected=counts.get(code, 0),
                last_started=round_.started_at if round_ else None,
                last_inspector=round_.inspector_name if round_ else None,
                last_failed_items=len(round_.failed_items) if round_ else 0,
                problems_found=found.get(code, 0),
                open_problems=still_open.get(code, 0),
                days_since=age.days if age is not None else None,
                flagged=age is None or age > limit,
            )
        )
    return sorted(rows, key=lambda r: not r.flagged)


def _counts(session: Session, query: Select[Any, int]) -> dict[str, int]:
    return {str(key): int(n) for key, n in session.execute(query).all()}
