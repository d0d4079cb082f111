"""ledger search index: substrings of any length, Chinese included

Revision ID: 0015_ledger_search
Revises: 0014_campaign
Create Date: 2026-11-30

`?q=` is a substring search over a ticket's text and place (LIKE '%term%'), which scans every
ticket. Trigram indexes (pg_trgm, FTS5 trigram) serve substrings of three characters or more,
and the most common Chinese terms are two (垃圾, 井盖) or one. So the index is over the
*tripled* text: every character written three times (垃圾 → 垃垃垃圾圾圾). A term of n
characters, tripled, is 3n ≥ 3 characters and occurs in the tripled text exactly where the
term occurs in the text, so one trigram index answers terms of every length. The page still
applies the LIKE itself, so the rows are always exactly LIKE's; the index only narrows.
Text and place are joined by U+001F, which a whitespace-split term never contains.

PostgreSQL: a stored generated column `tickets.search_body` holds the tripled text (so checking
a candidate row reads it rather than recomputing a regexp, which cost more than the search) and
a GIN pg_trgm index is over it. SQLite: a contentless FTS5 table (`tokenize='trigram'`,
`detail='none'`: the search ANDs tokens, it needs no positions) kept by triggers; a recursive
CTE builds the tripled text in order (group_concat's order is not guaranteed).
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0015_ledger_search"
down_revision: str | None = "0014_campaign"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

PG_COLUMN = r"""
ALTER TABLE tickets ADD COLUMN search_body text GENERATED ALWAYS AS
(regexp_replace(coalesce(text, '') || E'\x1f' || coalesce(location::text, ''), '(.)', '\1\1\1', 'g')) STORED
"""


def _sqlite_body(row: str) -> str:
    """The tripled text of `row` (new/old/tickets) as an SQLite expression."""
    joined = f"coalesce({row}.text, '') || char(31) || coalesce({row}.location, '')"
    return (
        "(WITH RECURSIVE s(i, out) AS (SELECT 0, '' UNION ALL "
        f"SELECT i + 1, out || substr({joined}, i + 1, 1) || substr({joined}, i + 1, 1) "
        f"|| substr({joined}, i + 1, 1) FROM s WHERE i < length({joined})) "
        "SELECT out FROM s ORDER BY i DESC LIMIT 1)"
    )


SQLITE_UP = (
    "CREATE VIRTUAL TABLE ticket_search USING fts5(body, content='', tokenize='trigram', detail='none')",
    f"INSERT INTO ticket_search(rowid, body) SELECT tickets.id, {_sqlite_body('tickets')} FROM tickets",
    "CREATE TRIGGER ticket_search_ai AFTER INSERT ON tickets BEGIN "
    f"INSERT INTO ticket_search(rowid, body) VALUES (new.id, {_sqlite_body('new')}); END",
    "CREATE TRIGGER ticket_search_ad AFTER DELETE ON tickets BEGIN "
    f"INSERT INTO ticket_search(ticket_search, rowid, body) VALUES ('delete', old.id, {_sqlite_body('old')}); END",
    "CREATE TRIGGER ticket_search_au AFTER UPDATE OF text, location ON tickets BEGIN "
    f"INSERT INTO ticket_search(ticket_search, rowid, body) VALUES ('delete', old.id, {_sqlite_body('old')}); "
    f"INSERT INTO ticket_search(rowid, body) VALUES (new.id, {_sqlite_body('new')}); END",
)
SQLITE_DOWN = (
    "DROP TRIGGER IF EXISTS ticket_search_au",
    "DROP TRIGGER IF EXISTS ticket_search_ad",
    "DROP TRIGGER IF EXISTS ticket_search_ai",
    "DROP TABLE IF EXISTS ticket_search",
)


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        op.execute(PG_COLUMN)
        op.execute("CREATE INDEX ix_tickets_search_trgm ON tickets USING gin (search_body gin_trgm_ops)")
    else:
        for statement in SQLITE_UP:
            op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP INDEX IF EXISTS ix_tickets_search_trgm")
        op.execute("ALTER TABLE tickets DROP COLUMN IF EXISTS search_body")
        # pg_trgm stays: other databases' objects may use it, and dropping an extension needs more rights.
    else:
        for statement in SQLITE_DOWN:
            op.execute(statement)
