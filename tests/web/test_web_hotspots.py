"""顽疾 on the web: 此处第N次 on the ticket page, and the /hotspots area × category page with its chart."""

from __future__ import annotations

import re
from datetime import timedelta

from fastapi.testclient import TestClient

from bot.app_services import AppServices
from bot.core.clock import ManualClock
from tests.reports.test_hotspots import _report_daily
from tests.support.chat import Chat
from tests.support.web_helpers import login, make_user

PARK = ["妫水公园门口垃圾堆放"] * 3


def _cells(html: str, area: str) -> list[str]:
    found = re.search(rf'<tr data-area="{area}">(.*?)</tr>', html, re.S)
    assert found, area
    return [re.sub(r"<[^>]+>", "", c).strip() for c in re.findall(r"<td[^>]*>(.*?)</td>", found.group(1), re.S)]


def test_the_third_report_at_a_place_says_so_on_its_page(
    client: TestClient, services: AppServices, chat: Chat, clock: ManualClock
) -> None:
    first, second, third = _report_daily(chat, clock, PARK)
    make_user(services, "wang", "supervisor")
    login(client, "wang")
    assert "此处第3次（30天内同类问题）" in client.get(f"/tickets/{third}").text
    assert 'href="/hotspots">顽疾</a>' in client.get(f"/tickets/{third}").text
    second_page = client.get(f"/tickets/{second}").text
    assert "此处第2次" in second_page and 'href="/hotspots">顽疾</a>' not in second_page
    assert "此处第" not in client.get(f"/tickets/{first}").text


def test_the_hotspots_page_shows_the_hotspot_and_the_area_table(
    client: TestClient, services: AppServices, chat: Chat, clock: ManualClock
) -> None:
    _report_daily(chat, clock, PARK)
    chat.report("湖滨路路灯不亮")
    make_user(services, "wang", "supervisor")
    login(client, "wang")
    html = client.get("/hotspots").text
    hotspot = re.search(r"<tr data-hotspot>(.*?)</tr>", html, re.S)
    assert hotspot and re.sub(r"<[^>]+>", " ", hotspot.group(1)).split() == ["妫水公园", "垃圾与环境卫生", "3"]
    garbage = services.cfg.category_name("garbage")
    header = re.findall(r"<th>(.*?)</th>", html.split('class="ledger area-table"')[1].split("</thead>")[0])
    assert header[0] == "属地" and header[-1] == "合计" and garbage in header
    row = _cells(html, "延庆镇")
    assert row[0] == "延庆镇" and row[header.index(garbage)] == "3" and row[-1] == "3"
    assert _cells(html, "延庆镇/东湖社区")[-1] == "1"
    chart = client.get("/hotspots/chart.png")
    assert chart.status_code == 200 and chart.headers["content-type"] == "image/png"
    assert chart.content.startswith(b"\x89PNG")


def test_an_earlier_week_can_be_chosen(
    client: TestClient, services: AppServices, chat: Chat, clock: ManualClock
) -> None:
    monday = clock.now()
    _report_daily(chat, clock, PARK[:1])
    clock.advance(timedelta(days=14))
    make_user(services, "wang", "supervisor")
    login(client, "wang")
    week = client.get(f"/hotspots?period=week:{monday.date()}").text
    assert _cells(week, "延庆镇")[-1] == "1"
    assert "这段时间没有上报的问题" in client.get(f"/hotspots?period=week:{(clock.now()).date()}").text
    assert "近30天" in client.get("/hotspots?period=week:not-a-date").text  # an odd value shows the default


def test_the_hotspots_page_and_chart_need_a_login(client: TestClient, chat: Chat, clock: ManualClock) -> None:
    _report_daily(chat, clock, PARK)
    for path in ("/hotspots", "/hotspots/chart.png", "/hotspots?period=month:2026-01-01"):
        answer = client.get(path, follow_redirects=False)
        assert answer.status_code == 303, path
        assert answer.headers["location"].startswith("/login?next=%2Fhotspots"), path
        assert "妫水公园" not in answer.text and not answer.content.startswith(b"\x89PNG")


def test_a_unit_member_does_not_learn_of_other_units_problems(
    client: TestClient, services: AppServices, chat: Chat, clock: ManualClock
) -> None:
    _report_daily(chat, clock, PARK)  # 环卫中心's tickets
    make_user(services, "zhao", "unit", unit="cgzf")
    login(client, "zhao")
    html = client.get("/hotspots").text
    assert "妫水公园" not in html and "延庆镇" not in html
    assert "近30天没有顽疾" in html and "这段时间没有上报的问题" in html


def test_every_configured_category_has_a_colour_of_its_own(services: AppServices) -> None:
    """With 9 colours for 20 categories, 门前三包 and 违法建设 were the same blue in the chart."""
    from bot.reports.hotspots.chart import PALETTE

    assert len(set(PALETTE)) >= len(services.cfg.categories)
