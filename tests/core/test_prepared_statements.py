"""On PostgreSQL a rolled-back savepoint keeps the connection's prepared statements (issue 15).

psycopg forgets them after any ROLLBACK, ROLLBACK TO SAVEPOINT included; every refused chat
command rolls back a savepoint, so the intake's statements kept running unprepared
(bot/core/db.py, `_keep_prepared_statements`).
"""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import Engine, bindparam, func, insert, select, text
from sqlalchemy.orm import Session

from models import InboundMessage
from tests.core.test_hot_statements import values

_LOOKUP = select(InboundMessage.id).where(InboundMessage.msg_id == bindparam("msg_id"))


def _prepared(session: Session) -> list[str]:
    rows = session.execute(text("SELECT statement FROM pg_prepared_statements")).scalars()
    return [statement for statement in rows if "inbound_messages.msg_id" in statement]


def test_a_rolled_back_savepoint_undoes_its_writes_and_keeps_prepared_statements(engine: Engine) -> None:
    if engine.dialect.name != "postgresql":
        pytest.skip("prepared statements are psycopg's (PostgreSQL)")
    with Session(engine) as session, session.begin():
        driver: Any = session.connection().connection.dbapi_connection
        for _ in range(driver.prepare_threshold + 1):  # psycopg prepares it on this run
            session.execute(_LOOKUP, {"msg_id": "none"})
        assert len(_prepared(session)) == 1
        savepoint = session.begin_nested()
        session.execute(insert(InboundMessage), values("in-savepoint"))
        savepoint.rollback()
        session.execute(_LOOKUP, {"msg_id": "none"})  # psycopg's reset would send DEALLOCATE ALL here
        assert len(_prepared(session)) == 1
        assert driver.prepare_threshold == 5  # switched off for the rollback only
        assert session.scalar(select(func.count()).select_from(InboundMessage)) == 0
