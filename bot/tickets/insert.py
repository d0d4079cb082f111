"""Writing a new ticket (and a follow-up's events) with plain INSERTs instead of the ORM unit of work.

Every report takes this path, so it is kept to two or three statements with no flush
bookkeeping: the ticket is complete before it is written (status, unit, deadlines), its
events follow in one executemany, and the object then joins the session as if loaded.
The open ticket a report repeats is looked up here too, as the four columns the reply names.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, NamedTuple

from sqlalchemy import bindparam, insert, select
from sqlalchemy.orm import Session, make_transient_to_detached

from bot.core.hot_statements import HotStatement
from models import OPEN_STATUSES, Ticket, TicketEvent, TicketImage

_TICKET_COLUMNS = tuple(column.key for column in Ticket.__table__.columns if column.key != "id")
# Run on the cursor (bot/core/hot_statements.py): every report writes these.
_INSERT_TICKET = HotStatement(insert(Ticket).returning(Ticket.id), _TICKET_COLUMNS)
_EVENT_COLUMNS = (
    *("ticket_id", "type", "actor_id", "actor_name", "at", "note"),
    *("source_msg_id", "source_platform", "actor_kind", "data"),
)
_INSERT_EVENT = HotStatement(insert(TicketEvent), _EVENT_COLUMNS)
# The IN list is rendered with its constants, which needs the binds declared not required here.
_OPEN_REPEATED = HotStatement(
    select(Ticket.id, Ticket.unit, Ticket.status, Ticket.location)
    .where(Ticket.category == bindparam("category", required=False))
    .where(Ticket.location == bindparam("location", required=False))
    .where(Ticket.status.in_(OPEN_STATUSES), Ticket.duplicate_of.is_(None))
    .order_by(Ticket.id)
    .limit(1)
)
_INSERT_EVENT_RETURNING = insert(TicketEvent).returning(TicketEvent.id)
_INSERT_IMAGE = insert(TicketImage)


class Repeated(NamedTuple):
    """The open ticket a new report repeats: what its reply says about it."""

    id: int
    unit: str
    status: str
    location: str | None


def open_repeated(session: Session, category: str, location: str | None) -> Repeated | None:
    """The earliest open ticket of the same category at the same place (a report without a
    place repeats nothing). One statement and no ORM object: in a busy group several people
    report the same overflowing bin, and most reports find none."""
    if not location:
        return None
    rows = _OPEN_REPEATED.rows(session, {"category": category, "location": location})
    return Repeated(*rows[0]) if rows else None


def insert_new_ticket(
    session: Session, ticket: Ticket, events: Sequence[dict[str, Any]], before_photos: Sequence[str]
) -> Ticket:
    """Write a transient `ticket`, its `events` (in order) and the photos of its first event.

    Returns the same object, now persistent in `session`; its `events` and `images`
    load from the database when first read.
    """
    values = {key: getattr(ticket, key) for key in _TICKET_COLUMNS}
    for key, value in values.items():
        if key not in ticket.__dict__:  # unset (None): loaded as it is, not expired and reread
            setattr(ticket, key, value)
    ticket.id = _INSERT_TICKET.rows(session, values)[0][0]
    insert_events(session, ticket.id, events, before_photos)
    make_transient_to_detached(ticket)
    session.add(ticket)
    return ticket


def insert_events(
    session: Session, ticket_id: int, events: Sequence[dict[str, Any]], before_photos: Sequence[str] = ()
) -> None:
    """Write `events` of ticket `ticket_id` (in order), the photos belonging to the first one."""
    rows = [{**event, "ticket_id": ticket_id} for event in events]
    if before_photos and rows:
        connection = session.connection()
        first_id = connection.execute(_INSERT_EVENT_RETURNING, rows[0]).scalar_one()
        photos = [{"ticket_id": ticket_id, "kind": "before", "url": url, "event_id": first_id} for url in before_photos]
        connection.execute(_INSERT_IMAGE, photos)
        rows = rows[1:]
    _INSERT_EVENT.run_many(session, rows)
