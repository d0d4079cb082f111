"""The /points page: each 测评点位 with its last round, times inspected and open problems; stale points flagged."""

from __future__ import annotations

import re
from datetime import timedelta

from fastapi.testclient import TestClient

from bot.app_services import AppServices
from bot.core.clock import ManualClock
from tests.support.chat import Chat
from tests.support.web_helpers import login, make_user

INSPECTOR = "wgy_sun"


def _row(html: str, code: str) -> tuple[str, list[str]]:
    found = re.search(rf'<tr data-point="{code}"( class="overdue")?>(.*?)</tr>', html, re.S)
    assert found, code
    cells = [
        re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", c)).strip()
        for c in re.findall(r"<td[^>]*>(.*?)</td>", found.group(2), re.S)
    ]
    return found.group(1) or "", cells


def a_round_of_three(chat: Chat, clock: ManualClock) -> list[int]:
    chat.say("督查 妫水农贸市场", sender=INSPECTOR)
    ids = [
        chat.report(text, sender=INSPECTOR)
        for text in (
            "妫水农贸市场东门口垃圾堆放没人清理",
            "妫水农贸市场里有商户占道经营，摊位摆到了通道上",
            "妫水农贸市场西侧公厕门口污水横流",
        )
    ]
    chat.say("不合格 2", sender=INSPECTOR)
    clock.advance(timedelta(minutes=30))
    chat.say("督查结束", sender=INSPECTOR)
    return ids


def test_the_round_appears_on_the_points_page(
    client: TestClient, services: AppServices, chat: Chat, clock: ManualClock
) -> None:
    a_round_of_three(chat, clock)
    make_user(services, "chen", "unit", unit="hws")  # any signed-in role may look
    login(client, "chen")
    html = client.get("/points").text
    flag, cells = _row(html, "gs-market")
    assert flag == ""
    assert cells[:4] == ["妫水农贸市场", "农贸市场", "延庆镇", "市场监管局"]
    assert "孙巡查" in cells[4] and "不合格1项" in cells[4]
    assert cells[5:] == ["1", "3", "3"]  # inspected once, 3 problems found, all 3 still open
    never, never_cells = _row(html, "bq-market")
    assert never == ' class="overdue"' and "从未督查" in never_cells[4] and never_cells[5:] == ["0", "0", "0"]


def test_a_point_not_inspected_for_too_long_is_flagged(
    client: TestClient, services: AppServices, chat: Chat, clock: ManualClock
) -> None:
    a_round_of_three(chat, clock)
    clock.advance(timedelta(days=services.cfg.points.max_days_between_rounds, hours=1))
    make_user(services, "wang", "supervisor")
    login(client, "wang")
    flag, cells = _row(client.get("/points").text, "gs-market")
    assert flag == ' class="overdue"' and "14天未督查" in cells[4]


def test_the_points_page_needs_a_login(client: TestClient) -> None:
    page = client.get("/points", follow_redirects=False)
    assert page.status_code in (302, 303) and "/login" in page.headers["location"]
