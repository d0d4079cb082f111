"""One rendering of a duration and of a missing place, wherever the group or the office reads it."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from fastapi.testclient import TestClient

from bot.app_services import AppServices
from bot.core.clock import ManualClock
from bot.reports.digests import digest
from bot.tickets.formatting import NO_PLACE, hours_text
from models import Ticket
from tests.support.chat import Chat
from tests.support.web_helpers import login, make_user


@pytest.mark.parametrize(
    ("hours", "text"),
    [
        (None, "—"),
        (0.5, "30分钟"),
        (2, "2小时"),
        (5.5, "5.5小时"),
        (24, "24小时"),
        (47.9, "47.9小时"),
        (48, "2天"),
        (72, "3天"),
        (100, "4天4小时"),
        (100.4, "4天4小时"),
    ],
)
def test_a_duration_reads_the_same_everywhere(hours: float | None, text: str) -> None:
    assert hours_text(hours) == text


def test_a_100_hour_extension_and_a_100_hour_average_read_alike(
    chat: Chat, services: AppServices, clock: ManualClock
) -> None:
    """The issue's example: the chat said 100小时 where the weekly digest said 4.2天."""
    n = chat.report("府前街与南环路交叉口西北角垃圾堆了两天了")
    clock.advance(timedelta(hours=100))  # claimed 100 hours after it was dispatched
    chat.say(f"认领 {n}", sender="hws_chen")
    assert "申请延期4天4小时（材料未到）" in chat.say(f"延期 {n} 100小时 材料未到", sender="hws_chen")
    clock.advance(timedelta(days=3))
    with services.session_factory() as session:
        weekly = digest(session, services.cfg, "weekly", clock.now(), on=date(2026, 11, 30), chart=False)
    assert "▪环卫中心：" in weekly.text and "平均认领4天4小时" in weekly.text


NO_PLACE_REPORT = "这里垃圾堆了两天了没人管"


def test_a_ticket_without_a_place_says_so_in_the_same_words_in_chat_digest_and_web(
    chat: Chat, services: AppServices, client: TestClient, clock: ManualClock
) -> None:
    n = chat.report(NO_PLACE_REPORT)
    with services.session_factory() as session:
        assert session.get_one(Ticket, n).location is None
    assert f"地点：{NO_PLACE}" in chat.say(f"查询 {n}")
    assert f"#{n}【垃圾与环境卫生】{NO_PLACE} · 环卫中心" in chat.say("待办 环卫")
    clock.advance(timedelta(hours=3))  # past the claim deadline: the daily digest lists it as overdue
    with services.session_factory() as session:
        daily = digest(session, services.cfg, "daily", clock.now(), chart=False).text
    assert f"#{n}【垃圾与环境卫生】{NO_PLACE} · 环卫中心" in daily
    make_user(services, "ccb_wang", "supervisor")
    login(client, "ccb_wang")
    assert NO_PLACE in client.get(f"/tickets/{n}").text
    assert NO_PLACE in client.get("/").text
