"""Engine and session factory for SQLite (embedded default) and PostgreSQL (production)."""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path
from typing import Any

from sqlalchemy import ColumnElement, Connection, Engine, Insert, Table, create_engine, event
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

from bot.core.hot_statements import HotStatement

SQLITE_BUSY_TIMEOUT_MS = 30_000


def _prepare_sqlite(engine: Engine, in_memory: bool) -> None:
    """Make SQLite safe for concurrent writers in one process.

    pysqlite opens transactions lazily, so two requests can both read, then both try to
    write, and one fails with "database is locked". Taking the write lock at BEGIN
    (BEGIN IMMEDIATE) serialises writers behind the busy timeout instead.
    """

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        if not in_memory:
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        connection.exec_driver_sql("BEGIN IMMEDIATE")


def _keep_prepared_statements(engine: Engine) -> None:
    """A rolled-back savepoint no longer throws away the connection's prepared statements.

    psycopg prepares a statement once it has run it five times on a connection, and then
    PostgreSQL neither parses nor (after five custom plans) plans it again: on the intake, where
    a message costs a handful of short statements, parsing and planning are most of PostgreSQL's
    CPU. But psycopg forgets every prepared statement, and sends DEALLOCATE ALL, after any command
    whose status reads ROLLBACK, and ROLLBACK TO SAVEPOINT reads so: each refused chat command
    (bot/chat/pipeline.py rolls back its savepoint) reset the statements of the writer's
    connection, so most statements ran unprepared (issue 15: 139 resets per 3,179 messages under
    the ingest bench; PostgreSQL CPU per message 0.75 ms with them, 0.54 ms without).
    A savepoint's rollback cannot invalidate a prepared statement: PostgreSQL keeps prepared
    statements across it (even those prepared inside it), and the intake runs no DDL in one.
    So the statement runs with psycopg's statement bookkeeping off (prepare_threshold None,
    its documented switch). A full ROLLBACK still resets them, as psycopg wants.
    """
    dialect = engine.dialect
    rollback_to = dialect.do_rollback_to_savepoint

    def rollback_to_savepoint(connection: Connection, name: str) -> None:
        driver: Any = connection.connection.dbapi_connection
        threshold = driver.prepare_threshold
        driver.prepare_threshold = None
        try:
            rollback_to(connection, name)
        finally:
            driver.prepare_threshold = threshold

    setattr(dialect, "do_rollback_to_savepoint", rollback_to_savepoint)  # noqa: B010 (mypy: a method)


PRIVATE_FILE_MODE = 0o600


def create_private_file(path: Path) -> None:
    """Create `path` readable by its owner only, if it is not there yet.

    Why: SQLite (and a backup copy) would be created 0644, so every local account could read
    every ticket, reporter and user hash. SQLite gives its -wal and -shm files the database's
    own mode, so creating the database file first covers them too. An existing file is left
    as the operator set it.
    """
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, PRIVATE_FILE_MODE)
    except FileExistsError:
        return
    os.close(descriptor)


def make_engine(url: str) -> Engine:
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        database = parsed.database or ""
        in_memory = database in ("", ":memory:")
        if not in_memory:
            Path(database).parent.mkdir(parents=True, exist_ok=True)
            create_private_file(Path(database))
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})
        _prepare_sqlite(engine, in_memory)
        return engine
    engine = create_engine(url, pool_pre_ping=True, pool_size=10, max_overflow=20)
    if engine.dialect.driver == "psycopg":
        _keep_prepared_statements(engine)
    return engine


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)


def is_sqlite(engine: Engine) -> bool:
    return engine.dialect.name == "sqlite"


@lru_cache(maxsize=64)
def _insert_unless_present_statement(
    dialect: str, table: Table, unique: tuple[str, ...], also: tuple[ColumnElement[Any], ...] = ()
) -> Insert:
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    return insert(table).on_conflict_do_nothing(index_elements=list(unique)).returning(table.c.id, *also)


def insert_unless_present(session: Session, model: Any, values: dict[str, Any], unique: list[str]) -> int | None:
    """INSERT … ON CONFLICT DO NOTHING RETURNING id: the new row's id, or None when the key exists.

    Two processes racing on the same key both get an answer without an error: the loser
    waits for the winner's commit and then inserts nothing. The statement is built once and
    run on the session's connection as plain Core: intake runs it for every message.
    """
    connection = session.connection()
    statement = _insert_unless_present_statement(connection.dialect.name, model.__table__, tuple(unique))
    found: int | None = connection.execute(statement, values).scalar_one_or_none()
    return found


def insert_unless_present_returning(
    session: Session,
    model: Any,
    values: dict[str, Any],
    unique: list[str],
    also: tuple[ColumnElement[Any], ...],
    params: dict[str, Any],
) -> tuple[Any, ...] | None:
    """insert_unless_present, also returning `also` (scalar subqueries with their `params`).

    Asking a question the caller always asks in the same statement saves a round trip.
    """
    key = (model.__table__, tuple(unique), also, tuple(values))
    statement = _hot_inserts.get(key)
    if statement is None:
        table, conflict_key = model.__table__, tuple(unique)
        statement = _hot_inserts[key] = HotStatement(
            lambda dialect: _insert_unless_present_statement(dialect, table, conflict_key, also), values
        )
    rows = statement.rows(session, {**values, **params})
    return rows[0] if rows else None


# The intake records every message with this: run on the cursor (bot/core/hot_statements.py).
_hot_inserts: dict[tuple[Any, ...], HotStatement] = {}
