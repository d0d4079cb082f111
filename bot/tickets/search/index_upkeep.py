"""SQLite's search index takes new tickets in bulk (migration 0019), and is complete before a search.

FTS5 writes a segment at every commit and merges segments as they pile up, so indexing each
ticket from its insert trigger, in the intake's small transactions, cost 0.155 ms of SQLite's
time per ticket: more than the rest of the ticket's insert. Indexed a few hundred at a time the
same tickets cost 0.013 ms each. So:

- the intake calls `keep_up` once per batch: one small read, and when `BULK` or more tickets wait,
  it indexes them in the batch's transaction;
- every search calls `catch_up` first (committed at once when the caller has no transaction
  open yet), so the index holds every ticket the search can see (at most about `BULK` to index,
  a few milliseconds);
- the text is tripled here in Python, exactly as the triggers of migrations 0017/0019 triple it
  in SQL (FTS5 with content='' forgets a row only when told exactly what it held).

PostgreSQL keeps its GIN index at every insert (through its pending list): nothing to do there.
"""

from __future__ import annotations

import logging

from sqlalchemy import text
from sqlalchemy.orm import Session

log = logging.getLogger(__name__)

BULK = 256  # tickets waiting before the intake indexes them: ~3 ms of one batch's time
_STATE = text("SELECT indexed_to, (SELECT coalesce(max(id), 0) FROM tickets) FROM ticket_search_state")
_WAITING = text("SELECT id, text, location FROM tickets WHERE id > :after ORDER BY id")
_ADD = text("INSERT INTO ticket_search(rowid, body) VALUES (:id, :body)")
_MARK = text("UPDATE ticket_search_state SET indexed_to = :upto")


def search_body(text_: str | None, location: str | None) -> str:
    """What the index holds for a ticket: text and place joined by U+001F, each character tripled
    (bot/tickets/search/index_query.py says why)."""
    return "".join(c * 3 for c in f"{text_ or ''}\x1f{location or ''}")


def keep_up(session: Session) -> int:
    """Index the tickets waiting, if `BULK` or more do; how many were indexed.

    Runs in the intake's batch transaction (one small read when nothing is to be done) and never
    fails it: the tickets are written whatever happens to their indexing, and the next search
    indexes what is left."""
    if session.get_bind().dialect.name != "sqlite":
        return 0
    indexed_to, newest = session.execute(_STATE).one()
    if newest - indexed_to < BULK:
        return 0
    try:
        with session.begin_nested():
            return _index_after(session, indexed_to)
    except Exception:
        log.exception("indexing new tickets for the ledger search failed; the next search retries")
        return 0


def catch_up(session: Session) -> int:
    """Index every ticket waiting, so a search in `session` sees all of them.

    Outside a transaction the indexing is committed at once (the next search has nothing to
    do); inside one it is part of the caller's transaction."""
    if session.get_bind().dialect.name != "sqlite":
        return 0
    if session.in_transaction():
        return _catch_up(session)
    with session.begin():
        return _catch_up(session)


def _catch_up(session: Session) -> int:
    indexed_to, newest = session.execute(_STATE).one()
    return _index_after(session, indexed_to) if newest > indexed_to else 0


def _index_after(session: Session, indexed_to: int) -> int:
    rows = session.execute(_WAITING, {"after": indexed_to}).all()
    if rows:
        session.execute(_ADD, [{"id": row.id, "body": search_body(row.text, row.location)} for row in rows])
        session.execute(_MARK, {"upto": rows[-1].id})
    return len(rows)
