"""The deadline sweep: reminders before deadlines, alarms after, escalation to leaders.

Run as of any instant (`sweep(session, cfg, now)`): the scheduler calls it every minute and
`guanjia sweep --now` for any moment. Each reminder is keyed (ticket, kind, deadline) in
ticket_reminders and written with its outbox message in one transaction, so a second sweep,
a restart or a second process never sends it twice.

A ticket gets at most one overdue alarm per sweep: the claim alarm only while the fix
deadline is ahead (once that has passed, 超期未整改 says more and @s the same people), so
quiet hours that hold both release only the fix alarm, and the claim alarm is not due later
either (nothing is written for it: no row, no `reminded` event).

During 迎检 (bot/tickets/campaign/) reminders come more often: 二次督办 after
`leader_escalation_hours × campaign.reminder_factor`, and an overdue ticket's alarm is
repeated `campaign.overdue_repeat_hours` after the previous alarm for the same deadline
(plain or repeat) was queued — counted from what went out, not from the deadline, so
switching the period on, or quiet hours, never bring two alarms closer than the interval, and
there is no repeat before the first alarm (its text: bot/schedule/reminder_texts.py).

When quiet hours end, the reminders they held for one group go out as one list
(`held_list`) rather than one message each; 二次督办 stays its own message to the leaders.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import and_, exists, func, select, true, update
from sqlalchemy.orm import Session

from bot.core.actor import BOT
from bot.core.db import insert_unless_present
from bot.outbound.outbox import enqueue
from bot.schedule.reminder_texts import held_list, message
from bot.tickets.campaign import period_at
from config.schema import GuanjiaConfig
from models import EventType, ReminderKind, Ticket, TicketEvent, TicketReminder, TicketStatus

K = ReminderKind
S = TicketStatus


@dataclass(frozen=True)
class _Rule:
    kind: str
    statuses: tuple[str, ...]
    deadline: Callable[[Ticket], datetime | None]


_RULES = (
    _Rule(K.CLAIM_SOON, (S.DISPATCHED,), lambda t: t.claim_deadline),
    _Rule(K.FIX_SOON, (S.DISPATCHED, S.CLAIMED), lambda t: t.fix_deadline),
    _Rule(K.CLAIM_OVERDUE, (S.DISPATCHED,), lambda t: t.claim_deadline),
    _Rule(K.FIX_OVERDUE, (S.DISPATCHED, S.CLAIMED), lambda t: t.fix_deadline),
    _Rule(K.FIX_OVERDUE_LEADERS, (S.DISPATCHED, S.CLAIMED), lambda t: t.fix_deadline),
)
# The alarms to the unit: one per ticket and sweep. The repeat of each counts from the
# latest of its family queued since the deadline.
_ALARMS = (K.CLAIM_OVERDUE, K.FIX_OVERDUE, K.CLAIM_OVERDUE_AGAIN, K.FIX_OVERDUE_AGAIN)
_FAMILY = {
    K.CLAIM_OVERDUE_AGAIN: (K.CLAIM_OVERDUE, K.CLAIM_OVERDUE_AGAIN),
    K.FIX_OVERDUE_AGAIN: (K.FIX_OVERDUE, K.FIX_OVERDUE_AGAIN),
}
# Order of the lines in a list of held reminders: the most severe first.
_RANK = {K.FIX_OVERDUE_AGAIN: 0, K.FIX_OVERDUE: 0, K.CLAIM_OVERDUE_AGAIN: 1, K.CLAIM_OVERDUE: 1, K.FIX_SOON: 2}


@dataclass(frozen=True)
class _Due:
    """One reminder due now: its `key` (ticket_reminders.deadline) is the deadline, or for a
    repeat the instant it fell due; `due_at` is when it fell due (held ones: before now)."""

    kind: str
    ticket: Ticket
    deadline: datetime
    due_at: datetime
    key: datetime


def in_quiet_hours(cfg: GuanjiaConfig, now: datetime) -> bool:
    quiet = cfg.reminders.quiet_hours
    local: time = now.astimezone(ZoneInfo(cfg.timezone)).time()
    start, end = quiet.start_time, quiet.end_time
    if start == end:
        return False
    if start < end:
        return start <= local < end
    return local >= start or local < end


def last_quiet_hours(cfg: GuanjiaConfig, now: datetime) -> tuple[datetime, datetime] | None:
    """(start, end) of the latest quiet hours ended at or before `now` (None without quiet hours)."""
    quiet = cfg.reminders.quiet_hours
    if quiet.start_time == quiet.end_time:
        return None
    zone = ZoneInfo(cfg.timezone)
    local = now.astimezone(zone)
    end = datetime.combine(local.date(), quiet.end_time, tzinfo=zone)
    end = end if end <= local else end - timedelta(days=1)
    start = datetime.combine(end.date(), quiet.start_time, tzinfo=zone)
    return (start if start < end else start - timedelta(days=1)), end


def sweep(session: Session, cfg: GuanjiaConfig, now: datetime) -> list[int]:
    """Queue every reminder due at `now`; returns the ids of the tickets reminded."""
    quiet = in_quiet_hours(cfg, now)
    campaign = period_at(session, cfg, now) is not None
    leader_hours = cfg.reminders.leader_escalation_hours * (cfg.campaign.reminder_factor if campaign else 1)
    due: list[_Due] = []
    for rule in _RULES:
        if rule.kind == K.FIX_OVERDUE_LEADERS and not cfg.leaders:
            continue
        for ticket in _candidates(session, cfg, rule, now, leader_hours):
            deadline = rule.deadline(ticket)
            if deadline is None:
                continue
            due_at = _due_at(cfg, rule.kind, ticket, deadline, leader_hours)
            if now >= due_at:
                due.append(_Due(rule.kind, ticket, deadline, due_at, deadline))
    if campaign:
        due += _repeats(session, cfg, now)
    alarmed: set[int] = set()
    kept: list[_Due] = []
    for item in due:
        if quiet and not item.ticket.urgent:
            continue
        if item.kind in _ALARMS:
            if item.ticket.id in alarmed:
                continue
            alarmed.add(item.ticket.id)
        kept.append(item)
    return _queue(session, cfg, kept, now)


def _repeats(session: Session, cfg: GuanjiaConfig, now: datetime) -> list[_Due]:
    """迎检: an overdue alarm again, `overdue_repeat_hours` after the last one of its family
    queued since the deadline (none queued: no repeat; the plain alarm comes first)."""
    every = timedelta(hours=cfg.campaign.overdue_repeat_hours)
    due: list[_Due] = []
    for kind, statuses, column, still in (
        (K.FIX_OVERDUE_AGAIN, (S.DISPATCHED, S.CLAIMED), Ticket.fix_deadline, true()),
        (K.CLAIM_OVERDUE_AGAIN, (S.DISPATCHED,), Ticket.claim_deadline, Ticket.fix_deadline > now),
    ):
        last = (
            select(func.max(TicketReminder.created_at))
            .where(
                TicketReminder.ticket_id == Ticket.id,
                TicketReminder.kind.in_(_FAMILY[kind]),
                TicketReminder.created_at >= column,
            )
            .scalar_subquery()
        )
        query = (
            select(Ticket, last)
            .where(Ticket.status.in_(statuses), column <= now, still, last <= now - every)
            .order_by(Ticket.id)
        )
        for ticket, last_at in session.execute(query).all():
            deadline = ticket.fix_deadline if kind == K.FIX_OVERDUE_AGAIN else ticket.claim_deadline
            assert deadline is not None
            due.append(_Due(kind, ticket, deadline, last_at + every, last_at + every))
    return due


def _candidates(
    session: Session, cfg: GuanjiaConfig, rule: _Rule, now: datetime, leader_hours: float
) -> Iterable[Ticket]:
    column = Ticket.claim_deadline if rule.kind in (K.CLAIM_SOON, K.CLAIM_OVERDUE) else Ticket.fix_deadline
    reminders = cfg.reminders
    if rule.kind == K.CLAIM_SOON:
        window = and_(column > now, column <= now + timedelta(minutes=reminders.claim_lead_minutes))
    elif rule.kind == K.FIX_SOON:
        window = and_(column > now, column <= now + timedelta(hours=reminders.fix_lead_hours))
    elif rule.kind == K.FIX_OVERDUE_LEADERS:
        window = column <= now - timedelta(hours=leader_hours)
    elif rule.kind == K.CLAIM_OVERDUE:
        window = and_(column <= now, Ticket.fix_deadline > now)  # past that, the fix alarm instead
    else:
        window = column <= now
    already = exists().where(
        TicketReminder.ticket_id == Ticket.id,
        TicketReminder.kind == rule.kind,
        TicketReminder.deadline == column,
    )
    query = select(Ticket).where(Ticket.status.in_(rule.statuses), window, ~already).order_by(Ticket.id)
    return session.scalars(query).all()


def _due_at(cfg: GuanjiaConfig, kind: str, ticket: Ticket, deadline: datetime, leader_hours: float) -> datetime:
    """When a reminder falls due. 'Soon' ones come at most half-way through the window, so short
    ones are not instant."""
    if kind == K.FIX_OVERDUE_LEADERS:
        return deadline + timedelta(hours=leader_hours)
    if kind not in (K.CLAIM_SOON, K.FIX_SOON):
        return deadline
    configured = (
        timedelta(minutes=cfg.reminders.claim_lead_minutes)
        if kind == K.CLAIM_SOON
        else timedelta(hours=cfg.reminders.fix_lead_hours)
    )
    if ticket.dispatched_at is None:
        return deadline - configured
    return deadline - min(configured, (deadline - ticket.dispatched_at) / 2)


def _queue(session: Session, cfg: GuanjiaConfig, due: list[_Due], now: datetime) -> list[int]:
    """Each reminder its own message, except those held by quiet hours: one list per group."""
    # Held: fell due while quiet hours held it. A reminder due before them (the scheduler was
    # down, or 迎检 was switched on and a repeat is owed) is sent on its own, not under a
    # heading that says quiet hours held it.
    window = last_quiet_hours(cfg, now)
    held: dict[str, list[_Due]] = {}
    alone: list[_Due] = []
    for item in due:
        if window is not None and window[0] <= item.due_at < window[1] and item.kind != K.FIX_OVERDUE_LEADERS:
            held.setdefault(item.ticket.group_id, []).append(item)
        else:
            alone.append(item)
    reminded: list[int] = []
    for items in held.values():  # first: they fell due first
        reminded += _send(session, cfg, sorted(items, key=lambda i: (_RANK.get(i.kind, 3), i.ticket.id)), now)
    for item in alone:
        reminded += _send(session, cfg, [item], now)
    return reminded


def _send(session: Session, cfg: GuanjiaConfig, items: list[_Due], now: datetime) -> list[int]:
    """Queue one group's reminders as one message, each unless its (ticket, kind, key) row exists."""
    claimed: list[tuple[_Due, int]] = []
    for item in items:
        values = {"ticket_id": item.ticket.id, "kind": item.kind, "deadline": item.key, "created_at": now}
        row = insert_unless_present(session, TicketReminder, values, ["ticket_id", "kind", "deadline"])
        if row is not None:  # else another sweep got there first
            claimed.append((item, row))
    if not claimed:
        return []
    lines = [message(cfg, item.kind, item.ticket, item.deadline, now) for item, _ in claimed]
    text, mentions = lines[0] if len(lines) == 1 else held_list(cfg, lines)
    outbox_id = enqueue(
        session, group_id=claimed[0][0].ticket.group_id, kind="reminder", text=text, mentions=mentions, now=now
    )
    rows = [row for _, row in claimed]
    session.execute(update(TicketReminder).where(TicketReminder.id.in_(rows)).values(outbox_id=outbox_id))
    for (item, _), (line, _) in zip(claimed, lines, strict=True):
        session.add(
            TicketEvent(
                ticket_id=item.ticket.id,
                type=EventType.REMINDED,
                actor_id=BOT.id,
                actor_name=BOT.name,
                actor_kind=BOT.kind,
                at=now,
                note=line.splitlines()[0],
                data={"kind": item.kind, "deadline": item.deadline.isoformat()},
            )
        )
    session.flush()
    return [item.ticket.id for item, _ in claimed]
