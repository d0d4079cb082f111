"""The 迎检 countdown line in the daily and weekly digests: there while a period is on, gone after."""

from __future__ import annotations

from datetime import datetime, timedelta

from bot.app_services import AppServices
from bot.core.clock import ManualClock
from bot.reports.digests import DigestKind, digest, scheduled_digests
from tests.support.chat import SHANGHAI, Chat

COUNTDOWN = "⏳ 迎检倒计时"


def text(services: AppServices, kind: DigestKind, now: datetime) -> str:
    with services.session_factory() as session:
        return digest(session, services.cfg, kind, now, chart=False).text


def test_daily_and_weekly_digests_count_down_only_while_a_period_is_on(
    chat: Chat, services: AppServices, clock: ManualClock
) -> None:
    chat.report("府前街与南环路交叉口西北角垃圾堆了两天了")
    assert COUNTDOWN not in text(services, "daily", clock.now())
    assert COUNTDOWN not in text(services, "weekly", clock.now())
    chat.say("迎检模式 开启 至 12月15日", "ccb_wang")
    daily = text(services, "daily", clock.now()).splitlines()
    assert daily[0].startswith("【创城日报】11月23日")
    assert daily[1] == "⏳ 迎检倒计时：距全国文明城市测评结束还有 22 天（至 12月15日）"
    weekly = text(services, "weekly", clock.now()).splitlines()
    assert weekly[1] == daily[1]
    assert COUNTDOWN not in text(services, "monthly", clock.now())
    clock.set(datetime(2026, 12, 15, 17, 30, tzinfo=SHANGHAI))
    assert "距全国文明城市测评结束今天是最后一天（至 12月15日）" in text(services, "daily", clock.now())
    clock.advance(timedelta(days=1))
    assert COUNTDOWN not in text(services, "daily", clock.now())


def test_scheduled_digests_carry_the_line_and_lose_it_when_switched_off(
    chat: Chat, services: AppServices, clock: ManualClock
) -> None:
    chat.say("迎检模式 开启 至 12月15日", "ccb_wang")
    with services.session_factory() as session:
        ((_, on),) = scheduled_digests(session, services.cfg, "daily", clock.now(), chart=False)
    assert COUNTDOWN in on.text
    chat.say("迎检模式 关闭", "ccb_wang")
    with services.session_factory() as session:
        ((_, off),) = scheduled_digests(session, services.cfg, "daily", clock.now(), chart=False)
    assert COUNTDOWN not in off.text
