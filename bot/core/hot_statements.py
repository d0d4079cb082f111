"""Statements every message runs, executed on the DBAPI cursor instead of through Core's machinery.

A Core `execute` spends more time in Python than the database spends running the statement:
cache-key generation, an execution context, parameter lists rebuilt per call, a result object.
For the few statements that every message pays for (recording it, storing its answer, writing a
new ticket and its events) that overhead was a fifth of the writer's time. A HotStatement is
still written as SQLAlchemy Core, so it reads like every other query and is rendered for the
dialect by SQLAlchemy; it is compiled once per dialect, its parameters go through the same bind
processors Core would use (UTC datetimes, JSON), and it runs on the session's own connection,
inside the session's transaction.

What is kept from Core on purpose: `before_cursor_execute`/`after_cursor_execute` listeners are
called (tests inject faults and count statements through them), and a driver error is handed to
SQLAlchemy, which wraps it (IntegrityError, OperationalError…) and invalidates a dead connection
exactly as for any other statement.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, cast

from sqlalchemy import Connection
from sqlalchemy.orm import Session
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.expression import ClauseElement

_PLAIN = (str, int, float, bool)


@dataclass(frozen=True)
class _Rendered:
    sql: str
    names: tuple[str, ...]  # bind names, in the order a positional driver wants them
    positional: bool
    processors: Mapping[str, Callable[[Any], Any]]
    defaults: Mapping[str, Any]  # values SQLAlchemy bound itself (LIMIT 1, constants)

    def bind(self, params: Mapping[str, Any]) -> tuple[Any, ...] | dict[str, Any]:
        values = []
        for name in self.names:
            if name in params:
                value = params[name]
            elif name in self.defaults:
                value = self.defaults[name]
            else:
                raise KeyError(f"hot statement needs a value for {name!r} (column defaults are not applied)")
            processor = self.processors.get(name)
            values.append(processor(value) if processor is not None and value is not None else value)
        return tuple(values) if self.positional else dict(zip(self.names, values, strict=True))


class HotStatement:
    """One Core statement, compiled once per dialect, run on the cursor of a session's connection.

    `columns`: for an INSERT or UPDATE, the columns the parameters will name (Core would
    otherwise render every column of the table). Statements with IN lists are rendered with
    their values, so the constants must not change between calls.
    """

    def __init__(
        self, statement: ClauseElement | Callable[[str], ClauseElement], columns: Iterable[str] | None = None
    ) -> None:
        """`statement`, or a function of the dialect's name making it (ON CONFLICT is spelled
        by dialect-specific constructs)."""
        self.statement = statement
        self.columns = list(columns) if columns is not None else None
        self._rendered: dict[str, _Rendered] = {}

    def _render(self, connection: Connection) -> _Rendered:
        dialect = connection.dialect
        key = f"{dialect.name}+{dialect.driver}"  # the driver decides the parameter style
        rendered = self._rendered.get(key)
        if rendered is None:
            statement = self.statement if isinstance(self.statement, ClauseElement) else self.statement(dialect.name)
            compiled = cast(
                SQLCompiler,
                statement.compile(
                    dialect=dialect, column_keys=self.columns, compile_kwargs={"render_postcompile": True}
                ),
            )
            positional = compiled.positiontup is not None
            names = tuple(compiled.positiontup) if compiled.positiontup is not None else tuple(compiled.params)
            processors: dict[str, Callable[[Any], Any]] = {
                name: fn for name, fn in compiled._bind_processors.items() if callable(fn)
            }  # a tuple of processors belongs to a tuple bind, which hot statements do not use
            # Values SQLAlchemy bound itself; a column default it would compute at execution time
            # shows as None here and is refused in `bind` rather than silently stored as NULL.
            defaults = {name: value for name, value in compiled.params.items() if isinstance(value, _PLAIN)}
            rendered = _Rendered(compiled.string, names, positional, processors, defaults)
            self._rendered[key] = rendered
        return rendered

    def rows(self, session: Session, params: Mapping[str, Any]) -> list[tuple[Any, ...]]:
        """Run once with `params`; the rows it returns (RETURNING, SELECT), [] when none."""
        connection = session.connection()
        rendered = self._render(connection)
        return _run(connection, rendered.sql, rendered.bind(params), many=False)

    def run_many(self, session: Session, params: Sequence[Mapping[str, Any]]) -> None:
        """Run once per parameter set (executemany), for statements that return nothing."""
        if not params:
            return
        connection = session.connection()
        rendered = self._render(connection)
        _run(connection, rendered.sql, [rendered.bind(p) for p in params], many=True)


def _run(connection: Connection, sql: str, args: Any, *, many: bool) -> list[tuple[Any, ...]]:
    cursor = connection.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
    dispatch = connection.dispatch
    try:
        for listener in dispatch.before_cursor_execute:
            listener(connection, cursor, sql, args, None, many)
        try:
            if many:
                cursor.executemany(sql, args)
            else:
                cursor.execute(sql, args)
            rows = [tuple(row) for row in cursor.fetchall()] if cursor.description else []
        except connection.dialect.loaded_dbapi.Error as failed:
            connection._handle_dbapi_exception(failed, sql, args, cursor, None)
        for listener in dispatch.after_cursor_execute:
            listener(connection, cursor, sql, args, None, many)
        return rows
    finally:
        cursor.close()
