"""The ledger's 迎检 banner: the period and the days left while it is on, nothing otherwise."""

from __future__ import annotations

import re
from datetime import timedelta

from fastapi.testclient import TestClient

from bot.app_services import AppServices
from bot.core.clock import ManualClock
from tests.support.chat import Chat
from tests.support.web_helpers import login, make_user


def banner(html: str) -> str | None:
    found = re.search(r'<div class="campaign-banner"[^>]*>(.*?)</div>', html, re.S)
    return found.group(1).strip() if found else None


def test_the_ledger_shows_the_campaign_period_and_days_left(
    client: TestClient, services: AppServices, chat: Chat, clock: ManualClock
) -> None:
    make_user(services, "wang", "supervisor")
    make_user(services, "chen", "unit", unit="hws")
    login(client, "wang")
    assert banner(client.get("/").text) is None
    chat.say("迎检模式 开启 至 12月15日", "ccb_wang")
    assert banner(client.get("/").text) == (
        "迎检期：全国文明城市测评 · 至 12月15日 · 还剩 22 天 · 新派发工单时限按迎检系数缩短"
    )
    clock.advance(timedelta(days=2))  # the web session has expired by now: sign in again
    login(client, "chen")
    assert "还剩 20 天" in (banner(client.get("/").text) or "")  # a unit member sees it too
    chat.say("迎检模式 关闭", "ccb_wang")
    assert banner(client.get("/").text) is None
