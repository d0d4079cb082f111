"""The lookups every message makes go through their indexes, however long the sender's history.

They run inside the intake's writer, which every message of the process waits for; a lookup
that reads a sender's whole history makes every message slower as the ledger grows (at a
million tickets, 0.15–0.2 s a follow-up and 25–30 ms a line: bench/intake_history.py). Each
test gives one grid worker 30,000 rows, has the database analyse them, and reads the plan. On
PostgreSQL the plan made for any parameters is read too: psycopg prepares a statement after
five runs, and the server may then keep one generic plan for every later run.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import func, insert, select, text
from sqlalchemy.orm import Session
from sqlalchemy.sql import Select

from bot.app_services import AppServices
from bot.chat.followups import _TARGETS
from bot.chat.suspects import _AWAITING
from bot.tickets.hot_writes import _OPEN_REPEATED, open_repeated
from models import InboundMessage, SuspectedReport, Ticket

START = datetime(2026, 1, 1, 8, 0, tzinfo=UTC)
HISTORY = 30_000  # enough that PostgreSQL's any-parameter plan walks the primary key if the index gives no order
NOW = START + timedelta(hours=HISTORY)


def _tickets(session: Session) -> int:
    rows = [
        {"status": "closed", "category": "garbage", "unit": "hws", "text": "垃圾", "reporter_id": "wgy_li",
         "reporter_name": "李网格", "group_id": "demo", "source_msg_id": f"m{i}", "created_at": START + timedelta(hours=i)}
        for i in range(HISTORY)
    ]  # fmt: skip
    session.execute(insert(Ticket), rows)
    _analyse(session)
    return session.scalar(select(func.max(Ticket.id))) or 0


def _suspects(session: Session) -> None:
    messages = [
        {"platform": "generic", "msg_id": f"s{i}", "group_id": "demo", "sender_id": "wgy_li", "sender_name": "李网格",
         "text": "那边好像有点问题", "images": [], "received_at": START + timedelta(hours=i)}
        for i in range(HISTORY)
    ]  # fmt: skip
    ids = session.scalars(insert(InboundMessage).returning(InboundMessage.id, sort_by_parameter_order=True), messages)
    suspects = [
        {**{k: v for k, v in row.items() if k != "platform"}, "inbound_id": inbound,
         "kind": "asked" if i % 3 == 0 else "near_miss", "status": "pending" if i % 2 == 0 else "dismissed"}
        for i, (row, inbound) in enumerate(zip(messages, ids.all(), strict=True))
    ]  # fmt: skip
    session.execute(insert(SuspectedReport), suspects)
    _analyse(session)


def _analyse(session: Session) -> None:
    session.execute(text("ANALYZE" if session.get_bind().dialect.name == "sqlite" else "ANALYZE tickets"))
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("ANALYZE suspected_reports"))


def _plan(session: Session, statement: Select[Any], params: Mapping[str, object]) -> str:
    """The plan for these values (SQLite's, or PostgreSQL's custom plan)."""
    rendered = statement.params(**params).compile(session.get_bind(), compile_kwargs={"literal_binds": True})
    if session.get_bind().dialect.name == "postgresql":
        return "\n".join(row[0] for row in session.execute(text(f"EXPLAIN {rendered}")))
    return "\n".join(row[-1] for row in session.execute(text(f"EXPLAIN QUERY PLAN {rendered}")))


def _literal(value: object) -> str:
    if isinstance(value, datetime):  # stored as naive UTC (bot/core/db.py)
        value = value.astimezone(UTC).replace(tzinfo=None).isoformat(sep=" ")
    if isinstance(value, str):
        return "'" + value.replace("'", "''") + "'"
    return str(int(value))  # type: ignore[call-overload]


def _generic_plan(session: Session, statement: Select[Any], params: Mapping[str, object]) -> str:
    """PostgreSQL's plan made for any values, as a prepared statement may keep it."""
    compiled = statement.compile(session.get_bind(), compile_kwargs={"render_postcompile": True})
    names: list[str] = []

    def placeholder(match: re.Match[str]) -> str:
        names.append(match.group(1))
        return f"${len(names)}"

    sql = re.sub(r"%\((\w+)\)s", placeholder, str(compiled))
    values = {**compiled.params, **params}
    session.execute(text("SET LOCAL plan_cache_mode = force_generic_plan"))
    session.execute(text(f"PREPARE lookup AS {sql}"))
    arguments = ", ".join(_literal(values[name]) for name in names)
    plan = "\n".join(row[0] for row in session.execute(text(f"EXPLAIN EXECUTE lookup({arguments})")))
    session.execute(text("DEALLOCATE lookup"))
    return plan


def test_the_follow_up_lookup_reads_the_reports_index_entries_not_the_reporters_tickets(
    services: AppServices,
) -> None:
    """A report's tickets share reporter, group and created_at: the lookup a short line after a
    report makes goes to those entries of their index, not to every ticket of the reporter."""
    with services.session_factory() as session:
        latest = _tickets(session)
        plan = _plan(session, _TARGETS.statement, {"latest_id": latest, "sender_id": "wgy_li"})
        if session.get_bind().dialect.name == "postgresql":
            assert "Index Cond: (((reporter_id)::text = 'wgy_li'::text) AND " in plan, plan
            assert "(created_at = latest.created_at)" in plan, plan
        else:
            assert "ix_tickets_reporter_group_created (reporter_id=? AND group_id=? AND created_at=?)" in plan, plan
        assert "SCAN tickets" not in plan and "Seq Scan" not in plan, plan


def test_the_question_awaiting_an_answer_is_found_without_walking_the_senders_history(
    services: AppServices,
) -> None:
    params = {"awaiting_sender": "wgy_li", "awaiting_group": "demo", "awaiting_since": NOW - timedelta(minutes=2)}
    with services.session_factory() as session:
        _suspects(session)
        plan = _plan(session, _AWAITING, params)
        if session.get_bind().dialect.name == "postgresql":
            assert "ix_suspected_reports_awaiting" in plan, plan
            assert "received_at >=" in plan.split("Index Cond:", 1)[1], plan
            generic = _generic_plan(session, _AWAITING, params)
            assert "ix_suspected_reports_awaiting" in generic and "pk_suspected_reports" not in generic, generic
        else:
            wanted = (
                "ix_suspected_reports_awaiting (sender_id=? AND group_id=? AND kind=? AND status=? AND received_at>?)"
            )
            assert wanted in plan, plan


def test_a_reports_open_repeat_is_found_without_reading_the_places_closed_history(
    services: AppServices,
) -> None:
    """A market's gate reported for years holds thousands of closed tickets of one category;
    a new report there reads only the open ones. Before, the planner expected open ones early
    in id order and walked the whole table by primary key (0.5 s at a million tickets), or read
    the place's whole history through (category, location)."""
    spot = "南关市场门口"
    rows = [
        {"status": "closed", "category": "garbage", "unit": "hws", "text": f"{spot}垃圾满了", "reporter_id": "wgy_li",
         "reporter_name": "李网格", "group_id": "demo", "location": spot, "place_key": spot,
         "created_at": START + timedelta(hours=i)}
        for i in range(HISTORY)
    ]  # fmt: skip
    statuses = ("dispatched", "claimed", "fixed", "closed", "closed", "cancelled")
    categories = ("garbage", "car_parking", "ads", "road", "greening")
    elsewhere = [
        {
            **row,
            "status": statuses[i % 6],
            "category": categories[i % 5],
            "location": f"府前街{i % 500}号",
            "place_key": f"府前街{i % 500}号",
        }
        for i, row in enumerate(rows)
    ]  # the rest of the ledger: every status, category and many places
    with services.session_factory() as session:
        session.execute(insert(Ticket), [*rows, *elsewhere])
        _analyse(session)
        params = {"category": "garbage", "place_key": spot}
        plan = _plan(session, _OPEN_REPEATED.statement, params)
        if session.get_bind().dialect.name == "postgresql":
            assert "ix_tickets_category_place_key_status" in plan, plan
            assert "(status)::text = ANY" in plan.split("Index Cond:", 1)[1].split("\n", 1)[0], plan
            generic = _generic_plan(session, _OPEN_REPEATED.statement, params)
            assert "ix_tickets_category_place_key_status" in generic and "pk_tickets" not in generic, generic
        else:
            wanted = "ix_tickets_category_place_key_status (category=? AND place_key=? AND status=?)"
            assert wanted in plan, plan
        assert "SCAN tickets" not in plan and "Seq Scan" not in plan, plan
        assert open_repeated(session, "garbage", spot) is None
        session.commit()
