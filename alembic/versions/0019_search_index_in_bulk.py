"""SQLite's ledger search index takes new tickets in bulk, not one by one at insert

Revision ID: 0019_search_index_in_bulk
Revises: 0018_ledger_filter_indexes
Create Date: 2026-11-30

Indexing a ticket in FTS5 from the insert trigger cost 0.155 ms of SQLite's time per ticket in
the intake's small transactions (FTS5 writes a segment at every commit and merges them), more
than the rest of the ticket's insert; the same rows indexed a few hundred at a time cost 0.013 ms
each. So new tickets are indexed in bulk (bot/tickets/search/upkeep.py): the intake does it when
enough have gathered, and every search first indexes what is still missing, so a search never
misses a ticket.

`ticket_search_state.indexed_to` is the highest ticket id indexed. Tickets above it are not in
the index yet; the update and delete triggers touch the index only for tickets at or below it
(FTS5 with content='' must be told exactly what a row held to forget it). A ticket inserted at or
below it (SQLite reuses the highest id after a delete) is indexed at once by the insert trigger.
PostgreSQL's GIN index takes its new rows through its pending list already: unchanged.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0019_search_index_in_bulk"
down_revision: str | None = "0018_ledger_filter_indexes"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _sqlite_body(row: str) -> str:
    """The tripled text of `row` (new/old/tickets) as an SQLite expression, as migration 0017
    builds it; bot/tickets/search/upkeep.py builds the same string in Python."""
    joined = f"coalesce({row}.text, '') || char(31) || coalesce({row}.location, '')"
    return (
        f"(WITH RECURSIVE s(rest, out) AS (SELECT {joined}, '' UNION ALL "
        "SELECT substr(rest, 2), out || substr(rest, 1, 1) || substr(rest, 1, 1) || substr(rest, 1, 1) "
        "FROM s WHERE rest <> '') SELECT out FROM s WHERE rest = '')"
    )


INDEXED = "(SELECT indexed_to FROM ticket_search_state)"
ADD_NEW = f"INSERT INTO ticket_search(rowid, body) VALUES (new.id, {_sqlite_body('new')});"
FORGET_OLD = f"INSERT INTO ticket_search(ticket_search, rowid, body) VALUES ('delete', old.id, {_sqlite_body('old')});"
DROP_TRIGGERS = (
    "DROP TRIGGER IF EXISTS ticket_search_au",
    "DROP TRIGGER IF EXISTS ticket_search_ad",
    "DROP TRIGGER IF EXISTS ticket_search_ai",
)
SQLITE_UP = (
    *DROP_TRIGGERS,
    "CREATE TABLE ticket_search_state (id INTEGER PRIMARY KEY CHECK (id = 1), indexed_to INTEGER NOT NULL)",
    # Every ticket there is was indexed by the triggers of migration 0015.
    "INSERT INTO ticket_search_state (id, indexed_to) SELECT 1, coalesce(max(id), 0) FROM tickets",
    f"CREATE TRIGGER ticket_search_ai AFTER INSERT ON tickets WHEN new.id <= {INDEXED} BEGIN {ADD_NEW} END",
    f"CREATE TRIGGER ticket_search_ad AFTER DELETE ON tickets WHEN old.id <= {INDEXED} BEGIN {FORGET_OLD} END",
    "CREATE TRIGGER ticket_search_au AFTER UPDATE OF text, location ON tickets "
    f"WHEN old.id <= {INDEXED} BEGIN {FORGET_OLD} {ADD_NEW} END",
)
SQLITE_DOWN = (
    # Index what is still missing, then go back to indexing every insert.
    "INSERT INTO ticket_search(rowid, body) SELECT tickets.id, "
    f"{_sqlite_body('tickets')} FROM tickets WHERE tickets.id > {INDEXED}",
    *DROP_TRIGGERS,
    "DROP TABLE ticket_search_state",
    f"CREATE TRIGGER ticket_search_ai AFTER INSERT ON tickets BEGIN {ADD_NEW} END",
    f"CREATE TRIGGER ticket_search_ad AFTER DELETE ON tickets BEGIN {FORGET_OLD} END",
    f"CREATE TRIGGER ticket_search_au AFTER UPDATE OF text, location ON tickets BEGIN {FORGET_OLD} {ADD_NEW} END",
)


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for statement in SQLITE_UP:
            op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for statement in SQLITE_DOWN:
            op.execute(statement)
