"""回头看 sampling as a scheduler producer: closed tickets due for re-inspection get an inspector and a reminder.

Why a producer of its own (`DueProducer`): it commits in its own transaction, so a failure
here leaves reminders and digests alone. A ticket is sampled once: its `rechecks` row is
unique per ticket and written with INSERT … ON CONFLICT DO NOTHING, so a second sweep or a
racing process adds nothing, and the reminder is queued only by whoever wrote the row.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from bot.core.actor import BOT
from bot.core.db import insert_unless_present
from bot.outbound.outbox import enqueue
from bot.tickets.aftercare import inspector_for, is_sampled
from bot.tickets.formatting import category_tag, place_text
from config.schema import GuanjiaConfig
from models import EventType, Recheck, Ticket, TicketEvent, TicketStatus

NAME = "回头看"
# How far back past `closed_days` a sweep looks: covers a scheduler that was down for weeks.
LOOKBACK_DAYS = 30


def sample_due(session: Session, cfg: GuanjiaConfig, now: datetime) -> list[int]:
    """Sample the tickets closed at least `recheck.closed_days` ago and not yet sampled; their ids."""
    cutoff = now - timedelta(days=cfg.recheck.closed_days)
    # Not sampled by then, never: the hash would say no again, and the sweep runs every minute.
    oldest = cutoff - timedelta(days=LOOKBACK_DAYS)
    query = (
        select(Ticket)
        .outerjoin(Recheck, Recheck.ticket_id == Ticket.id)
        .where(Ticket.status == TicketStatus.CLOSED, Ticket.closed_at <= cutoff, Ticket.closed_at > oldest)
        .where(Recheck.id.is_(None))
        .order_by(Ticket.id)
    )
    sampled: list[int] = []
    for ticket in session.scalars(query):
        inspector = inspector_for(cfg, ticket.id)
        if inspector is None or not is_sampled(cfg, ticket):
            continue
        values = {"ticket_id": ticket.id, "unit": ticket.unit, "inspector_id": inspector, "sampled_at": now}
        if insert_unless_present(session, Recheck, values, ["ticket_id"]) is None:
            continue
        _remind(session, cfg, ticket, inspector, now)
        sampled.append(ticket.id)
    return sampled


def _remind(session: Session, cfg: GuanjiaConfig, ticket: Ticket, inspector: str, now: datetime) -> None:
    text = (
        f"🔍 回头看 #{ticket.id}{category_tag(cfg, ticket)}{place_text(ticket)}（{cfg.unit_name(ticket.unit)}整改，"
        f"已销账{cfg.recheck.closed_days}天），请{cfg.display_name(inspector)}到现场复查并拍照回复："
        f"回头看 {ticket.id} 合格 / 回头看 {ticket.id} 反弹 情况说明"
    )
    enqueue(
        session,
        group_id=ticket.group_id,
        kind="recheck",
        text=text,
        mentions=[inspector],
        now=now,
        dedupe_key=f"recheck:{ticket.id}",
    )
    session.add(
        TicketEvent(
            ticket_id=ticket.id,
            type=EventType.RECHECK_SAMPLED,
            actor_id=BOT.id,
            actor_name=BOT.name,
            actor_kind=BOT.kind,
            at=now,
            note=f"回头看：{cfg.display_name(inspector)}",
            data={"inspector": inspector},
        )
    )
    session.flush()


class RecheckProducer:
    """Fits `bot.schedule.scheduler.DueProducer`; queues the 回头看 reminders due as of `now`."""

    @property
    def name(self) -> str:
        return NAME

    def __call__(self, session_factory: sessionmaker[Session], cfg: GuanjiaConfig, now: datetime) -> list[str]:
        with session_factory() as session, session.begin():
            return [f"{NAME} #{n}" for n in sample_due(session, cfg, now)]
