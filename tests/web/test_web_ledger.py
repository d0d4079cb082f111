"""The ledger page: filters, search, sort, pages, unit scope, escaping, and the xlsx export."""

from __future__ import annotations

import io
import re
from datetime import timedelta

from fastapi.testclient import TestClient
from openpyxl import load_workbook

from bot.app_services import AppServices
from models import Ticket
from tests.support.web_helpers import login, make_user

GARBAGE = "府前街与南环路交叉口西北角垃圾堆了两天了"
CAR = "东关大街与北环路交叉口有辆白色轿车停在人行道上"
SCRIPT = "<script>alert(1)</script>府前街垃圾桶满溢"
IMG = "南环路<img src=x onerror=alert(1)>小广告贴满了电线杆"


def ids_on(html: str) -> list[int]:
    return [int(n) for n in re.findall(r'data-ticket="(\d+)"', html)]


def bulk_tickets(services: AppServices, count: int, **values) -> None:
    now = services.clock.now()
    base = {
        "status": "dispatched",
        "category": "garbage",
        "unit": "hws",
        "text": "垃圾",
        "reporter_id": "wgy_li",
        "reporter_name": "李网格",
        "group_id": "demo",
        "created_at": now,
        "dispatched_at": now,
        "claim_deadline": now + timedelta(hours=2),
        "fix_deadline": now + timedelta(hours=24),
    }
    with services.session_factory() as session, session.begin():
        session.add_all([Ticket(**{**base, **values}) for _ in range(count)])


def test_filters_search_and_overdue(client: TestClient, services: AppServices, chat, clock) -> None:
    garbage = chat.report(GARBAGE)
    car = chat.report(CAR)
    chat.send(f"认领 {car}", "jtzd_zhou")
    clock.advance(timedelta(hours=3))  # the garbage ticket is now past its claim deadline
    make_user(services, "wang", "supervisor")
    login(client, "wang")
    assert set(ids_on(client.get("/").text)) == {garbage, car}
    assert ids_on(client.get("/?unit=jtzd").text) == [car]
    assert ids_on(client.get("/?status=claimed").text) == [car]
    assert ids_on(client.get("/?status=open&category=garbage").text) == [garbage]
    assert ids_on(client.get("/?q=北环路").text) == [car]
    assert ids_on(client.get("/?q=西北角 垃圾").text) == [garbage]
    assert ids_on(client.get("/?q=%25").text) == []  # LIKE wildcards are literal
    assert ids_on(client.get("/?area=延庆镇").text) == [car, garbage]
    assert ids_on(client.get("/?sort=old").text) == [garbage, car]
    page = client.get("/?overdue=1").text
    assert ids_on(page) == [garbage]
    assert 'class="overdue"' in page and "超时未认领" in page
    assert ids_on(client.get("/?since=2026-11-24").text) == []
    assert ids_on(client.get("/?since=2026-11-23&until=2026-11-23").text) == [car, garbage]
    assert ids_on(client.get("/?urgent=1").text) == []
    # Nonsense in the query string is ignored, never an error page.
    assert client.get("/?status=nope&unit=x&since=yesterday&page=abc&sort=evil").status_code == 200


def test_pages_of_fifty(client: TestClient, services: AppServices) -> None:
    bulk_tickets(services, 120)
    make_user(services, "wang", "supervisor")
    login(client, "wang")
    first = client.get("/").text
    assert "共 <strong>120</strong> 条" in first and len(ids_on(first)) == 50
    assert ids_on(first)[0] == 120
    last = client.get("/?page=3").text
    assert ids_on(last) == list(range(20, 0, -1))
    assert ids_on(client.get("/?page=99").text) == list(range(20, 0, -1))
    assert 'href="/?page=2"' in first


def test_a_unit_member_sees_only_the_units_tickets(client: TestClient, services: AppServices, chat) -> None:
    garbage = chat.report(GARBAGE)
    car = chat.report(CAR)
    make_user(services, "chen", "unit", unit="hws")
    login(client, "chen")
    assert ids_on(client.get("/").text) == [garbage]
    assert ids_on(client.get("/?unit=jtzd").text) == [garbage]
    assert client.get(f"/tickets/{car}").status_code == 404
    assert client.get(f"/tickets/{garbage}").status_code == 200


def test_chat_text_is_escaped_everywhere(client: TestClient, services: AppServices, chat) -> None:
    script = chat.report(SCRIPT)
    img = chat.report(IMG)
    make_user(services, "wang", "supervisor")
    login(client, "wang")
    for path in ("/", f"/tickets/{script}", f"/tickets/{img}", "/?q=alert"):
        html = client.get(path).text
        assert "<script>alert" not in html and "<img src=x" not in html, path
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in client.get(f"/tickets/{script}").text
    assert "&lt;img src=x onerror=alert(1)&gt;" in client.get(f"/tickets/{img}").text
    assert "script-src 'self'" in client.get("/").headers["content-security-policy"]


def test_export_follows_the_filter_and_the_scope(client: TestClient, services: AppServices, chat) -> None:
    garbage = chat.report(GARBAGE)
    chat.report(CAR)
    make_user(services, "wang", "supervisor")
    make_user(services, "chen", "unit", unit="hws")
    login(client, "wang")
    answer = client.get("/ledger.xlsx?unit=jtzd")
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("application/vnd.openxmlformats")
    rows = list(load_workbook(io.BytesIO(answer.content)).active.iter_rows(values_only=True))
    assert rows[0][0] == "编号" and len(rows) == 2 and rows[1][8] == "交警支队"
    assert "ledger.xlsx?unit=jtzd" in client.get("/?unit=jtzd").text
    client.cookies.clear()
    login(client, "chen")
    rows = list(load_workbook(io.BytesIO(client.get("/ledger.xlsx").content)).active.iter_rows(values_only=True))
    assert [r[0] for r in rows[1:]] == [garbage]


def date_alerts(html: str) -> list[str]:
    return re.findall(r'<div class="alert alert-error" role="alert">([^<]*)</div>', html)


def test_bad_dates_are_named_on_the_page(client: TestClient, services: AppServices, chat) -> None:
    """A date that cannot be read, or a range that ends before it starts, is said, not silently dropped."""
    garbage = chat.report(GARBAGE)
    make_user(services, "wang", "supervisor")
    login(client, "wang")
    page = client.get("/?since=2026-13-45")
    assert page.status_code == 200
    assert date_alerts(page.text) == ["开始日期无效：2026-13-45（请按 年-月-日 填写）"]
    assert ids_on(page.text) == [garbage], "the rest of the filter still applies"
    assert date_alerts(client.get("/?until=1999-01-01").text) == [
        "结束日期无效：1999-01-01（日期须在 2000-01-01 至 2099-12-31 之间）"
    ]
    backwards = client.get("/?since=2026-12-01&until=2026-11-01").text
    assert date_alerts(backwards) == ["开始日期（2026-12-01）晚于结束日期（2026-11-01），没有工单能同时满足"]
    assert 'id="filters"' in backwards and 'value="2026-12-01"' in backwards, "the form keeps what was asked"
    assert date_alerts(client.get("/?since=2026-11-01&until=2026-12-01").text) == []
    assert date_alerts(client.get("/?since=&until=").text) == []
    # What was typed is shown, escaped, and not at any length.
    hostile = client.get("/?since=<b>x</b>" + "9" * 500).text
    [alert] = date_alerts(hostile)
    assert "<b>" not in hostile and "&lt;b&gt;" in alert and len(alert) < 120


def test_export_with_a_bad_date_is_refused_not_the_whole_ledger(
    client: TestClient, services: AppServices, chat
) -> None:
    """/ledger.xlsx?since=2026-13-45 used to drop the date and export every ticket under a
    name that looked filtered; the file has no room for the page's warning, so it is refused."""
    chat.report(GARBAGE)
    make_user(services, "wang", "supervisor")
    login(client, "wang")
    answer = client.get("/ledger.xlsx?since=2026-13-45&until=<b>x</b>")
    assert answer.status_code == 422
    assert answer.headers["content-type"].startswith("text/html")
    assert "开始日期无效：2026-13-45（请按 年-月-日 填写）" in answer.text
    assert "结束日期无效：&lt;b&gt;x&lt;/b&gt;" in answer.text and "<b>x" not in answer.text
    backwards = client.get("/ledger.xlsx?since=2026-12-01&until=2026-11-01")
    assert backwards.status_code == 422 and "晚于结束日期" in backwards.text
    good = client.get("/ledger.xlsx?since=2026-01-01&until=2026-12-31")
    assert good.status_code == 200 and good.headers["content-type"].startswith("application/vnd.openxmlformats")
