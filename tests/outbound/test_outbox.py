"""The outbox delivers each message once: retries with backoff, per-robot rate limit, restarts."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import Engine, select

from bot.app_services import AppServices, build_services
from bot.chat.messages import IncomingMessage, Outcome, Reply
from bot.connections.dingtalk_replies import FALLBACK_DELAY, keep_for_group_robot
from bot.core.clock import ManualClock
from bot.outbound.outbox import enqueue, settle_replies
from config.schema import GuanjiaConfig
from config.settings import Settings
from models import OutboxMessage, OutboxStatus
from tests.support.config_factory import config_with
from tests.support.generic_target import FakeTarget, running_target


def generic_group(url: str) -> GuanjiaConfig:
    def change(data: dict[str, Any]) -> None:
        data["groups"]["demo"]["outbound"] = {"platform": "generic", "url": url}

    return config_with(change)


@pytest.fixture
def target() -> Iterator[FakeTarget]:
    with running_target() as fake:
        yield fake


@pytest.fixture
def sending(settings: Settings, engine: Engine, clock: ManualClock, target: FakeTarget) -> AppServices:
    return build_services(settings, generic_group(target.url), clock=clock, engine=engine)


def queue(services: AppServices, text: str, **extra: Any) -> int | None:
    with services.session_factory() as session, session.begin():
        return enqueue(session, group_id="demo", kind="notice", text=text, now=services.clock.now(), **extra)


def rows(services: AppServices) -> list[OutboxMessage]:
    with services.session_factory() as session:
        return list(session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))


def test_failures_are_retried_with_backoff_and_delivered_once(
    sending: AppServices, target: FakeTarget, clock: ManualClock
) -> None:
    target.script = [500, 503, 500]
    queue(sending, "日报：今日新增3件", mentions=["hws_chen"])
    waits = []
    while not target.accepted:
        report = sending.sender.run_once()
        assert sending.sender.run_once().sent == 0  # not due again before its backoff
        if report.retried:
            (row,) = rows(sending)
            waits.append((row.next_attempt_at - clock.now()).total_seconds())
            clock.set(row.next_attempt_at)
    assert waits == [2, 4, 8]
    assert target.accepted == [{"group_id": "demo", "text": "日报：今日新增3件", "mentions": ["hws_chen"]}]
    assert len(target.received) == 4
    clock.advance(timedelta(hours=1))
    assert sending.sender.run_once().sent == 0
    (row,) = rows(sending)
    assert row.status == "sent" and row.attempts == 4


def test_backoff_is_capped(sending: AppServices, target: FakeTarget, clock: ManualClock) -> None:
    target.script = [500] * 12
    queue(sending, "x")
    waits = []
    for _ in range(12):
        sending.sender.run_once()
        due = rows(sending)[0].next_attempt_at
        waits.append((due - clock.now()).total_seconds())
        clock.set(due)
    assert waits == [2, 4, 8, 16, 32, 64, 128, 256, 300, 300, 300, 300]
    (row,) = rows(sending)
    assert row.attempts == 12 and row.status == "pending"
    sending.sender.run_once()
    assert rows(sending)[0].status == "sent"


def test_rate_limit_answer_is_respected(sending: AppServices, target: FakeTarget, clock: ManualClock) -> None:
    target.script = [429]
    target.retry_after = "30"
    queue(sending, "x")
    assert sending.sender.run_once().retried == 1
    assert rows(sending)[0].next_attempt_at == clock.now() + timedelta(seconds=30)


def test_permanent_error_is_not_retried(sending: AppServices, target: FakeTarget, clock: ManualClock) -> None:
    target.script = [403]
    queue(sending, "x")
    assert sending.sender.run_once().failed == 1
    clock.advance(timedelta(hours=1))
    sending.sender.run_once()
    assert len(target.received) == 1 and rows(sending)[0].status == "failed"


def test_never_more_than_20_a_minute_per_robot(sending: AppServices, target: FakeTarget, clock: ManualClock) -> None:
    for i in range(25):
        queue(sending, f"提醒 {i}")
    first = sending.sender.run_once()
    assert (first.sent, first.deferred) == (20, 5)
    clock.advance(timedelta(seconds=30))
    assert sending.sender.run_once().sent == 0
    clock.advance(timedelta(seconds=30))
    assert sending.sender.run_once().sent == 5
    assert [b["text"] for b in target.accepted] == [f"提醒 {i}" for i in range(25)]


def test_dedupe_key_queues_once(sending: AppServices) -> None:
    assert queue(sending, "日报", dedupe_key="digest:daily:2026-11-23:demo") is not None
    assert queue(sending, "日报", dedupe_key="digest:daily:2026-11-23:demo") is None
    assert len(rows(sending)) == 1


def test_restart_after_a_crash_mid_send_loses_nothing(
    sending: AppServices, settings: Settings, target: FakeTarget, clock: ManualClock
) -> None:
    queue(sending, "提醒 A")
    queue(sending, "提醒 B")
    from bot.outbound.sender import SendReport

    assert sending.sender._claim_next(SendReport()) is not None  # taken, then the process dies
    restarted = build_services(settings, sending.cfg, clock=clock)
    assert restarted.sender.run_once().sent == 1  # B; A is still leased to the dead sender
    clock.advance(timedelta(seconds=61))
    assert restarted.sender.run_once().sent == 1
    assert sorted(b["text"] for b in target.accepted) == ["提醒 A", "提醒 B"]
    assert restarted.sender.run_once().sent == 0
    restarted.engine.dispose()


def test_unknown_group_fails_with_a_reason(services: AppServices) -> None:
    with services.session_factory() as session, session.begin():
        enqueue(session, group_id="nowhere", kind="notice", text="x", now=services.clock.now())
    assert services.sender.run_once().failed == 1
    assert "not configured" in (rows(services)[0].last_error or "")


def _stream_message(n: int) -> IncomingMessage:
    return IncomingMessage("dingtalk", f"ding-{n}", "demo", "wgy_li", "李网格", "府前街垃圾堆了两天了")


def test_a_reply_held_for_its_own_way_is_sent_by_the_robot_when_that_way_never_reported(
    sending: AppServices, target: FakeTarget, clock: ManualClock
) -> None:
    """A Stream reply queued in the message's transaction, then the process died before the
    sessionWebhook post: the group robot sends it once the hold is over, and only then."""
    outcome = Outcome([Reply("已登记 #1")])
    with sending.session_factory() as session, session.begin():
        keep_for_group_robot(session, _stream_message(1), outcome, clock.now())
    assert sending.sender.run_once().sent == 0
    clock.advance(FALLBACK_DELAY - timedelta(seconds=1))
    assert sending.sender.run_once().sent == 0
    clock.advance(timedelta(seconds=1))
    assert sending.sender.run_once().sent == 1
    assert [m["text"] for m in target.accepted] == ["已登记 #1"]


def test_a_reply_its_own_way_delivered_is_never_sent_by_the_robot(
    sending: AppServices, target: FakeTarget, clock: ManualClock
) -> None:
    outcome = Outcome([Reply("已登记 #1"), Reply("请补充地点")])
    message = _stream_message(2)
    with sending.session_factory() as session, session.begin():
        keep_for_group_robot(session, message, outcome, clock.now())
    with sending.session_factory() as session, session.begin():
        settle_replies(session, message, 2, clock.now(), delivered=True)
    clock.advance(FALLBACK_DELAY * 10)
    assert sending.sender.run_once().sent == 0
    assert target.accepted == []
    assert {row.status for row in rows(sending)} == {OutboxStatus.SUPERSEDED}


def test_a_reply_its_own_way_refused_is_sent_by_the_robot_at_once(
    sending: AppServices, target: FakeTarget, clock: ManualClock
) -> None:
    outcome = Outcome([Reply("已登记 #1")])
    message = _stream_message(3)
    with sending.session_factory() as session, session.begin():
        keep_for_group_robot(session, message, outcome, clock.now())
    with sending.session_factory() as session, session.begin():
        settle_replies(session, message, 1, clock.now(), delivered=False)
    assert sending.sender.run_once().sent == 1
    assert [m["text"] for m in target.accepted] == ["已登记 #1"]
