"""Digests (进度每天汇报 / 台账每周汇总 / 月通报): the texts the 日报/周报/月报 commands, the CLI
and the scheduler send. Every function takes the session, the config and `now`; none
reads the wall clock. Counts are SQL aggregates; lists are capped (`digests.list_limit`).

Daily digest for local day D, per group (tickets reported in that group) or district-wide:
today's counts from the event rows, open tickets by unit, the overdue list with how late
each is (measured at the end of D, or now if D is today) and the open urgent tickets. The
lists show tickets' current state.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from typing import Any, Literal, TypeVar
from zoneinfo import ZoneInfo

from sqlalchemy import Select, case, func, or_, select
from sqlalchemy.orm import Session

from bot.reports import periods
from bot.reports.digest_format import Digest, late, ticket_head
from bot.reports.summaries import monthly_summary, weekly_summary
from bot.tickets.campaign import countdown_line, period_at
from bot.tickets.status_labels import status_label
from config.schema import GuanjiaConfig
from models import OPEN_STATUSES, EventType, SuspectedReport, SuspectStatus, Ticket, TicketEvent, TicketStatus

S = TicketStatus
E = EventType
DigestKind = Literal["daily", "weekly", "monthly"]
Q = TypeVar("Q", bound=Select)

_DAY_EVENTS = {
    "派单": (E.DISPATCHED, E.REASSIGNED),
    "认领": (E.CLAIMED,),
    "整改": (E.FIXED,),
    "销账": (E.VERIFIED,),
}


def _for_group(query: Q, group_id: str | None) -> Q:
    return query if group_id is None else query.where(Ticket.group_id == group_id)


def _day_counts(session: Session, period: periods.Period, group_id: str | None) -> dict[str, int]:
    new = select(func.count()).select_from(Ticket).where(periods_filter(Ticket.created_at, period))
    counts = {"新增": session.scalar(_for_group(new.where(Ticket.duplicate_of.is_(None)), group_id)) or 0}
    types = [t for ts in _DAY_EVENTS.values() for t in ts]
    query = (
        select(TicketEvent.type, func.count(TicketEvent.ticket_id.distinct()))
        .join(Ticket, Ticket.id == TicketEvent.ticket_id)
        .where(TicketEvent.type.in_(types), periods_filter(TicketEvent.at, period))
        .group_by(TicketEvent.type)
    )
    by_type: dict[str, int] = {t: n for t, n in session.execute(_for_group(query, group_id))}
    for label, event_types in _DAY_EVENTS.items():
        counts[label] = sum(by_type.get(t, 0) for t in event_types)
    return counts


def periods_filter(column: Any, period: periods.Period) -> Any:
    return (column >= period.start) & (column < period.end)


# The open tickets are read one status at a time (`status = ?`, never `status IN (…)`): SQLite's
# statistics give each status the same share of the tickets, so with a long history (nearly all
# closed) it reckons four statuses the whole table and scans it (3 s at a million tickets),
# while one status is an index range. PostgreSQL, which knows the real shares, does the same.


def _open_by_unit(session: Session, cfg: GuanjiaConfig, group_id: str | None) -> list[tuple[str, int]]:
    counts: dict[str, int] = {}
    for status in OPEN_STATUSES:
        query = select(Ticket.unit, func.count()).where(Ticket.status == status).group_by(Ticket.unit)
        for unit, n in session.execute(_for_group(query, group_id)):
            counts[unit] = counts.get(unit, 0) + n
    order = {code: i for i, code in enumerate(cfg.units)}
    return sorted(counts.items(), key=lambda kv: (-kv[1], order.get(kv[0], 0)))


def overdue_condition(as_of: datetime) -> Any:
    """Past the claim deadline unclaimed, or past the fix deadline unfixed (验收等待不算)."""
    claim_late = (Ticket.status == S.DISPATCHED) & (Ticket.claim_deadline < as_of)
    fix_late = Ticket.status.in_((S.DISPATCHED, S.CLAIMED)) & (Ticket.fix_deadline < as_of)
    return or_(claim_late, fix_late)


def overdue_lines(
    session: Session, cfg: GuanjiaConfig, as_of: datetime, group_id: str | None, limit: int | None = None
) -> tuple[int, list[str]]:
    """How many tickets are overdue at `as_of` (of a group, or all), and a line for the first
    `limit` (default `digests.list_limit`): 超期未整改 first, the longest late first."""
    where = overdue_condition(as_of)
    total = session.scalar(_for_group(select(func.count()).select_from(Ticket).where(where), group_id)) or 0
    # 超期未整改 first, then 超时未认领; the latest first within each.
    fix_late = Ticket.fix_deadline < as_of
    missed = case((fix_late, Ticket.fix_deadline), else_=Ticket.claim_deadline)
    query = _for_group(select(Ticket).where(where), group_id).order_by(case((fix_late, 0), else_=1), missed, Ticket.id)
    lines = []
    for t in session.scalars(query.limit(limit or cfg.digests.list_limit)):
        assert t.fix_deadline is not None and t.claim_deadline is not None
        if t.fix_deadline < as_of:
            what = f"超期未整改 {late(as_of - t.fix_deadline)}"
        else:
            what = f"超时未认领 {late(as_of - t.claim_deadline)}"
        lines.append(f"{ticket_head(cfg, t)} · {what}")
    return total, lines


def _urgent_lines(session: Session, cfg: GuanjiaConfig, group_id: str | None) -> tuple[int, list[str]]:
    # The ids first, sorted here: `ORDER BY id LIMIT n` makes SQLite walk every ticket by id
    # looking for urgent ones rather than read the (few) open ones of each status.
    ids: list[int] = []
    for status in OPEN_STATUSES:
        where = (Ticket.status == status) & Ticket.urgent.is_(True)
        ids += session.scalars(_for_group(select(Ticket.id).where(where), group_id))
    first = sorted(ids)[: cfg.digests.list_limit]
    tickets: list[Ticket] = list(session.scalars(select(Ticket).where(Ticket.id.in_(first)).order_by(Ticket.id)))
    return len(ids), [f"{ticket_head(cfg, t)} · {status_label(t.status)}" for t in tickets]


def listing(title: str, total: int, lines: list[str]) -> list[str]:
    if not total:
        return [f"{title}：无"]
    more = [f"……另有{total - len(lines)}条"] if total > len(lines) else []
    return [f"{title}（{total}）：", *lines, *more]


def daily_digest(session: Session, cfg: GuanjiaConfig, on: date, now: datetime, group_id: str | None = None) -> Digest:
    period = periods.day(cfg, on)
    as_of = period.as_of(now)
    group = cfg.groups.get(group_id) if group_id else None
    scope = group.name if group else (group_id or "全区")
    local_now = periods.local_naive(cfg, now)
    assert local_now is not None
    when = "全天" if as_of == period.end else f"截至{local_now:%H:%M}"
    counts = _day_counts(session, period, group_id)
    lines = [f"【创城日报】{period.label} {scope}（{when}）"]
    lines.append("今日：" + " · ".join(f"{label}{n}" for label, n in counts.items()))
    evening = _evening_before(cfg, period)
    if evening.start < as_of:  # what happened after yesterday's digest went out is in no other
        after = _day_counts(session, evening, group_id)
        if any(after.values()):
            since = f"{cfg.digests.daily_time:%H:%M}"
            lines.append(f"昨日{since}后：" + " · ".join(f"{label}{n}" for label, n in after.items()))
    by_unit = _open_by_unit(session, cfg, group_id)
    if by_unit:
        lines.append(
            f"未办结（{sum(n for _, n in by_unit)}）：" + "、".join(f"{cfg.unit_name(u)}{n}" for u, n in by_unit)
        )
    else:
        lines.append("未办结：无")
    lines += listing("超时超期", *overdue_lines(session, cfg, as_of, group_id))
    lines += listing("紧急未办结", *_urgent_lines(session, cfg, group_id))
    suspected = _pending_suspects(session, as_of, group_id)
    if suspected:
        lines.append(f"疑似上报 {suspected} 条，请到台账查看")
    return Digest("\n".join(lines))


def _evening_before(cfg: GuanjiaConfig, period: periods.Period) -> periods.Period:
    """The day before `period`, from the daily digest's time to midnight: the pushed digest of
    that day went out at daily_time and could not count it."""
    day = period.first - timedelta(days=1)
    local = datetime.combine(day, cfg.digests.daily_time, tzinfo=ZoneInfo(cfg.timezone))
    return periods.Period(day, day, local.astimezone(UTC), period.start)


def _pending_suspects(session: Session, as_of: datetime, group_id: str | None) -> int:
    """疑似上报 still waiting for the 创城办 (each message once: bot/chat/suspects.py)."""
    query = select(func.count()).select_from(SuspectedReport).where(SuspectedReport.status == SuspectStatus.PENDING)
    query = query.where(SuspectedReport.received_at <= as_of)
    if group_id is not None:
        query = query.where(SuspectedReport.group_id == group_id)
    return session.scalar(query) or 0


def digest(
    session: Session,
    cfg: GuanjiaConfig,
    kind: DigestKind,
    now: datetime,
    on: date | None = None,
    group_id: str | None = None,
    chart: bool = True,
) -> Digest:
    """The one entry point for commands, CLI and scheduler; `on` defaults to today (local)."""
    on = on or periods.local_date(cfg, now)
    if kind == "daily":
        return with_countdown(session, cfg, daily_digest(session, cfg, on, now, group_id), now)
    if kind == "weekly":
        return with_countdown(session, cfg, weekly_summary(session, cfg, on, now, chart=chart), now)
    return monthly_summary(session, cfg, on, now, chart=chart)


def with_countdown(session: Session, cfg: GuanjiaConfig, result: Digest, now: datetime) -> Digest:
    """During 迎检, the countdown line under the digest's title (bot/tickets/campaign/)."""
    period = period_at(session, cfg, now)
    if period is None:
        return result
    title, _, body = result.text.partition("\n")
    return replace(result, text="\n".join(part for part in (title, countdown_line(cfg, period, now), body) if part))


def scheduled_digests(
    session: Session, cfg: GuanjiaConfig, kind: DigestKind, now: datetime, chart: bool = True
) -> list[tuple[str, Digest]]:
    """What the scheduler posts, as (group id, digest): the daily digest of each group (the
    district-wide one for `digests.district_groups`); the weekly/monthly summary to every group
    (one digest object shared by all, its chart drawn unless `chart` is False)."""
    if kind != "daily":
        shared = digest(session, cfg, kind, now, chart=chart)
        return [(group_id, shared) for group_id in cfg.groups]
    district: Digest | None = None
    result = []
    for group_id in cfg.groups:
        if group_id in cfg.digests.district_groups:
            district = district or digest(session, cfg, "daily", now)
            result.append((group_id, district))
        else:
            result.append((group_id, digest(session, cfg, "daily", now, group_id=group_id)))
    return result
