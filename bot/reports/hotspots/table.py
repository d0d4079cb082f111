"""The /hotspots page's area × category table: problem counts per 属地 and category in a period.

Grouped and counted in SQL (filtered on the indexed created_at), so the page costs one query
whatever the number of tickets; cancelled duplicates do not count, as in the hotspot rule.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from config.schema import GuanjiaConfig
from models import Ticket, TicketStatus

NO_AREA = "未定属地"


@dataclass(frozen=True)
class AreaRow:
    area: str
    counts: dict[str, int] = field(default_factory=dict)  # category code -> problems

    @property
    def total(self) -> int:
        return sum(self.counts.values())


@dataclass(frozen=True)
class AreaTable:
    categories: list[str]  # the category codes with at least one problem, config order
    rows: list[AreaRow]  # most problems first

    def column_total(self, category: str) -> int:
        return sum(r.counts.get(category, 0) for r in self.rows)

    @property
    def total(self) -> int:
        return sum(r.total for r in self.rows)


def area_table(
    session: Session, cfg: GuanjiaConfig, start: datetime, end: datetime, unit: str | None = None
) -> AreaTable:
    """Problems reported in [start, end) per area and category; only `unit`'s when given (a unit
    member sees the counts of their own unit's tickets, as on the ledger)."""
    n = func.count(Ticket.id)
    query = (
        select(Ticket.area, Ticket.category, n)
        .where(Ticket.created_at >= start, Ticket.created_at < end, Ticket.status != TicketStatus.CANCELLED)
        .group_by(Ticket.area, Ticket.category)
    )
    if unit is not None:
        query = query.where(Ticket.unit == unit)
    found = session.execute(query).all()
    by_area: dict[str, dict[str, int]] = {}
    for area, category, count in found:
        cells = by_area.setdefault(area or NO_AREA, {})
        cells[category] = cells.get(category, 0) + count
    used = {c for cells in by_area.values() for c in cells}
    order = [c for c in cfg.categories if c in used] + sorted(used - set(cfg.categories))
    rows = [AreaRow(area, cells) for area, cells in by_area.items()]
    rows.sort(key=lambda r: (-r.total, r.area))
    return AreaTable(order, rows)
