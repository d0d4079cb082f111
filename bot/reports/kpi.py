"""The unit KPIs (考核指标), computed in one place for digests, the ledger and the web pages.

Definitions (also the README's KPI table), for unit U and period P = [start, end):

* 派单数: distinct tickets dispatched to U in P — a `dispatched` event with data.unit = U or
  a `reassigned` (转派) event with data.to_unit = U, at in P. Cancelled tickets never count.
  A ticket sent to three units counts once for each; the district's 派单数 (`district_total`)
  counts each ticket once, so it is not the sum of the units'.
* The **cohort** of U in P: tickets still held by U whose (latest) dispatch to U is in P.
  Tickets that left U (退回, or 转派 elsewhere) are in 派单数 but not in the cohort; the
  rates below are over the cohort. Outcomes are measured at the end of P, so a closed
  period's numbers do not drift when asked again later.
* 认领数 / 整改数 / 销账: cohort tickets claimed / reported fixed / verified (closed) by the end.
* 响应率: claimed by the claim deadline / cohort tickets claimed or whose claim deadline passed.
* 解决率: closed / cohort.  按期整改率: fixed by the fix deadline / fixed — never a ticket
  whose fix was reported late and then failed 验收 (a `reopened` event with data.missed): its
  rework deadline (bot/tickets/deadlines.py) gives time to redo the work, not a clean record.
* 平均认领时长, 平均整改时长: hours from dispatch to claim, to the (last) fix report; waiting
  for verification after it does not count.
* 超期数: U's tickets whose fix deadline fell in P and that were not fixed by it (a late fix
  sent back by 验收不通过 counts once its rework deadline has passed, even if redone in time).
* 退回数: `returned` events in P with data.from_unit = U.  返工数: `reopened` events in P.
* 一次验收通过率: of U's tickets whose first verification happened in P, the share that passed.
* 反弹率, 满意率: defined in bot/reports/aftercare_kpi.py (回头看 and 满意度 after closing).

Every figure is one grouped SQL aggregate over an indexed range (events by (type, at),
tickets by dispatched_at / fix_deadline), so the cost follows the period, not the history.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, fields, replace
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, and_, case, exists, func, or_, select
from sqlalchemy.orm import Session, aliased

from bot.reports import aftercare_kpi
from bot.reports.periods import Period
from config.schema import GuanjiaConfig
from models import EventType, Ticket, TicketEvent, TicketStatus

E = EventType
# Tickets a unit holds; triage and cancelled ones never count. Written as IN (not NOT IN)
# so the (status, fix_deadline) index serves the 超期数 range.
COUNTED = (TicketStatus.DISPATCHED, TicketStatus.CLAIMED, TicketStatus.FIXED, TicketStatus.CLOSED)


@dataclass(frozen=True)
class UnitKpi:
    unit: str
    dispatched: int = 0  # 派单数
    cohort: int = 0  # of those, still held by the unit
    claimed: int = 0  # 认领数
    response_due: int = 0
    claimed_on_time: int = 0
    fixed: int = 0  # 整改数
    fixed_on_time: int = 0
    closed: int = 0
    claim_hours_total: float = 0.0
    fix_hours_total: float = 0.0
    overdue: int = 0  # 超期数
    returned: int = 0  # 退回数
    reopened: int = 0  # 返工数
    first_verified: int = 0
    first_passed: int = 0
    rechecked: int = 0  # 回头看数
    rebounds: int = 0  # 反弹数
    rated: int = 0  # 评价数 (满意 + 不满意)
    satisfied: int = 0  # 满意数

    @property
    def moved_out(self) -> int:
        return max(self.dispatched - self.cohort, 0)

    @property
    def response_rate(self) -> float | None:
        return _ratio(self.claimed_on_time, self.response_due)

    @property
    def resolution_rate(self) -> float | None:
        return _ratio(self.closed, self.cohort)

    @property
    def on_time_fix_rate(self) -> float | None:
        return _ratio(self.fixed_on_time, self.fixed)

    @property
    def first_pass_rate(self) -> float | None:
        return _ratio(self.first_passed, self.first_verified)

    @property
    def rebound_rate(self) -> float | None:
        return _ratio(self.rebounds, self.rechecked)

    @property
    def satisfaction_rate(self) -> float | None:
        return _ratio(self.satisfied, self.rated)

    @property
    def avg_claim_hours(self) -> float | None:
        return _ratio(self.claim_hours_total, self.claimed)

    @property
    def avg_fix_hours(self) -> float | None:
        return _ratio(self.fix_hours_total, self.fixed)

    @property
    def active(self) -> bool:
        counts = (self.dispatched, self.cohort, self.overdue, self.returned, self.reopened, self.first_verified)
        return any((*counts, self.rechecked, self.rated))

    def as_dict(self) -> dict[str, Any]:
        """Counts and derived rates, for JSON (the web pages) and the ledger's summary sheet."""
        data: dict[str, Any] = {f.name: getattr(self, f.name) for f in fields(self)}
        for name in (*RATE_NAMES, *AFTERCARE_RATE_NAMES, "avg_claim_hours", "avg_fix_hours", "moved_out"):
            data[name] = getattr(self, name)
        return data


RATE_NAMES = ("response_rate", "resolution_rate", "on_time_fix_rate", "first_pass_rate")
# Shown beside the others, not (yet) weighted in the ranking: few tickets are re-inspected or rated.
AFTERCARE_RATE_NAMES = ("rebound_rate", "satisfaction_rate")


def _ratio(part: float, whole: float) -> float | None:
    return part / whole if whole else None


def total(kpis: Iterable[UnitKpi], unit: str = "全区") -> UnitKpi:
    """All units added up (the district line)."""
    result = UnitKpi(unit)
    for k in kpis:
        result = replace(
            result, **{f.name: getattr(result, f.name) + getattr(k, f.name) for f in fields(k) if f.name != "unit"}
        )
    return result


# --- SQL ----------------------------------------------------------------------------------


def _hours(session: Session, later: Any, earlier: Any) -> ColumnElement[Any]:
    if session.get_bind().dialect.name == "sqlite":
        return (func.julianday(later) - func.julianday(earlier)) * 24.0
    return func.extract("epoch", later - earlier) / 3600.0


def _count_if(condition: ColumnElement[bool]) -> ColumnElement[int]:
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


def _sum_if(condition: ColumnElement[bool], value: ColumnElement[Any]) -> ColumnElement[Any]:
    return func.coalesce(func.sum(case((condition, value), else_=0.0)), 0.0)


def _in_period(column: Any, period: Period) -> ColumnElement[bool]:
    return and_(column >= period.start, column < period.end)


def _sent_unit() -> ColumnElement[Any]:
    return func.coalesce(TicketEvent.data["to_unit"].as_string(), TicketEvent.data["unit"].as_string())


def _sent(period: Period) -> ColumnElement[bool]:
    """Every way a ticket is sent to a unit with fresh deadlines counts, as the cohort (by
    `dispatched_at`) does: 派单 and 转派, 改类 to another unit (from triage too), and the
    re-dispatch after 回头看反弹 or 不满意. Otherwise a unit showed more 认领 than 派单."""
    data = TicketEvent.data
    moved = (TicketEvent.type == E.RECATEGORIZED) & (data["from_unit"].as_string() != data["to_unit"].as_string())
    sent = TicketEvent.type.in_((E.DISPATCHED, E.REASSIGNED, E.REBOUND, E.DISSATISFIED)) | moved
    return and_(sent, _in_period(TicketEvent.at, period), Ticket.status != TicketStatus.CANCELLED)


def _dispatched(session: Session, period: Period) -> dict[str, dict[str, int]]:
    unit = _sent_unit()
    query = (
        select(unit, func.count(TicketEvent.ticket_id.distinct()))
        .join(Ticket, Ticket.id == TicketEvent.ticket_id)
        .where(_sent(period))
        .group_by(unit)
    )
    return {u: {"dispatched": n} for u, n in session.execute(query) if u}


def district_total(session: Session, period: Period, kpis: dict[str, UnitKpi]) -> UnitKpi:
    """The district line: the units' figures added up, except 派单数, which counts each ticket
    dispatched in P once however many units it was sent to (退回 then 转派 twice is one ticket
    dispatched, three units' 派单)."""
    query = (
        select(func.count(TicketEvent.ticket_id.distinct()))
        .join(Ticket, Ticket.id == TicketEvent.ticket_id)
        .where(_sent(period), _sent_unit().is_not(None))
    )
    return replace(total(kpis.values()), dispatched=session.scalar(query) or 0)


def _reopened_late() -> ColumnElement[bool]:
    """The ticket's fix was reported after its deadline and failed 验收 (event data.missed): it
    stays late whatever its rework deadline (bot/tickets/deadlines.py rework_deadline)."""
    return exists().where(
        TicketEvent.ticket_id == Ticket.id,
        TicketEvent.type == E.REOPENED,
        TicketEvent.data["missed"].as_string().is_not(None),
    )


def _cohort(session: Session, period: Period, as_of: datetime) -> dict[str, dict[str, Any]]:
    t = Ticket
    claimed = t.claimed_at < as_of
    fixed = t.fixed_at < as_of
    query = (
        select(
            t.unit,
            func.count(),
            _count_if(claimed),
            _count_if(or_(claimed, t.claim_deadline < as_of)),
            _count_if(and_(claimed, t.claimed_at <= t.claim_deadline)),
            _count_if(fixed),
            _count_if(and_(fixed, t.fixed_at <= t.fix_deadline, ~_reopened_late())),
            _count_if(t.closed_at < as_of),
            _sum_if(claimed, _hours(session, t.claimed_at, t.dispatched_at)),
            _sum_if(fixed, _hours(session, t.fixed_at, t.dispatched_at)),
        )
        .where(_in_period(t.dispatched_at, period), t.status.in_(COUNTED))
        .group_by(t.unit)
    )
    names = (
        "cohort",
        "claimed",
        "response_due",
        "claimed_on_time",
        "fixed",
        "fixed_on_time",
        "closed",
        "claim_hours_total",
        "fix_hours_total",
    )
    return {row[0]: dict(zip(names, row[1:], strict=True)) for row in session.execute(query)}


def _overdue(session: Session, period: Period, as_of: datetime) -> dict[str, dict[str, int]]:
    t = Ticket
    missed = or_(t.fixed_at.is_(None), t.fixed_at > t.fix_deadline, _reopened_late())
    passed = _in_period(t.fix_deadline, period) & (t.fix_deadline < as_of)
    query = select(t.unit, func.count()).where(passed, t.status.in_(COUNTED), missed).group_by(t.unit)
    return {u: {"overdue": n} for u, n in session.execute(query)}


def _returned(session: Session, period: Period) -> dict[str, dict[str, int]]:
    unit = TicketEvent.data["from_unit"].as_string()
    query = (
        select(unit, func.count())
        .where(TicketEvent.type == E.RETURNED, _in_period(TicketEvent.at, period))
        .group_by(unit)
    )
    return {u: {"returned": n} for u, n in session.execute(query) if u}


def _verification(session: Session, period: Period) -> dict[str, dict[str, int]]:
    outcomes = (E.VERIFIED, E.REOPENED)
    earlier = aliased(TicketEvent)
    first_outcome = ~exists().where(
        earlier.ticket_id == TicketEvent.ticket_id, earlier.type.in_(outcomes), earlier.id < TicketEvent.id
    )
    # One row per verification result in P, with "was it the ticket's first?" evaluated once.
    results = (
        select(Ticket.unit, TicketEvent.type, case((first_outcome, 1), else_=0).label("first"))
        .join(Ticket, Ticket.id == TicketEvent.ticket_id)
        .where(TicketEvent.type.in_(outcomes), _in_period(TicketEvent.at, period))
        .subquery()
    )
    query = select(
        results.c.unit,
        _count_if(results.c.type == E.REOPENED),
        func.coalesce(func.sum(results.c.first), 0),
        _count_if((results.c.first == 1) & (results.c.type == E.VERIFIED)),
    ).group_by(results.c.unit)
    return {
        u: {"reopened": reopened, "first_verified": first, "first_passed": passed}
        for u, reopened, first, passed in session.execute(query)
    }


def unit_kpis(session: Session, cfg: GuanjiaConfig, period: Period, now: datetime) -> dict[str, UnitKpi]:
    """KPIs of every unit with something to count in `period`, measured at its end (or now)."""
    as_of = period.as_of(now)
    merged: dict[str, dict[str, Any]] = {}
    parts: tuple[dict[str, dict[str, Any]], ...] = (
        _dispatched(session, period),
        _cohort(session, period, as_of),
        _overdue(session, period, as_of),
        _returned(session, period),
        _verification(session, period),
        aftercare_kpi.rechecks(session, period),
        aftercare_kpi.satisfaction(session, period),
    )
    for part in parts:
        for unit, values in part.items():
            merged.setdefault(unit, {}).update(values)
    order = {code: i for i, code in enumerate(cfg.units)}
    result = {}
    for unit in sorted(merged, key=lambda u: (order.get(u, len(order)), u)):
        values = merged[unit]
        values["claim_hours_total"] = float(values.get("claim_hours_total", 0.0))
        values["fix_hours_total"] = float(values.get("fix_hours_total", 0.0))
        result[unit] = UnitKpi(unit, **{k: v for k, v in values.items()})
    return result
