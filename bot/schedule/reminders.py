"""The deadline sweep: reminders before deadlines, alarms after, escalation to leaders.

Run as of any instant (`sweep(session, cfg, now)`): the scheduler calls it every minute and
`guanjia sweep --now` for any moment. Each reminder is keyed (ticket, kind, deadline) in
ticket_reminders and written with its outbox message in one transaction, so a second sweep,
a restart or a second process never sends it twice.

During 迎检 (bot/tickets/campaign/) reminders come more often: 二次督办 after
`leader_escalation_hours × campaign.reminder_factor`, and an overdue ticket's alarm is
repeated every `campaign.overdue_repeat_hours` (keyed by the repeat's slot).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import and_, exists, or_, select
from sqlalchemy.orm import Session

from bot.core.actor import BOT
from bot.core.db import insert_unless_present
from bot.outbound.outbox import enqueue
from bot.tickets.campaign import period_at
from bot.tickets.dispatcher import unit_mentions
from bot.tickets.formatting import category_tag, hours_text, place_text, time_text
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


def in_quiet_hours(cfg: GuanjiaConfig, now: datetime) -> bool:
    quiet = cfg.reminders.quiet_hours
    local: time = now.astimezone(ZoneInfo(cfg.timezone)).time()
    start, end = quiet.start_time, quiet.end_time
    if start == end:
        return False
    if start < end:
        return start <= local < end
    return local >= start or local < end


def sweep(session: Session, cfg: GuanjiaConfig, now: datetime) -> list[int]:
    """Queue every reminder due at `now`; returns the ids of the tickets reminded."""
    quiet = in_quiet_hours(cfg, now)
    campaign = period_at(session, cfg, now) is not None
    leader_hours = cfg.reminders.leader_escalation_hours * (cfg.campaign.reminder_factor if campaign else 1)
    reminded: list[int] = []
    for rule in _RULES:
        if rule.kind == K.FIX_OVERDUE_LEADERS and not cfg.leaders:
            continue
        for ticket in _candidates(session, cfg, rule, now, leader_hours):
            deadline = rule.deadline(ticket)
            if deadline is None or not _due(cfg, rule.kind, ticket, deadline, now):
                continue
            if quiet and not ticket.urgent:
                continue
            if _send(session, cfg, rule.kind, ticket, deadline, now):
                reminded.append(ticket.id)
    if campaign:
        reminded += _repeat_overdue(session, cfg, now, quiet)
    return reminded


def _repeat_overdue(session: Session, cfg: GuanjiaConfig, now: datetime, quiet: bool) -> list[int]:
    """迎检: the overdue alarm again, once per interval since the deadline (missed slots are not made up)."""
    every = timedelta(hours=cfg.campaign.overdue_repeat_hours)
    fix_late = Ticket.status.in_((S.DISPATCHED, S.CLAIMED)) & (Ticket.fix_deadline <= now - every)
    claim_late = (Ticket.status == S.DISPATCHED) & (Ticket.claim_deadline <= now - every) & (Ticket.fix_deadline > now)
    tickets = session.scalars(select(Ticket).where(or_(fix_late, claim_late)).order_by(Ticket.id)).all()
    # Slots are later than now - every: the keys already written for them, in one query.
    sent_keys = set(
        session.execute(
            select(TicketReminder.ticket_id, TicketReminder.kind, TicketReminder.deadline).where(
                TicketReminder.kind.in_((K.CLAIM_OVERDUE_AGAIN, K.FIX_OVERDUE_AGAIN)),
                TicketReminder.deadline > now - every,
            )
        )
    )
    reminded: list[int] = []
    for ticket in tickets:
        if quiet and not ticket.urgent:
            continue
        assert ticket.fix_deadline is not None and ticket.claim_deadline is not None
        fix_late_now = ticket.fix_deadline <= now
        kind = K.FIX_OVERDUE_AGAIN if fix_late_now else K.CLAIM_OVERDUE_AGAIN
        deadline = ticket.fix_deadline if fix_late_now else ticket.claim_deadline
        slot = deadline + ((now - deadline) // every) * every
        if (ticket.id, kind, slot) in sent_keys:
            continue
        if _send(session, cfg, kind, ticket, deadline, now, key=slot):
            reminded.append(ticket.id)
    return reminded


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
    else:
        window = column <= now
    already = exists().where(
        TicketReminder.ticket_id == Ticket.id,
        TicketReminder.kind == rule.kind,
        TicketReminder.deadline == column,
    )
    query = select(Ticket).where(Ticket.status.in_(rule.statuses), window, ~already).order_by(Ticket.id)
    return session.scalars(query).all()


def _due(cfg: GuanjiaConfig, kind: str, ticket: Ticket, deadline: datetime, now: datetime) -> bool:
    """'Soon' reminders come at most half-way through the window, so short ones are not instant."""
    if kind not in (K.CLAIM_SOON, K.FIX_SOON) or ticket.dispatched_at is None:
        return True
    configured = (
        timedelta(minutes=cfg.reminders.claim_lead_minutes)
        if kind == K.CLAIM_SOON
        else timedelta(hours=cfg.reminders.fix_lead_hours)
    )
    lead = min(configured, (deadline - ticket.dispatched_at) / 2)
    return now >= deadline - lead


def _send(
    session: Session,
    cfg: GuanjiaConfig,
    kind: str,
    ticket: Ticket,
    deadline: datetime,
    now: datetime,
    key: datetime | None = None,
) -> bool:
    """Queue one reminder unless its (ticket, kind, key) row exists; `key` defaults to the deadline."""
    values = {"ticket_id": ticket.id, "kind": kind, "deadline": key or deadline, "created_at": now}
    claimed = insert_unless_present(session, TicketReminder, values, ["ticket_id", "kind", "deadline"])
    if claimed is None:  # another sweep got there first
        return False
    text, mentions = _message(cfg, kind, ticket, deadline, now)
    outbox_id = enqueue(session, group_id=ticket.group_id, kind="reminder", text=text, mentions=mentions, now=now)
    session.get_one(TicketReminder, claimed).outbox_id = outbox_id
    session.add(
        TicketEvent(
            ticket_id=ticket.id,
            type=EventType.REMINDED,
            actor_id=BOT.id,
            actor_name=BOT.name,
            actor_kind=BOT.kind,
            at=now,
            note=text.splitlines()[0],
            data={"kind": kind, "deadline": deadline.isoformat()},
        )
    )
    session.flush()
    return True


def _message(cfg: GuanjiaConfig, kind: str, ticket: Ticket, deadline: datetime, now: datetime) -> tuple[str, list[str]]:
    head = f"#{ticket.id}{category_tag(cfg, ticket)}{place_text(ticket)}"
    unit = cfg.unit_name(ticket.unit)
    members = unit_mentions(cfg, ticket.unit, ticket.area)
    supervisors = [s for s in cfg.supervisors if s not in members]
    left = hours_text(round((deadline - now).total_seconds() / 3600, 1))
    late = hours_text(round((now - deadline).total_seconds() / 3600, 1))
    if kind == K.CLAIM_SOON:
        return (
            f"⏰ 认领提醒 {head} → {unit}，认领期限{time_text(cfg, deadline)}（还剩{left}），请回复：认领 {ticket.id}",
            members,
        )
    if kind == K.FIX_SOON:
        return (
            f"⏰ 整改提醒 {head} → {unit}，整改期限{time_text(cfg, deadline)}（还剩{left}），"
            f"完成后请回复：完成 {ticket.id}",
            members,
        )
    if kind == K.CLAIM_OVERDUE:
        return (
            f"🔴 超时未认领 {head} → {unit}，认领期限{time_text(cfg, deadline)}已过，请创城办督办",
            members + supervisors,
        )
    if kind == K.FIX_OVERDUE:
        return (
            f"🔴 超期未整改 {head} → {unit}，整改期限{time_text(cfg, deadline)}已过，请创城办督办",
            supervisors + members,
        )
    if kind == K.CLAIM_OVERDUE_AGAIN:
        return (
            f"🔴 迎检再次催办 {head} → {unit}，认领期限{time_text(cfg, deadline)}已过{late}仍未认领，"
            f"请立即回复：认领 {ticket.id}",
            members + supervisors,
        )
    if kind == K.FIX_OVERDUE_AGAIN:
        return (
            f"🔴 迎检再次催办 {head} → {unit}，整改期限{time_text(cfg, deadline)}已过{late}仍未整改，"
            f"完成后请回复：完成 {ticket.id}",
            supervisors + members,
        )
    return (
        f"🚨 二次督办 {head} → {unit}，已超期{late}仍未整改，请领导关注",
        list(cfg.leaders) + supervisors,
    )
