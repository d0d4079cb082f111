"""Hot statements (bot/core/hot_statements.py) store exactly what Core would, and refuse to guess."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import Engine, func, insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot.core.hot_statements import HotStatement
from models import InboundMessage

AT = datetime(2026, 11, 30, 8, 30, tzinfo=UTC)


def values(msg_id: str) -> dict[str, object]:
    return {
        "platform": "generic",
        "msg_id": msg_id,
        "group_id": "demo",
        "sender_id": "wgy_li",
        "sender_name": "李网格",
        "text": "东门垃圾桶满了",
        "images": ["a.jpg"],
        "evidence": {"files": ["f1"]},
        "sent_at": AT,
        "received_at": AT,
        "response": {"replies": [], "tickets": []},
    }


def test_a_row_written_hot_reads_back_like_one_written_by_core(engine: Engine) -> None:
    hot = HotStatement(insert(InboundMessage).returning(InboundMessage.id), values("h-1"))
    with Session(engine) as session, session.begin():
        [(hot_id,)] = hot.rows(session, values("h-1"))
        core_id = session.execute(insert(InboundMessage).returning(InboundMessage.id), values("c-1")).scalar_one()
    with Session(engine) as session:
        hot_row, core_row = (session.get(InboundMessage, i) for i in (hot_id, core_id))
        assert hot_row is not None and core_row is not None
        for column in ("text", "images", "evidence", "sent_at", "received_at", "response"):
            assert getattr(hot_row, column) == getattr(core_row, column)
        assert hot_row.received_at == AT and hot_row.received_at.tzinfo is not None


def test_a_missing_value_is_refused_not_stored_as_null(engine: Engine) -> None:
    given = values("h-2")
    del given["images"]  # the column's Python default (list) is Core's job, not the hot path's
    hot = HotStatement(insert(InboundMessage), given)
    with Session(engine) as session, session.begin(), pytest.raises(KeyError, match="images"):
        hot.rows(session, given)
    with Session(engine) as session:
        assert session.scalar(select(func.count()).select_from(InboundMessage)) == 0


def test_a_driver_error_arrives_as_sqlalchemys_and_the_transaction_keeps_nothing(engine: Engine) -> None:
    hot = HotStatement(insert(InboundMessage), values("h-3"))
    with Session(engine) as session, pytest.raises(IntegrityError), session.begin():
        hot.rows(session, values("h-3"))
        hot.rows(session, values("h-3"))  # (platform, msg_id) is unique
    with Session(engine) as session:
        assert session.scalar(select(func.count()).select_from(InboundMessage)) == 0
