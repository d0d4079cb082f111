"""The digest's 督查 section: points checked, problems per point type, the worst points.

The offices count their work in 点位 and 个次 ("累计检查点位 45034 个次，交办问题 13634 个"),
so the section says it the same way, for the rounds started and problems found in the period.
"""

from __future__ import annotations

from collections import Counter
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.inspections.overview import point_rows
from bot.inspections.points import point_name
from bot.reports.periods import Period
from config.schema import GuanjiaConfig
from models import OPEN_STATUSES, InspectionRound, Ticket

# How many points the 问题最多 line names.
WORST_POINTS = 3


def points_lines(session: Session, cfg: GuanjiaConfig, period: Period, now: datetime, word: str) -> list[str]:
    """The section's lines; none when the deployment has no points configured."""
    if not cfg.points.list:
        return []
    in_period = (InspectionRound.started_at >= period.start, InspectionRound.started_at < period.end)
    rounds = list(session.execute(select(InspectionRound.point_id, InspectionRound.failed_items).where(*in_period)))
    stale = sum(r.flagged for r in point_rows(session, cfg, now))
    stale_line = f"超过{cfg.points.max_days_between_rounds}天未督查的点位：{stale}个"
    if not rounds:
        return [f"督查：{word}没有督查记录", stale_line]
    found = list(
        session.execute(
            select(Ticket.point_id, Ticket.status).where(
                Ticket.point_id.is_not(None),
                Ticket.duplicate_of.is_(None),
                Ticket.created_at >= period.start,
                Ticket.created_at < period.end,
            )
        )
    )
    failed = sum(len(items) for _, items in rounds)
    lines = [
        f"督查：检查点位{len({p for p, _ in rounds})}个（{len(rounds)}个次），"
        f"发现问题{len(found)}个，检查项不合格{failed}项"
    ]
    by_type: Counter[str] = Counter()
    by_point: Counter[str] = Counter()
    open_at: Counter[str] = Counter()
    for found_at, status in found:
        point_id = str(found_at)  # never None: the query keeps linked tickets only
        point = cfg.points.list.get(point_id)
        by_type[point.type if point else "其他"] += 1
        by_point[point_id] += 1
        open_at[point_id] += status in OPEN_STATUSES
    if by_type:
        lines.append("　按点位类型：" + "、".join(f"{kind}{n}个" for kind, n in by_type.most_common()))
        worst = [f"{point_name(cfg, p)}{n}个（未办结{open_at[p]}）" for p, n in by_point.most_common(WORST_POINTS)]
        lines.append("　问题最多的点位：" + "；".join(worst))
    lines.append(stale_line)
    return lines
