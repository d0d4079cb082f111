"""催办: the 创城办 presses the unit on a ticket it has not claimed or fixed yet.

The reminders (bot/schedule/reminders.py) chase deadlines by themselves; a 催办 is a person's
nudge before or between them ("领导在问，请今天处理"). It is a `urged` event on the ticket's
timeline and a message that @s the unit; the ticket's status and deadlines stay as they are.
Two 创城办 members reading the same list must not @ a unit twice for one ticket within minutes,
so a second 催办 within URGE_GAP is refused with who pressed it and when.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from bot.core.actor import Actor
from bot.core.errors import InvalidState
from bot.tickets.formatting import time_text
from bot.tickets.lifecycle import Action
from bot.tickets.service import TicketService
from models import EventType, Ticket, TicketEvent

URGE_GAP = timedelta(minutes=10)


def urge(service: TicketService, ticket_id: int, actor: Actor, note: str | None) -> Ticket:
    ticket = service.get(ticket_id, for_update=True)
    service._allow(ticket, Action.URGE, actor)
    now = service.clock.now()
    last = service.session.execute(
        select(TicketEvent.actor_name, TicketEvent.at)
        .where(TicketEvent.ticket_id == ticket.id, TicketEvent.type == EventType.URGED)
        .order_by(TicketEvent.id.desc())
        .limit(1)
    ).first()
    if last is not None and last.at > now - URGE_GAP:
        raise InvalidState(
            f"#{ticket.id} 已由{last.actor_name}于{time_text(service.cfg, last.at)}催办，"
            f"{int(URGE_GAP.total_seconds() // 60)}分钟内不重复催办"
        )
    service._event(ticket, EventType.URGED, actor, note=note, data={"unit": ticket.unit, "status": ticket.status})
    return ticket
