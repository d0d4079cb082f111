"""Writing a new ticket with plain INSERTs instead of the ORM unit of work.

Every report takes this path, so it is kept to two or three statements with no flush
bookkeeping: the ticket is complete before it is written (status, unit, deadlines), its
events follow in one executemany, and the object then joins the session as if loaded.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import insert
from sqlalchemy.orm import Session, make_transient_to_detached

from bot.core.hot_statements import HotStatement
from models import Ticket, TicketEvent, TicketImage

_TICKET_COLUMNS = tuple(column.key for column in Ticket.__table__.columns if column.key != "id")
# Run on the cursor (bot/core/hot_statements.py): every report writes these.
_INSERT_TICKET = HotStatement(insert(Ticket).returning(Ticket.id), _TICKET_COLUMNS)
_EVENT_COLUMNS = ("ticket_id", "type", "actor_id", "actor_name", "at", "note", "source_msg_id", "source_platform")
_INSERT_EVENT = HotStatement(insert(TicketEvent), (*_EVENT_COLUMNS, "actor_kind", "data"))
_INSERT_EVENT_RETURNING = insert(TicketEvent).returning(TicketEvent.id)
_INSERT_IMAGE = insert(TicketImage)


def insert_new_ticket(
    session: Session, ticket: Ticket, events: Sequence[dict[str, Any]], before_photos: Sequence[str]
) -> Ticket:
    """Write a transient `ticket`, its `events` (in order) and the photos of its first event.

    Returns the same object, now persistent in `session`; its `events` and `images`
    load from the database when first read.
    """
    connection = session.connection()
    values = {key: getattr(ticket, key) for key in _TICKET_COLUMNS}
    for key, value in values.items():
        if key not in ticket.__dict__:  # unset (None): loaded as it is, not expired and reread
            setattr(ticket, key, value)
    ticket.id = _INSERT_TICKET.rows(session, values)[0][0]
    rows = [{**event, "ticket_id": ticket.id} for event in events]
    if before_photos and rows:
        first_id = connection.execute(_INSERT_EVENT_RETURNING, rows[0]).scalar_one()
        photos = [{"ticket_id": ticket.id, "kind": "before", "url": url, "event_id": first_id} for url in before_photos]
        connection.execute(_INSERT_IMAGE, photos)
        rows = rows[1:]
    _INSERT_EVENT.run_many(session, rows)
    make_transient_to_detached(ticket)
    session.add(ticket)
    return ticket
