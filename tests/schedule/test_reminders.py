"""Reminders and escalations fire once, at the right instant, and hold during quiet hours."""

from __future__ import annotations

import threading
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import Engine, select

from bot.app_services import AppServices, build_services
from bot.core.clock import ManualClock
from config.settings import Settings
from models import OutboxMessage, ReminderKind, Ticket, TicketReminder
from tests.support.chat import Chat

SH = ZoneInfo("Asia/Shanghai")
GARBAGE = "府前街与南环路交叉口西北角垃圾堆了两天了"  # claim 2 h, fix 24 h


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=SH)


def outbox(services: AppServices) -> list[OutboxMessage]:
    """The reminders queued so far (digests go through the same outbox and are left out)."""
    with services.session_factory() as session:
        query = select(OutboxMessage).where(OutboxMessage.kind == "reminder").order_by(OutboxMessage.id)
        return list(session.scalars(query))


def sweep_every(services: AppServices, clock: ManualClock, until: datetime, step: timedelta) -> None:
    while clock.now() < until:
        clock.advance(step)
        services.scheduler.run_due(clock.now())


def test_unclaimed_ticket_gets_each_reminder_once_at_its_instant(
    chat: Chat, services: AppServices, clock: ManualClock
) -> None:
    n = chat.report(GARBAGE)  # Monday 09:00: claim by 11:00, fix by Tuesday 09:00
    fired: dict[str, datetime] = {}
    while clock.now() < at("2026-11-25T10:00"):
        clock.advance(timedelta(minutes=5))
        services.scheduler.run_due(clock.now())
        for message in outbox(services):
            kind = message.text.split(" ")[1]
            fired.setdefault(kind, clock.now())
    assert fired == {
        "认领提醒": at("2026-11-23T10:30"),
        "超时未认领": at("2026-11-23T11:00"),
        "整改提醒": at("2026-11-24T07:00"),  # due at 05:00, held through quiet hours
        "超期未整改": at("2026-11-24T09:00"),
        "二次督办": at("2026-11-25T09:00"),
    }
    messages = outbox(services)
    assert len(messages) == 5
    by_kind = {m.text.split(" ")[1]: m for m in messages}
    assert by_kind["认领提醒"].mentions == ["hws_chen"]
    assert by_kind["认领提醒"].text.startswith(f"⏰ 认领提醒 #{n}【垃圾与环境卫生】")
    assert set(by_kind["超时未认领"].mentions) == {"hws_chen", "ccb_wang", "ccb_zhao"}
    assert "ld_ma" in by_kind["二次督办"].mentions
    assert "已超期24小时仍未整改" in by_kind["二次督办"].text
    with services.session_factory() as session:
        events = [e.type for e in session.get_one(Ticket, n).events]
    assert events.count("reminded") == 5


def test_claimed_ticket_gets_no_claim_alarm_and_fixed_ticket_no_fix_alarm(
    chat: Chat, services: AppServices, clock: ManualClock
) -> None:
    n = chat.report(GARBAGE)
    chat.say(f"认领 {n}", sender="hws_chen")
    sweep_every(services, clock, at("2026-11-24T08:00"), timedelta(minutes=10))
    kinds = [m.text.split(" ")[1] for m in outbox(services)]
    assert kinds == ["整改提醒"]
    chat.say(f"完成 {n}", sender="hws_chen")
    sweep_every(services, clock, at("2026-11-26T08:00"), timedelta(minutes=30))
    assert [m.text.split(" ")[1] for m in outbox(services)] == ["整改提醒"]


def test_urgent_reminders_go_out_during_quiet_hours(chat: Chat, services: AppServices, clock: ManualClock) -> None:
    clock.set(at("2026-11-23T23:00"))
    chat.report("杏园村村口有个井盖没了，就剩一个大窟窿")  # claim in 30 min, reminder after 15
    services.scheduler.run_due(at("2026-11-23T23:14"))
    assert outbox(services) == []
    services.scheduler.run_due(at("2026-11-23T23:15"))
    assert [m.text.split(" ")[1] for m in outbox(services)] == ["认领提醒"]


def test_extension_gives_the_new_deadline_its_own_reminders(
    chat: Chat, services: AppServices, clock: ManualClock
) -> None:
    n = chat.report(GARBAGE)
    chat.say(f"认领 {n}", sender="hws_chen")
    services.scheduler.run_due(at("2026-11-24T07:00"))
    chat.say(f"延期 {n} 1天 清运车辆检修", sender="hws_chen")
    chat.say(f"同意延期 {n}", sender="ccb_wang")
    services.scheduler.run_due(at("2026-11-24T09:30"))  # old deadline passed: no alarm
    assert [m.text.split(" ")[1] for m in outbox(services)] == ["整改提醒"]
    services.scheduler.run_due(at("2026-11-25T07:00"))
    services.scheduler.run_due(at("2026-11-25T09:00"))
    assert [m.text.split(" ")[1] for m in outbox(services)] == ["整改提醒", "整改提醒", "超期未整改"]


def test_waiting_for_verification_does_not_count_against_the_unit(
    chat: Chat, services: AppServices, clock: ManualClock
) -> None:
    n = chat.report(GARBAGE)
    clock.advance(timedelta(hours=2))
    chat.say(f"完成 {n}", sender="hws_chen")
    clock.advance(timedelta(hours=30))  # the reporter takes 30 hours to check
    services.scheduler.run_due(clock.now())
    assert not [m for m in outbox(services) if "超期未整改" in m.text]
    chat.say(f"验收 {n} 不通过 还有垃圾")
    with services.session_factory() as session:
        assert session.get_one(Ticket, n).fix_deadline == at("2026-11-24T09:00") + timedelta(hours=30)


def test_second_sweep_restart_and_second_process_send_nothing_twice(
    chat: Chat, services: AppServices, settings: Settings, engine: Engine, clock: ManualClock
) -> None:
    roads = "东西南北前后新老红绿青白"
    tickets = [chat.report(f"{road}环路与光明大街交叉口垃圾桶满溢没人清") for road in roads]
    assert len(set(tickets)) == 12
    services.scheduler.run_due(at("2026-11-23T10:45"))
    now = at("2026-11-23T11:05")
    services.scheduler.run_due(now)
    first = len(outbox(services))
    assert first == 2 * len(tickets)  # claim reminder + claim alarm each
    services.scheduler.run_due(now)  # the same instant again
    restarted = build_services(settings, services.cfg, clock=ManualClock(now))  # a fresh process
    restarted.scheduler.run_due(now)
    assert len(outbox(services)) == first

    later = at("2026-11-24T09:00")
    others = [build_services(settings, services.cfg, clock=ManualClock(later)) for _ in range(3)]
    barrier = threading.Barrier(len(others))

    def run(other: AppServices) -> None:
        barrier.wait()
        other.scheduler.run_due(later)

    threads = [threading.Thread(target=run, args=(o,)) for o in others]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    with services.session_factory() as session:
        kinds = session.execute(select(TicketReminder.ticket_id, TicketReminder.kind)).all()
    assert len(kinds) == len(set(kinds))
    fix = [k for k in kinds if k[1] in (ReminderKind.FIX_SOON, ReminderKind.FIX_OVERDUE)]
    assert len(fix) == len(tickets)  # at the deadline itself: the alarm, not the "soon" reminder
    assert len(outbox(services)) == 3 * len(tickets)
    for other in [*others, restarted]:
        other.engine.dispose()


def test_guanjia_sweep_command_queues_as_of_the_given_instant(tmp_path: object) -> None:
    import os
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    env = dict(os.environ, GUANJIA_DATABASE_URL=f"sqlite:///{tmp_path}/sweep.db")
    env.pop("GUANJIA_CONFIG", None)
    chat = subprocess.run(
        [sys.executable, "-m", "bot.cli", "chat"],
        input="府前街与南环路交叉口西北角垃圾堆了两天了\n", capture_output=True, text=True, env=env, timeout=120, cwd=root,
    )  # fmt: skip
    assert "已登记 #1" in chat.stdout, chat.stderr
    # The simulator's clock started at the wall clock; sweep three days later, outside quiet hours.
    later = (datetime.now(SH) + timedelta(days=3)).strftime("%Y-%m-%dT10:00")
    args = [sys.executable, "-m", "bot.cli", "sweep", "--now", later, "--send"]
    first = subprocess.run(args, capture_output=True, text=True, env=env, timeout=120, cwd=root)
    assert first.returncode == 0, first.stderr
    # Overdue on both deadlines at once: the fix alarm alone (超时未认领 is dropped), and 二次督办.
    assert "提醒 2 条（#1）" in first.stdout and "发送：成功 2" in first.stdout
    assert "🔴 超期未整改 #1" in first.stdout and "🚨 二次督办 #1" in first.stdout
    assert "超时未认领" not in first.stdout
    again = subprocess.run(args, capture_output=True, text=True, env=env, timeout=120, cwd=root)
    assert "提醒 0 条" in again.stdout and "发送：成功 0" in again.stdout
    bad = subprocess.run([*args[:5], "tuesday"], capture_output=True, text=True, env=env, timeout=120, cwd=root)
    assert bad.returncode == 2 and "not an ISO 8601 time" in bad.stdout
