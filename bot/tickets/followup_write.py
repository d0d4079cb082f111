"""A reporter's follow-up written with plain statements instead of the ORM unit of work.

A follow-up ("[图片]", "在3号楼北边") is one message in seven of a busy group, and the ORM path
(load the ticket, flush an event and its photos) cost about as much as writing a new ticket:
here it is one read of five columns, an UPDATE only when the place is filled, and the events
(bot/tickets/insert.py). A ticket the session already holds is told its columns changed.
"""

from __future__ import annotations

from typing import NamedTuple

from sqlalchemy import bindparam, select, update
from sqlalchemy.orm import Session

from bot.core.hot_statements import HotStatement
from models import Ticket

_READ = HotStatement(
    select(Ticket.location, Ticket.area, Ticket.group_id, Ticket.text, Ticket.unit)
    .where(Ticket.id == bindparam("ticket_id"))
    .with_for_update()  # PostgreSQL: a concurrent change of the same ticket waits (SQLite: no-op)
)
_SET_PLACE = HotStatement(
    update(Ticket)
    .where(Ticket.id == bindparam("ticket_id"))
    .values(location=bindparam("new_location"), area=bindparam("new_area"))
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
    _SET_PLACE.rows(session, {"ticket_id": ticket_id, "new_location": location, "new_area": area})


def forget_loaded(session: Session, ticket_id: int) -> None:
    """A ticket object already in the session rereads what a follow-up changed, when next read."""
    loaded = session.identity_map.get(session.identity_key(Ticket, ticket_id))
    if loaded is not None:
        session.expire(loaded, ["location", "area", "events", "images"])
