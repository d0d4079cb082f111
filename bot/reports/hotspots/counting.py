"""顽疾: the same category at the same place K times in D days (config `hotspots:`).

One place decides "the same place" for the ticket page, the digest and the /hotspots page:
the 测评点位 when the ticket was found on a round, else the gazetteer community its area was
filled from, else its place phrase normalised (NFKC folds full-width forms, whitespace is
dropped and a trailing 门口/附近/旁边… is cut), so "妫水 公园门口" and "妫水公园附近" are one
place. Counting is grouped in SQL by the raw columns (filtered on the indexed created_at) and
only the few distinct groups are merged here.
"""

from __future__ import annotations

import unicodedata
from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.tickets.gazetteer import by_area
from config.schema import GuanjiaConfig
from models import Ticket, TicketStatus


@dataclass(frozen=True)
class Hotspot:
    category: str
    place: str  # what a reader sees: the point, the community label or the phrase
    count: int


# Words that say where at a place, not which place: "妫水公园门口" is 妫水公园.
_NEAR = ("门口", "附近", "旁边", "对面", "周边", "周围", "一带", "路口", "门前", "旁")


def normalise_place(phrase: str) -> str:
    """One spelling per place: full-width folded, whitespace removed, a trailing 门口/附近 cut."""
    place = "".join(unicodedata.normalize("NFKC", phrase).split())
    for word in _NEAR:
        if place.endswith(word) and len(place) > len(word) + 1:
            return place[: -len(word)]
    return place


def place_key(cfg: GuanjiaConfig, point_id: str | None, area: str | None, location: str | None) -> str | None:
    """The place a ticket counts against, or None when it names none."""
    if point_id:
        point = cfg.points.list.get(point_id)
        return point.name if point else point_id
    territory = by_area(cfg, area)
    if territory:
        return territory.label
    if location and normalise_place(location):
        return normalise_place(location)
    return None


def _counts(
    session: Session, cfg: GuanjiaConfig, since: datetime, until: datetime, unit: str | None
) -> Counter[tuple[str, str]]:
    """(category, place) -> reports in [since, until); cancelled (duplicate) tickets do not count."""
    n = func.count(Ticket.id)
    query = (
        select(Ticket.category, Ticket.point_id, Ticket.area, Ticket.location, n)
        .where(Ticket.created_at >= since, Ticket.created_at < until, Ticket.status != TicketStatus.CANCELLED)
        .group_by(Ticket.category, Ticket.point_id, Ticket.area, Ticket.location)
    )
    if unit is not None:
        query = query.where(Ticket.unit == unit)
    rows = session.execute(query).all()
    counts: Counter[tuple[str, str]] = Counter()
    for category, point_id, area, location, count in rows:
        place = place_key(cfg, point_id, area, location)
        if place:
            counts[(category, place)] += count
    return counts


def hotspots(session: Session, cfg: GuanjiaConfig, now: datetime, unit: str | None = None) -> list[Hotspot]:
    """The places with at least K same-category reports in the last D days, most first (`now`
    itself counts); only `unit`'s tickets when given (a unit member is not told of other units')."""
    since = now - timedelta(days=cfg.hotspots.days)
    counts = _counts(session, cfg, since, now + timedelta(microseconds=1), unit)
    found = [Hotspot(cat, place, c) for (cat, place), c in counts.items() if c >= cfg.hotspots.count]
    return sorted(found, key=lambda h: (-h.count, h.category, h.place))


def rank_here(session: Session, cfg: GuanjiaConfig, ticket: Ticket) -> int | None:
    """This ticket's N in "此处第N次": same category, same place, within D days up to it."""
    place = place_key(cfg, ticket.point_id, ticket.area, ticket.location)
    if place is None:
        return None
    since = ticket.created_at - timedelta(days=cfg.hotspots.days)
    rows = session.execute(
        select(Ticket.id, Ticket.created_at, Ticket.point_id, Ticket.area, Ticket.location).where(
            Ticket.category == ticket.category,
            Ticket.created_at >= since,
            Ticket.created_at <= ticket.created_at,
            Ticket.status != TicketStatus.CANCELLED,
        )
    ).all()
    return sum(
        1
        for tid, at, point_id, area, location in rows
        if place_key(cfg, point_id, area, location) == place and (at, tid) <= (ticket.created_at, ticket.id)
    )
