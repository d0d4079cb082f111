"""After closing: the 回头看 result an inspector records and the reporter's 满意度.

Why apart from service.py: these act on closed tickets only and carry their own records
(the `rechecks` row, the window after closing), but they go through the same lifecycle table
(`TicketService._allow`) and write the same event rows, so the ledger and KPIs see them.
A bad answer (反弹, 不满意) reopens the ticket to its unit with fresh deadlines.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta

from sqlalchemy import select

from bot.core.actor import Actor
from bot.core.errors import InvalidArgument, InvalidState
from bot.tickets.lifecycle import Action
from bot.tickets.service import TicketService
from models import EventType, Recheck, RecheckResult, Ticket, TicketEvent, TicketImage


class Aftercare:
    def __init__(self, service: TicketService) -> None:
        self.service = service
        self.session = service.session
        self.cfg = service.cfg

    def recheck(self, ticket_id: int, actor: Actor, passed: bool, note: str | None, images: Sequence[str]) -> Ticket:
        """Record a 回头看 result; a photo is the evidence, so none means no result."""
        s = self.service
        ticket = s.get(ticket_id, for_update=True)
        rule = s._allow(ticket, Action.RECHECK_PASS if passed else Action.RECHECK_REBOUND, actor)
        row = self.session.scalar(select(Recheck).where(Recheck.ticket_id == ticket.id).with_for_update())
        if row is None:
            raise InvalidState(f"#{ticket.id} 未被抽中回头看")
        if row.result is not None:
            raise InvalidState(
                f"#{ticket.id} 已回头看过（{'仍合格' if row.result == RecheckResult.PASSED else '反弹'}）"
            )
        verdict = "合格" if passed else "反弹 垃圾又堆起来了"
        if not images:
            raise InvalidArgument(f"回头看须附现场照片，请发照片并写：回头看 {ticket.id} {verdict}")
        if not passed:
            s._require_text(note, "反弹情况", f"回头看 {ticket.id} {verdict}")
        now = s.clock.now()
        row.result = RecheckResult.PASSED if passed else RecheckResult.REBOUND
        row.result_at, row.result_by, row.note = now, actor.id, note
        data = {"unit": row.unit, "images": len(images)}
        if passed:
            event = s._event(ticket, EventType.RECHECK_PASSED, actor, note=note, data=data)
        else:
            self._reopen(ticket)
            event = s._event(ticket, EventType.REBOUND, actor, note=note, data=data)
        for url in images:
            self.session.add(TicketImage(ticket=ticket, kind="recheck", url=url, event=event))
        return s._arrived(ticket, rule)

    def rate(self, ticket_id: int, actor: Actor, satisfied: bool, reason: str | None) -> Ticket:
        """满意 / 不满意 from the reporter, once, within `satisfaction.window_hours` of closing."""
        s = self.service
        ticket = s.get(ticket_id, for_update=True)
        rule = s._allow(ticket, Action.SATISFIED if satisfied else Action.DISSATISFIED, actor)
        now = s.clock.now()
        hours = self.cfg.satisfaction.window_hours
        assert ticket.closed_at is not None  # a closed ticket has its closing time
        if now > ticket.closed_at + timedelta(hours=hours):
            raise InvalidState(f"#{ticket.id} 销账已超过{hours:g}小时，不能再评价；如问题仍在，请重新上报")
        rated = select(TicketEvent.id).where(
            TicketEvent.ticket_id == ticket.id,
            TicketEvent.type.in_((EventType.SATISFIED, EventType.DISSATISFIED)),
            TicketEvent.at >= ticket.closed_at,
        )
        if self.session.scalar(rated.limit(1)) is not None:
            raise InvalidState(f"#{ticket.id} 已评价过")
        data = {"unit": ticket.unit}
        if satisfied:
            s._event(ticket, EventType.SATISFIED, actor, data=data)
        else:
            s._require_text(reason, "不满意的原因", f"不满意 {ticket.id} 垃圾没清干净")
            self._reopen(ticket)
            s._event(ticket, EventType.DISSATISFIED, actor, note=reason, data=data | {"escalated": True})
        return s._arrived(ticket, rule)

    def _reopen(self, ticket: Ticket) -> None:
        """Back to its unit as a fresh dispatch: new claim and fix deadlines from now."""
        self.service._dispatch(ticket, ticket.unit, self.service.clock.now())
        ticket.fixed_at = None
        ticket.closed_at = None
