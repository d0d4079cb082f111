"""验收不通过 gives the unit a real rework window, and a late fix stays late (finding: a failed
fix on an overdue ticket got a deadline already past, and the 超期 alarm fired again at once)."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select

from bot.app_services import AppServices
from bot.core.clock import ManualClock
from bot.reports import periods
from bot.reports.kpi import unit_kpis
from bot.schedule.reminder_texts import message
from models import OutboxMessage, ReminderKind, Ticket
from tests.support.chat import Chat

SH = ZoneInfo("Asia/Shanghai")
BIKES = "菜市场东门共享单车乱停一大片"  # 交通局 (jtj_wu): claim 2 h, fix 24 h


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=SH)


def reminders(services: AppServices) -> list[tuple[datetime, str]]:
    with services.session_factory() as session:
        query = select(OutboxMessage).where(OutboxMessage.kind == "reminder").order_by(OutboxMessage.id)
        return [(m.created_at, m.text) for m in session.scalars(query)]


def sweep_until(services: AppServices, clock: ManualClock, until: datetime) -> None:
    while clock.now() < until:
        clock.advance(timedelta(minutes=1))
        services.scheduler.run_due(clock.now())


def late_fix_failed(chat: Chat, services: AppServices, clock: ManualClock) -> int:
    """The tester's week: reported Mon 09:00, claimed, fixed 6 minutes late, failed 3 hours later."""
    clock.set(at("2026-12-07T09:00"))
    n = chat.report(BIKES)
    chat.say(f"{n}号收到", sender="jtj_wu")
    sweep_until(services, clock, at("2026-12-08T09:06"))
    chat.say(f"{n}号已经处理好了", sender="jtj_wu")
    clock.set(at("2026-12-08T12:06"))
    services.scheduler.run_due(clock.now())
    reply = chat.say(f"验收 {n} 不通过 还有十几辆")
    assert "验收不通过（还有十几辆），请交通局继续整改" in reply
    return n


def test_a_late_fix_failed_gets_a_rework_window_not_a_deadline_already_past(
    chat: Chat, services: AppServices, clock: ManualClock
) -> None:
    n = late_fix_failed(chat, services, clock)
    with services.session_factory() as session:
        ticket = session.get_one(Ticket, n)
        assert ticket.status == "claimed"
        # Half the category's 24 hours from the failed 验收, not 09:00 + 3 h (already gone).
        assert ticket.fix_deadline == at("2026-12-09T00:06")
        reopened = ticket.events[-1]
        assert reopened.type == "reopened"
        assert reopened.data["missed"] == at("2026-12-08T09:00").astimezone(ticket.fix_deadline.tzinfo).isoformat()
    before = len(reminders(services))
    sweep_until(services, clock, at("2026-12-08T12:30"))
    assert len(reminders(services)) == before  # no second 超期未整改 at 12:07
    assert "12月8日 12:00" not in "".join(text for _, text in reminders(services))
    sweep_until(services, clock, at("2026-12-08T22:00"))
    soon = reminders(services)[before:]
    assert len(soon) == 1 and soon[0][1].startswith(f"⏰ 整改提醒 #{n}")
    assert soon[0][0] == at("2026-12-08T20:06")  # fix_lead_hours (4) before the new deadline
    assert "整改期限12月9日 00:06（还剩4小时）" in soon[0][1]


def test_failing_a_late_fix_does_not_make_it_on_time(chat: Chat, services: AppServices, clock: ManualClock) -> None:
    n = late_fix_failed(chat, services, clock)
    clock.set(at("2026-12-08T15:00"))
    chat.say(f"{n}号已经处理好了", sender="jtj_wu")  # well inside the rework window
    chat.say(f"验收 {n} 通过")
    week = periods.week_containing(services.cfg, at("2026-12-07T09:00").date())
    clock.set(at("2026-12-14T09:00"))
    with services.session_factory() as session:
        jtj = unit_kpis(session, services.cfg, week, clock.now())["jtj"]
    assert (jtj.fixed, jtj.fixed_on_time, jtj.on_time_fix_rate) == (1, 0, 0.0)
    assert jtj.overdue == 1


def test_an_on_time_fix_failed_keeps_its_time_left_plus_the_wait(
    chat: Chat, services: AppServices, clock: ManualClock
) -> None:
    clock.set(at("2026-12-07T09:00"))
    n = chat.report(BIKES)
    clock.set(at("2026-12-07T10:00"))
    chat.say(f"完成 {n}", sender="jtj_wu")  # 23 hours before the deadline
    clock.set(at("2026-12-07T12:00"))
    chat.say(f"验收 {n} 不通过 还有几辆")
    with services.session_factory() as session:
        ticket = session.get_one(Ticket, n)
        assert ticket.fix_deadline == at("2026-12-08T11:00")  # 09:00 + the 2 hours waiting
        assert "missed" not in ticket.events[-1].data


def test_a_soon_reminder_never_says_还剩_about_a_past_deadline(chat: Chat, services: AppServices) -> None:
    n = chat.report(BIKES)
    with services.session_factory() as session:
        ticket = session.get_one(Ticket, n)
        assert ticket.fix_deadline is not None
        text, _ = message(
            services.cfg, ReminderKind.FIX_SOON, ticket, ticket.fix_deadline, ticket.fix_deadline + timedelta(hours=3)
        )
    assert "还剩" not in text and "已过3小时" in text
