"""The ledger's `?q=` through the search index of migration 0015 (the one dialect-specific module;
SQLite's index takes new tickets in bulk, bot/tickets/search/index_upkeep.py).

The index is over the *tripled* text and place (every character three times, joined by U+001F),
so its trigrams are the text's characters (`aaa`) and adjacent pairs (`aab`): a one- or
two-character Chinese term is served like a long one. The index only narrows: the caller keeps
the LIKE of each term, so the rows are exactly what LIKE returns (the index's case folding is
wider than LIKE's, never narrower).

Both search by the term's *pair tokens* (`aab` for each adjacent pair `ab`; `aaa` for a
one-character term), ANDed, not by the whole tripled term: that would also read the posting
lists of every single character (`街街街` is in nearly every ticket), and the LIKE checks the
order anyway.

PostgreSQL: `tickets.search_body ILIKE '%aab%'` for each token, on the GIN pg_trgm index (a
three-character pattern is exactly one trigram). pg_trgm only makes trigrams of letters and
digits: a pair with anything else gives no token (a term of punctuation only is LIKE alone).
A token without cased letters (Chinese, digits) is a plain LIKE: the same rows, and the check of
every candidate the index hands over costs a third (ILIKE lowercases the whole tripled text).
The GIN index hands over all its candidates at once, unordered: the page decides between it and
walking the tickets in order (bot/reports/ledger_query.py, `index_orders_matches`).
SQLite: a join with the FTS5 table, which must drive the query and give the order (its rowid is
the ticket id, and FTS5 returns rowids in either order lazily), so a page of a common term reads
50 matches, not all of them.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterator
from contextlib import contextmanager
from itertools import pairwise
from typing import Any

from sqlalchemy import ColumnElement, Select, Text, and_, column, literal_column, table
from sqlalchemy.orm import InstrumentedAttribute, Session
from sqlalchemy.sql import text as sql_text

from models import Ticket

IdColumn = ColumnElement[int] | InstrumentedAttribute[int]  # the ticket id a search is ordered and paged by
SEARCH = table("ticket_search", column("rowid"))  # SQLite: the contentless FTS5 table, rowid = tickets.id
SEARCH_BODY: Any = literal_column("tickets.search_body", Text)  # PostgreSQL: the generated column


def caseless(value: str) -> bool:
    """Whether case folding cannot change what `value` matches: none of its characters has a case
    (Chinese, digits, punctuation), so ILIKE and LIKE find the same rows. Modifier letters and
    combining marks are left out: a few letters fold to a sequence that contains one."""
    return all(c.lower() == c == c.upper() and unicodedata.category(c) not in NOT_CASELESS for c in value)


NOT_CASELESS = frozenset({"Lm", "Mn", "Mc", "Me"})


def index_orders_matches(dialect: str) -> bool:
    """Whether the search index hands over matches in id order, lazily (SQLite's FTS5): then it
    drives every page. PostgreSQL's GIN index hands over all candidates unordered."""
    return dialect != "postgresql"


@contextmanager
def ordered_paths(session: Session, needed: bool = True) -> Iterator[None]:
    """Plan the enclosed search for tickets in memory. With the default random_page_cost (4, a
    spinning disk) PostgreSQL walks a unit's tickets by the primary key, reading every unit's
    (14 times the rows), rather than by the (unit, id) index: 150 ms against 50 at a million.
    Only `needed` where the walk has a choice of paths (another filter than the words). The
    setting is put back right after; after an error the rollback undoes it (SET LOCAL), and
    a statement in the failed transaction would only hide the error."""
    postgres = needed and session.get_bind().dialect.name == "postgresql"
    if postgres:
        session.execute(sql_text("SET LOCAL random_page_cost = 1.1"))
    yield
    if postgres:
        session.execute(sql_text("SET LOCAL random_page_cost TO DEFAULT"))


def tokens(terms: list[str]) -> list[str]:
    """The index tokens every row containing all `terms` has (each once)."""
    found: list[str] = []
    for term in terms:
        if len(term) == 1:
            found.append(term * 3)
        found += [a + a + b for a, b in pairwise(term)]
    return list(dict.fromkeys(found))


def fts_query(terms: list[str]) -> str:
    """The FTS5 query every row containing all `terms` matches: their tokens, ANDed."""
    return " AND ".join('"' + token.replace('"', '""') + '"' for token in tokens(terms))


def _like_escaped(value: str) -> str:
    return value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _like(column: Any, pattern: str, exact_case: bool) -> ColumnElement[bool]:
    return column.like(pattern, escape="\\") if exact_case else column.ilike(pattern, escape="\\")


def narrowed(query: Select[Any], dialect: str, terms: list[str]) -> tuple[Select[Any], IdColumn]:
    """`query` (over tickets) narrowed by the index to rows that may hold all `terms`, and the
    ticket-id column to order and page it by. Without terms, or without an index (another
    dialect), `query` is returned as it is and the LIKE alone searches."""
    if not terms:
        return query, Ticket.id
    if dialect == "postgresql":
        usable = [t for t in tokens(terms) if t.isalnum()]
        conds = [_like(SEARCH_BODY, f"%{_like_escaped(t)}%", caseless(t)) for t in usable]
        return (query.where(and_(*conds)) if conds else query), Ticket.id
    if dialect == "sqlite":
        match = sql_text("ticket_search MATCH :ledger_q").bindparams(ledger_q=fts_query(terms))
        rowid: IdColumn = SEARCH.c.rowid
        return query.join_from(Ticket, SEARCH, rowid == Ticket.id).where(match), rowid
    return query, Ticket.id
