"""Working-time deadlines across a public holiday and a 调休 Saturday; urgent stays natural."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import Engine, select

from bot.app_services import build_services
from bot.core.clock import ManualClock
from bot.tickets.work_calendar import WorkCalendar
from config.settings import Settings
from models import OutboxMessage, Ticket
from tests.support.chat import Chat
from tests.support.config_factory import config_with

SH = ZoneInfo("Asia/Shanghai")


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=SH)


def working_facilities(data: dict[str, Any]) -> None:
    data["categories"]["facility"].update(clock="working", claim_hours=2, fix_hours=7.5)


def test_national_day_and_make_up_saturday() -> None:
    calendar = WorkCalendar(config_with(lambda d: None))
    assert not calendar.is_workday(at("2026-10-01T00:00").date())
    assert calendar.is_workday(at("2026-10-10T00:00").date())  # 调休: a Saturday that is worked
    assert not calendar.is_workday(at("2026-10-11T00:00").date())
    # 17:00 on the eve of the holiday: one office hour left, then nothing until 8 October.
    assert calendar.add_working_hours(at("2026-09-30T17:00"), 2) == at("2026-10-08T10:00")
    assert calendar.add_working_hours(at("2026-09-30T17:00"), 7.5) == at("2026-10-08T17:00")
    # Friday 17:00 + 2 working hours lands on the make-up Saturday morning.
    assert calendar.add_working_hours(at("2026-10-09T17:00"), 2) == at("2026-10-10T10:00")
    # Lunch break and evenings do not count.
    assert calendar.add_working_hours(at("2026-11-23T11:30"), 1) == at("2026-11-23T14:00")
    assert calendar.add_working_hours(at("2026-11-23T20:00"), 1) == at("2026-11-24T10:00")
    assert calendar.working_hours_between(at("2026-09-30T17:00"), at("2026-10-08T10:00")) == pytest.approx(2)


def test_extra_days_override_and_unknown_year_falls_back_to_weekdays(caplog: pytest.LogCaptureFixture) -> None:
    cfg = config_with(lambda d: d["calendar"].update(extra_holidays=["2026-11-23"], extra_workdays=["2026-11-29"]))
    calendar = WorkCalendar(cfg)
    assert not calendar.is_workday(at("2026-11-23T00:00").date())
    assert calendar.is_workday(at("2026-11-29T00:00").date())
    far = WorkCalendar(config_with(lambda d: None))
    assert far.is_workday(at("2031-03-03T00:00").date())  # a Monday, year unknown to the package
    assert not far.is_workday(at("2031-03-01T00:00").date())


@pytest.fixture
def holiday_chat(settings: Settings, engine: Engine) -> tuple[Chat, ManualClock]:
    clock = ManualClock(at("2026-09-30T17:00"))
    return Chat(build_services(settings, config_with(working_facilities), clock=clock, engine=engine)), clock


def test_working_time_category_deadlines_skip_the_holiday(holiday_chat: tuple[Chat, ManualClock]) -> None:
    chat, _clock = holiday_chat
    outcome = chat.send("人民公园南门的路灯坏了好几盏，晚上一片漆黑")
    (n,) = outcome.tickets
    assert "请于10月8日 10:00前认领、10月8日 17:00前整改（按工作时计）" in outcome.replies[0].text
    with chat.services.session_factory() as session:
        ticket = session.get_one(Ticket, n)
        assert ticket.claim_deadline == at("2026-10-08T10:00")
        assert ticket.fix_deadline == at("2026-10-08T17:00")


def test_urgent_report_counts_natural_hours_even_in_a_working_time_category(
    holiday_chat: tuple[Chat, ManualClock],
) -> None:
    chat, clock = holiday_chat
    outcome = chat.send("人民公园南门路面塌陷了一个大坑，很危险")
    (n,) = outcome.tickets
    with chat.services.session_factory() as session:
        ticket = session.get_one(Ticket, n)
        assert ticket.urgent
        assert ticket.claim_deadline == clock.now() + timedelta(minutes=30)
        assert ticket.fix_deadline == clock.now() + timedelta(hours=4)


def test_reminders_across_the_holiday_fire_once_on_the_first_working_morning(
    holiday_chat: tuple[Chat, ManualClock],
) -> None:
    chat, clock = holiday_chat
    (n,) = chat.send("人民公园南门的路灯坏了好几盏，晚上一片漆黑").tickets
    fired: list[tuple[str, datetime]] = []
    seen = 0
    while clock.now() < at("2026-10-08T18:00"):
        clock.advance(timedelta(minutes=15))
        chat.services.scheduler.run_due(clock.now())
        with chat.services.session_factory() as session:
            query = select(OutboxMessage).where(OutboxMessage.kind == "reminder").order_by(OutboxMessage.id)
            texts = [m.text for m in session.scalars(query)]
        fired += [(t.split(" ")[1], clock.now()) for t in texts[seen:]]
        seen = len(texts)
    assert fired == [
        ("认领提醒", at("2026-10-08T09:30")),  # 30 min before; nothing during the holiday
        ("超时未认领", at("2026-10-08T10:00")),
        ("整改提醒", at("2026-10-08T13:00")),  # 4 natural hours before 17:00
        ("超期未整改", at("2026-10-08T17:00")),
    ]
    assert n
