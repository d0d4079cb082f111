"""Each scheduled producer commits on its own, and no chart is drawn inside a transaction."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import event, select

from bot.app_services import AppServices
from bot.core.clock import ManualClock
from bot.reports import summaries
from models import OutboxMessage
from tests.reports.test_digests import build_day
from tests.reports.test_kpi import at, cfg  # noqa: F401 - cfg: the pinned-deadline config
from tests.support.chat import Chat


def outbox(services: AppServices) -> list[tuple[str, str | None]]:
    with services.session_factory() as session:
        rows = session.execute(select(OutboxMessage.kind, OutboxMessage.dedupe_key).order_by(OutboxMessage.id))
        return [(kind, key) for kind, key in rows]


def test_a_failing_digest_takes_nothing_of_the_reminders_or_the_other_digests(
    chat: Chat, clock: ManualClock, services: AppServices, monkeypatch: pytest.MonkeyPatch
) -> None:
    build_day(chat, clock)

    def broken(*_args: Any) -> str:
        raise RuntimeError("matplotlib: the font cache is corrupt")

    monkeypatch.setattr(summaries, "bar_chart_png", broken)
    evening = at(23, 17, 30)  # Monday: the 周报 (from 09:00) and the 日报 are due, claims overdue
    report = services.scheduler.run_due(evening)
    assert report.failed == ["周报"]
    assert report.digests == ["日报 demo"]
    assert report.reminded_tickets
    queued = outbox(services)
    assert [kind for kind, _ in queued].count("reminder") == len(report.reminded_tickets)
    assert ("digest", "digest:daily:2026-11-23:demo") in queued
    assert ("digest", "digest:weekly:2026-11-23:demo") not in queued

    monkeypatch.undo()  # fixed: the next sweep queues the 周报 and repeats nothing
    again = services.scheduler.run_due(evening)
    assert (again.failed, again.digests, again.reminded_tickets) == ([], ["周报 demo"], [])
    assert outbox(services) == [*queued, ("digest", "digest:weekly:2026-11-23:demo")]


def test_the_weekly_chart_is_drawn_with_no_transaction_open(
    chat: Chat, clock: ManualClock, services: AppServices, monkeypatch: pytest.MonkeyPatch
) -> None:
    """On SQLite an open transaction holds the write lock: every message would wait for matplotlib."""
    build_day(chat, clock)
    open_now = [0]
    open_while_drawing: list[int] = []

    def began(_conn: Any) -> None:
        open_now[0] += 1

    def ended(_conn: Any) -> None:
        open_now[0] -= 1

    real = summaries.bar_chart_png

    def drawing(*args: Any) -> str:
        open_while_drawing.append(open_now[0])
        return real(*args)

    monkeypatch.setattr(summaries, "bar_chart_png", drawing)
    listeners = (("begin", began), ("commit", ended), ("rollback", ended))
    for name, listener in listeners:
        event.listen(services.engine, name, listener)
    try:
        report = services.scheduler.run_due(at(23, 9))  # Monday 09:00: the 周报 with its chart
    finally:
        for name, listener in listeners:
            event.remove(services.engine, name, listener)
    assert report.digests == ["周报 demo"]
    assert open_while_drawing == [0]
