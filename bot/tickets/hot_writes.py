"""What every report and follow-up writes, with plain statements instead of the ORM unit of work.

Every report takes this path, so it is kept to two or three statements with no flush
bookkeeping: the ticket is complete before it is written (status, unit, deadlines), its
events follow in one executemany, and the object then joins the session as if loaded.
The open ticket a report repeats is looked up here too, as the four columns the reply names.

A reporter's follow-up ("[图片]", "在3号楼北边") is one message in seven of a busy group, and the
ORM path (load the ticket, flush an event and its photos) cost about as much as writing a new
ticket: here it is one read of five columns, an UPDATE only when the place is filled, and the
events. A ticket object the session already holds is told its columns changed.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, NamedTuple

from sqlalchemy import bindparam, insert, select, update
from sqlalchemy.orm import Session, make_transient_to_detached

from bot.core.hot_statements import HotStatement
from bot.tickets.gazetteer import place_key
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
# Every open ticket there, not the first by LIMIT 1: a spot reported for years holds thousands of
# closed tickets of a category, the planner (assuming status independent of the place) then
# expected open ones early in id order and walked the whole table by primary key, 0.5 s at a
# million tickets. Without a LIMIT it takes ix_tickets_category_location_status (alembic 0021),
# which reads only the open ones: a repeat is cancelled as a duplicate, so there are few.
_OPEN_REPEATED = HotStatement(
    select(Ticket.id, Ticket.unit, Ticket.status, Ticket.location)
    .where(Ticket.category == bindparam("category", required=False))
    .where(Ticket.place_key == bindparam("place_key", required=False))
    .where(Ticket.status.in_(OPEN_STATUSES), Ticket.duplicate_of.is_(None))
    .order_by(Ticket.id)
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
    """The earliest open ticket of the same category at the same spot, however its place is
    written (bot/tickets/place_key.py; a report without a place repeats nothing). One statement
    and no ORM object: in a busy group several people report the same overflowing bin, and most
    reports find none."""
    key = place_key(location)
    if key is None:
        return None
    rows = _OPEN_REPEATED.rows(session, {"category": category, "place_key": key})
    return Repeated(*rows[0]) if rows else None


def insert_new_ticket(
    session: Session, ticket: Ticket, events: Sequence[dict[str, Any]], before_photos: Sequence[str]
) -> Ticket:
    """Write a transient `ticket`, its `events` (in order) and the photos of its first event.

    Returns the same object, now persistent in `session`; its `events` and `images`
    load from the database when first read.
    """
    ticket.place_key = place_key(ticket.location)  # the spot its repeats are found by
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


# --- follow-ups -------------------------------------------------------------------------

_READ = HotStatement(
    select(Ticket.location, Ticket.area, Ticket.group_id, Ticket.text, Ticket.unit)
    .where(Ticket.id == bindparam("ticket_id"))
    .with_for_update()  # PostgreSQL: a concurrent change of the same ticket waits (SQLite: no-op)
)
_SET_PLACE = HotStatement(
    update(Ticket)
    .where(Ticket.id == bindparam("ticket_id"))
    .values(location=bindparam("new_location"), place_key=bindparam("new_place_key"), area=bindparam("new_area"))
)


class PlaceColumns(NamedTuple):
    """What a follow-up needs of its ticket: whether it has a place, and where it is routed."""

    location: str | None
    area: str | None
    group_id: str
    text: str
    unit: str


class Supplemented(NamedTuple):
    """A ticket after a follow-up: where it is routed now."""

    id: int
    unit: str
    area: str | None


def read_for_followup(session: Session, ticket_id: int) -> PlaceColumns | None:
    session.flush()  # the statements run past the unit of work: it must have written first
    rows = _READ.rows(session, {"ticket_id": ticket_id})
    return PlaceColumns(*rows[0]) if rows else None


def set_place(session: Session, ticket_id: int, location: str, area: str | None) -> None:
    values = {"ticket_id": ticket_id, "new_location": location, "new_place_key": place_key(location), "new_area": area}
    _SET_PLACE.rows(session, values)


def forget_loaded(session: Session, ticket_id: int) -> None:
    """A ticket object already in the session rereads what a follow-up changed, when next read."""
    loaded = session.identity_map.get(session.identity_key(Ticket, ticket_id))
    if loaded is not None:
        session.expire(loaded, ["location", "area", "events", "images"])
