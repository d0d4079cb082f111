"""迎检 reminders: overdue alarms repeat, 二次督办 comes sooner, and the leaders get one overdue list a day."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Engine, select

from bot.app_services import AppServices, build_services
from bot.core.clock import ManualClock
from bot.schedule.campaign_jobs import CampaignEscalationProducer
from config.settings import Settings
from models import OutboxMessage
from tests.support.chat import Chat
from tests.support.config_factory import config_with

SH = ZoneInfo("Asia/Shanghai")
GARBAGE = "府前街与南环路交叉口西北角垃圾堆了两天了"  # claim 2 h, fix 24 h
CAR = "东关大街与北环路交叉口有辆白色轿车停在人行道上"


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=SH)


def queued(services: AppServices, kind: str) -> list[OutboxMessage]:
    with services.session_factory() as session:
        query = select(OutboxMessage).where(OutboxMessage.kind == kind).order_by(OutboxMessage.id)
        return list(session.scalars(query))


def fired(services: AppServices, clock: ManualClock, until: datetime, step: timedelta) -> dict[str, list[datetime]]:
    """Sweep every `step` until `until`; each reminder headline → the instants it was queued at
    (the reminders quiet hours held go out as one list: each of its lines counts)."""
    seen: dict[str, list[datetime]] = {}
    count = len(queued(services, "reminder"))
    while clock.now() < until:
        clock.advance(step)
        services.scheduler.run_due(clock.now())
        messages = queued(services, "reminder")
        for message in messages[count:]:
            head, *rows = message.text.splitlines()
            for line in rows if head.startswith("🔔 免打扰时段") else [head]:
                seen.setdefault(line.split(" ")[1], []).append(clock.now())
        count = len(messages)
    return seen


def test_without_a_period_each_alarm_fires_once(chat: Chat, services: AppServices, clock: ManualClock) -> None:
    chat.report(GARBAGE)  # Monday 09:00: claim by 11:00, fix by Tuesday 09:00
    seen = fired(services, clock, at("2026-11-25T12:00"), timedelta(minutes=30))
    assert seen["超时未认领"] == [at("2026-11-23T11:00")]
    assert seen["超期未整改"] == [at("2026-11-24T09:00")]
    assert seen["二次督办"] == [at("2026-11-25T09:00")]
    assert "迎检再次催办" not in seen


def test_during_a_period_overdue_alarms_repeat_and_escalation_comes_sooner(
    chat: Chat, services: AppServices, clock: ManualClock
) -> None:
    n = chat.report(GARBAGE)  # dispatched before the period: 2 h / 24 h stay
    chat.say("迎检模式 开启 至 12月15日", "ccb_wang")
    seen = fired(services, clock, at("2026-11-24T22:00"), timedelta(minutes=30))
    assert seen["超时未认领"] == [at("2026-11-23T11:00")]
    # Every 4 hours after the previous alarm while the fix deadline is ahead, held in quiet hours
    # (22:00–07:00: the one due at 23:00 goes out at 07:00, in the list with the 整改提醒 held too).
    # The 07:00 one is the last: at 09:00 the fix deadline passes and its own alarm takes over.
    assert seen["迎检再次催办"][:3] == [at("2026-11-23T15:00"), at("2026-11-23T19:00"), at("2026-11-24T07:00")]
    assert seen["超期未整改"] == [at("2026-11-24T09:00")]
    # 4, 8 and 12 hours after that first fix alarm (Tuesday 09:00): 13:00, 17:00, 21:00.
    assert seen["迎检再次催办"][3:] == [at("2026-11-24T13:00"), at("2026-11-24T17:00"), at("2026-11-24T21:00")]
    # 二次督办 after 24 h × 0.5 = 12 h instead of 24 h, (Tuesday 21:00).
    assert seen["二次督办"] == [at("2026-11-24T21:00")]
    again = [m for m in queued(services, "reminder") if "迎检再次催办" in m.text]
    assert f"#{n}" in again[-1].text and "仍未整改" in again[-1].text
    assert {"hws_chen", "ccb_wang", "ccb_zhao"} <= set(again[-1].mentions)


def test_repeats_stop_when_the_period_is_switched_off(chat: Chat, services: AppServices, clock: ManualClock) -> None:
    chat.report(GARBAGE)
    chat.say("迎检模式 开启 至 12月15日", "ccb_wang")
    seen = fired(services, clock, at("2026-11-23T16:00"), timedelta(minutes=30))
    assert seen["迎检再次催办"] == [at("2026-11-23T15:00")]
    chat.say("迎检模式 关闭", "ccb_wang")
    seen = fired(services, clock, at("2026-11-24T08:00"), timedelta(minutes=30))
    assert "迎检再次催办" not in seen


def test_daily_escalation_lists_overdue_tickets_to_the_leaders_once_a_day(
    chat: Chat, services: AppServices, clock: ManualClock
) -> None:
    late = chat.report(GARBAGE)
    chat.say("迎检模式 开启 至 12月15日", "ccb_wang")
    fired(services, clock, at("2026-11-24T08:50"), timedelta(minutes=10))
    assert queued(services, "campaign") == []  # overdue since 11:00 Monday, but the time is 09:00
    claimed = chat.report(CAR)
    chat.say(f"认领 {claimed}", "jtzd_zhou")
    fired(services, clock, at("2026-11-24T23:50"), timedelta(minutes=10))
    (message,) = queued(services, "campaign")
    assert message.created_at == at("2026-11-24T09:00")
    assert message.text.startswith("🚨 迎检督办 11月24日：全国文明城市测评期间超时超期工单1条")
    assert f"#{late}【垃圾与环境卫生】" in message.text and f"#{claimed}" not in message.text
    assert "⏳ 迎检倒计时：距全国文明城市测评结束还有 21 天（至 12月15日）" in message.text
    assert message.mentions[0] == "ld_ma" and "ccb_wang" in message.mentions
    assert message.group_id == "demo"
    fired(services, clock, at("2026-11-25T09:30"), timedelta(minutes=10))
    assert [m.created_at for m in queued(services, "campaign")] == [at("2026-11-24T09:00"), at("2026-11-25T09:00")]


def test_a_second_scheduler_process_queues_the_escalation_no_second_time(
    chat: Chat, services: AppServices, clock: ManualClock, settings: Settings, engine: Engine
) -> None:
    chat.report(GARBAGE)
    chat.say("迎检模式 开启 至 12月15日", "ccb_wang")
    clock.set(at("2026-11-24T09:05"))
    other = build_services(settings, services.cfg, clock=clock, engine=engine)
    produce = CampaignEscalationProducer()
    assert produce(services.session_factory, services.cfg, clock.now()) == ["迎检督办 demo"]
    assert produce(other.session_factory, other.cfg, clock.now()) == []
    assert len(queued(services, "campaign")) == 1


def test_no_escalation_outside_a_period_or_with_nothing_overdue(
    chat: Chat, services: AppServices, clock: ManualClock
) -> None:
    n = chat.report(GARBAGE)
    fired(services, clock, at("2026-11-24T10:00"), timedelta(minutes=30))
    assert queued(services, "campaign") == []  # overdue, but no period
    chat.say("迎检模式 开启 至 12月15日", "ccb_wang")
    chat.say(f"完成 {n}", "hws_chen")
    fired(services, clock, at("2026-11-25T10:00"), timedelta(minutes=30))
    assert queued(services, "campaign") == []  # a period, but nothing overdue


def test_escalation_groups_get_the_district_list(settings: Settings, clock: ManualClock, engine: Engine) -> None:
    def change(data: dict[str, Any]) -> None:
        data["groups"]["leaders"] = {"name": "创城领导群", "outbound": {"platform": "console"}}
        data["campaign"]["escalation_groups"] = ["leaders"]

    services = build_services(settings, config_with(change), clock=clock, engine=engine)
    chat = Chat(services)
    chat.report(GARBAGE)
    chat.say("迎检模式 开启 至 12月15日", "ccb_wang")
    fired(services, clock, at("2026-11-24T09:10"), timedelta(minutes=10))
    assert [m.group_id for m in queued(services, "campaign")] == ["leaders"]
