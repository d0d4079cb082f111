"""迎检 deadlines with the injected clock: shortened while a period is on, normal before and after."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import Engine, select

from bot.app_services import AppServices, build_services
from bot.core.clock import ManualClock
from config.schema import GuanjiaConfig
from config.settings import Settings
from models import CampaignEvent, CampaignPeriod, Ticket
from tests.support.chat import Chat
from tests.support.config_factory import config_with

SH = ZoneInfo("Asia/Shanghai")
GARBAGE = "府前街与南环路交叉口西北角垃圾堆了两天了"  # garbage: claim 2 h, fix 24 h (factor 0.5)
CAR = "东关大街与北环路交叉口有辆白色轿车停在人行道上"  # car_parking: 2 h / 24 h
ADS = "南环路电线杆上贴满了小广告"  # ads: 2 h / 24 h, no factor of its own
MANHOLE = "妫水北街井盖缺失了，很危险"  # urgent: 0.5 h / 4 h


def hours(services: AppServices, ticket_id: int) -> tuple[float, float]:
    """(claim, fix) hours from dispatch, as the ticket's deadlines say."""
    with services.session_factory() as session:
        t = session.get_one(Ticket, ticket_id)
        assert t.dispatched_at and t.claim_deadline and t.fix_deadline
        return (
            (t.claim_deadline - t.dispatched_at).total_seconds() / 3600,
            (t.fix_deadline - t.dispatched_at).total_seconds() / 3600,
        )


def chat_with(
    change: Callable[[dict[str, Any]], object], settings: Settings, clock: ManualClock, engine: Engine
) -> tuple[Chat, GuanjiaConfig]:
    cfg = config_with(change)
    return Chat(build_services(settings, cfg, clock=clock, engine=engine)), cfg


def test_new_tickets_get_the_category_factor_while_on_and_normal_hours_after_off(
    chat: Chat, services: AppServices, clock: ManualClock
) -> None:
    before = chat.report(GARBAGE)
    assert hours(services, before) == (2, 24)
    reply = chat.say("迎检模式 开启 至 12月15日", "ccb_wang")
    assert "已开启迎检模式" in reply and "至 12月15日" in reply and "还有 22 天" in reply
    assert "已派发的工单时限不变" in reply
    during = chat.report(CAR)
    assert hours(services, during) == (1, 12)
    assert "请1小时内认领、12小时内整改" in chat.say(ADS)
    assert hours(services, before) == (2, 24)  # an existing ticket keeps its deadlines
    clock.advance(timedelta(hours=1))
    assert "已关闭迎检模式" in chat.say("迎检模式 关闭", "ccb_zhao")
    after = chat.report("妫水北街有共享单车乱停乱放，堵住了人行道")
    assert hours(services, after) == (2, 24)
    assert hours(services, during) == (1, 12)


def test_the_period_ends_by_itself_after_its_last_day(chat: Chat, services: AppServices, clock: ManualClock) -> None:
    chat.say("迎检模式 开启 至 11月24日", "ccb_wang")  # Monday 09:00 → through Tuesday
    clock.set(datetime(2026, 11, 24, 23, 59, tzinfo=SH))
    assert hours(services, chat.report(GARBAGE)) == (1, 12)
    clock.set(datetime(2026, 11, 25, 0, 0, tzinfo=SH))
    assert hours(services, chat.report(CAR)) == (2, 24)
    assert chat.say("迎检模式").startswith("迎检模式：未开启")


def test_per_category_factor_default_factor_floor_and_urgent(
    settings: Settings, clock: ManualClock, engine: Engine
) -> None:
    def change(data: dict[str, Any]) -> None:
        data["campaign"].update(factor=0.5, factors={"garbage": 0.1}, min_hours=0.5)

    chat, _ = chat_with(change, settings, clock, engine)
    chat.say("迎检模式 开启 至 12月15日", "ccb_wang")
    garbage = chat.report(GARBAGE)
    car = chat.report(CAR)
    manhole = chat.report(MANHOLE)
    assert hours(chat.services, garbage) == (0.5, pytest.approx(2.4))  # 2 h × 0.1 stops at the floor
    assert hours(chat.services, car) == (1, 12)  # no factor of its own: the default
    assert hours(chat.services, manhole) == (0.5, 4)  # urgent keeps its hours


def test_reassigned_ticket_gets_fresh_shortened_deadlines(
    chat: Chat, services: AppServices, clock: ManualClock
) -> None:
    n = chat.report(GARBAGE)
    chat.say("迎检模式 开启 至 12月15日", "ccb_wang")
    clock.advance(timedelta(minutes=30))
    chat.say(f"转派 {n} 城管执法局", "ccb_wang")
    assert hours(services, n) == (1, 12)


def test_a_configured_period_is_on_between_its_days_and_cannot_be_switched_off_in_chat(
    settings: Settings, clock: ManualClock, engine: Engine
) -> None:
    def change(data: dict[str, Any]) -> None:
        data["campaign"]["period"] = {"start": "2026-11-24", "end": "2026-11-30", "name": "省级复查"}

    chat, _ = chat_with(change, settings, clock, engine)
    assert hours(chat.services, chat.report(GARBAGE)) == (2, 24)  # Monday: not yet
    assert chat.say("迎检模式").startswith("迎检模式：未开启")
    clock.set(datetime(2026, 11, 24, 0, 0, tzinfo=SH))
    assert hours(chat.services, chat.report(CAR)) == (1, 12)
    status = chat.say("迎检模式")
    assert "开启中（省级复查，至 11月30日，还有 6 天（配置文件设定）" in status
    refused = chat.say("迎检模式 关闭", "ccb_wang")
    assert "由配置文件设定" in refused
    with chat.services.session_factory() as session:
        assert session.scalars(select(CampaignPeriod)).all() == []


def test_switching_writes_a_period_row_and_an_event_for_each_change(
    chat: Chat, services: AppServices, clock: ManualClock
) -> None:
    chat.say("迎检模式 开启 至 12月15日", "ccb_wang")
    clock.advance(timedelta(days=1))
    moved = chat.say("迎检模式 开启 至 2026-12-20", "ccb_zhao")
    assert "由 12月15日 改为 12月20日" in moved
    clock.advance(timedelta(days=1))
    chat.say("迎检模式 关闭", "ccb_zhao")
    with services.session_factory() as session:
        (period,) = session.scalars(select(CampaignPeriod)).all()
        events = session.scalars(select(CampaignEvent).order_by(CampaignEvent.id)).all()
    assert (period.started_by_id, period.stopped_by_id) == ("ccb_wang", "ccb_zhao")
    assert period.end_day.isoformat() == "2026-12-20"
    assert period.stopped_at == datetime(2026, 11, 25, 9, 0, tzinfo=SH)
    assert [(e.type, e.actor_id, e.actor_kind) for e in events] == [
        ("started", "ccb_wang", "chat"),
        ("changed", "ccb_zhao", "chat"),
        ("stopped", "ccb_zhao", "chat"),
    ]
    assert events[1].data == {"from_day": "2026-12-15", "to_day": "2026-12-20"}
    assert all(e.source_msg_id for e in events)
