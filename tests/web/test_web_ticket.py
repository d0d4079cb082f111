"""The ticket page: timeline, photos, deadlines; actions through the chat handlers, told to the group."""

from __future__ import annotations

import re
from datetime import timedelta

from fastapi.testclient import TestClient
from sqlalchemy import select

from bot.app_services import AppServices
from bot.tickets.status_labels import REMINDER_LABELS
from models import OutboxMessage, ReminderKind, Ticket, TicketEvent, TicketImage
from tests.support.web_helpers import csrf_of, login, make_user

GARBAGE = "府前街与南环路交叉口西北角垃圾堆了两天了"


def act(client: TestClient, ticket_id: int, csrf: str, action: str, **fields: str):
    return client.post(f"/tickets/{ticket_id}/act", data={"csrf_token": csrf, "action": action, **fields})


def outbox(services: AppServices) -> list[OutboxMessage]:
    with services.session_factory() as session:
        return list(session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))


def ticket(services: AppServices, ticket_id: int) -> Ticket:
    with services.session_factory() as session:
        found = session.get(Ticket, ticket_id)
        assert found is not None
        return found


def test_page_shows_timeline_sources_deadlines_and_photos(
    client: TestClient, services: AppServices, chat, clock
) -> None:
    n = chat.send(GARBAGE, images=("https://img.example/before.jpg",)).tickets[0]
    chat.send(f"认领 {n}", "hws_chen")
    chat.send(f"完成 {n} 已清运", "hws_chen", images=("javascript:alert(1)", "media-pending://dingtalk/m9/0"))
    make_user(services, "wang", "supervisor")
    login(client, "wang")
    html = client.get(f"/tickets/{n}").text
    for expected in (
        "上报",
        "派单",
        "认领",
        "报完成",
        "陈环卫",
        "群消息",
        "认领 1",
        "完成 1 已清运",
        "已清运",
        "待验收",
    ):
        assert expected in html, expected
    # A photo URL from a message is a tracking pixel if drawn: only copies this server stored are shown.
    assert "img.example" not in html and "外部图片（未经本系统下载核验，不显示）" in html
    assert "img-src 'self';" in client.get(f"/tickets/{n}").headers["content-security-policy"]
    assert "javascript:" not in html
    assert "照片获取中" in html
    assert "整改后（2）" in html


def test_supervisor_reassigns_and_the_group_is_told(client: TestClient, services: AppServices, chat) -> None:
    n = chat.report(GARBAGE)
    make_user(services, "wang", "supervisor", display_name="王主任")
    csrf = login(client, "wang")
    answer = act(client, n, csrf, "reassign", unit="cgzf", note="属城管职责")
    assert answer.status_code == 200 and answer.url.path == f"/tickets/{n}"
    assert "已转派 → 城管执法队" in answer.text
    t = ticket(services, n)
    assert t.unit == "cgzf" and t.status == "dispatched"
    with services.session_factory() as session:
        event = session.scalars(select(TicketEvent).where(TicketEvent.type == "reassigned")).one()
    assert (event.actor_id, event.actor_name, event.note) == ("web:wang", "王主任", "属城管职责")
    [message] = outbox(services)
    assert message.group_id == "demo" and message.kind == "reply"
    assert message.text.startswith(f"💻 王主任（台账网页）：转派 {n} 城管执法队 属城管职责\n#{n}")
    assert message.mentions == ["cgzf_liu"]
    assert "网页" in answer.text and "王主任" in answer.text  # the timeline


def test_unit_member_claims_fixes_and_asks_for_time(client: TestClient, services: AppServices, chat) -> None:
    n = chat.report(GARBAGE)
    make_user(services, "chen", "unit", unit="hws", display_name="陈环卫")
    csrf = login(client, "chen")
    page = client.get(f"/tickets/{n}").text
    assert 'data-action="claim"' in page and 'data-action="reassign"' not in page
    assert "已由陈环卫（环卫中心）认领" in act(client, n, csrf, "claim").text
    assert "申请延期24小时" in act(client, n, csrf, "extend", hours="1", hours_unit="天", reason="等车辆").text
    assert ticket(services, n).pending_extension_hours == 24
    assert "已报完成" in act(client, n, csrf, "fix", note="已清运").text
    assert ticket(services, n).status == "fixed"
    assert len(outbox(services)) == 3


def test_supervisor_decides_extensions_verifies_and_cancels(client: TestClient, services: AppServices, chat) -> None:
    n = chat.report(GARBAGE)
    chat.send(f"延期 {n} 2天 等车辆", "hws_chen")
    make_user(services, "wang", "supervisor")
    csrf = login(client, "wang")
    before = ticket(services, n).fix_deadline
    assert "已同意" in act(client, n, csrf, "approve").text
    assert ticket(services, n).fix_deadline == before + timedelta(hours=48)
    chat.send(f"完成 {n}", "hws_chen")
    assert "验收不通过" in act(client, n, csrf, "verify", verdict="不通过", reason="还有垃圾").text
    assert ticket(services, n).status == "claimed"
    assert "已撤销" in act(client, n, csrf, "cancel", reason="重复上报").text
    assert ticket(services, n).status == "cancelled"


def test_refusals_change_nothing_and_say_why(client: TestClient, services: AppServices, chat) -> None:
    n = chat.report(GARBAGE)
    make_user(services, "chen", "unit", unit="hws")
    csrf = login(client, "chen")
    answer = act(client, n, csrf, "return", reason="")
    assert "请写明退回原因" in answer.text
    assert "只有创城办可以转派" in act(client, n, csrf, "reassign", unit="cgzf").text
    assert ticket(services, n).unit == "hws", "a unit member cannot reassign"
    assert outbox(services) == []


def test_forms_need_the_csrf_token(client: TestClient, services: AppServices, chat) -> None:
    n = chat.report(GARBAGE)
    make_user(services, "wang", "supervisor")
    login(client, "wang")
    for token in ("", "forged"):
        answer = act(client, n, token, "reassign", unit="cgzf")
        assert answer.status_code == 403
    assert ticket(services, n).unit == "hws" and outbox(services) == []


def test_viewer_only_reads(client: TestClient, services: AppServices, chat) -> None:
    n = chat.report(GARBAGE)
    make_user(services, "ma", "viewer")
    login(client, "ma")
    page = client.get(f"/tickets/{n}").text
    assert 'id="actions"' not in page
    csrf = csrf_of(page)
    assert "只读账号不能操作工单" in act(client, n, csrf, "claim").text
    assert ticket(services, n).status == "dispatched" and outbox(services) == []


def test_other_units_tickets_are_out_of_reach(client: TestClient, services: AppServices, chat) -> None:
    n = chat.report(GARBAGE)
    make_user(services, "zhou", "unit", unit="jtzd")
    csrf = login(client, "zhou")
    assert client.get(f"/tickets/{n}").status_code == 404
    assert f"没有找到工单 #{n}" in act(client, n, csrf, "claim").text
    assert ticket(services, n).status == "dispatched"
    assert client.get("/tickets/999").status_code == 404


def test_recategorize_when_the_command_exists(client: TestClient, services: AppServices, chat) -> None:
    from handlers.registry import REGISTRY

    n = chat.report(GARBAGE)
    make_user(services, "wang", "supervisor")
    csrf = login(client, "wang")
    if REGISTRY.by_verb("改类") is None:
        assert 'data-action="recategorize"' not in client.get(f"/tickets/{n}").text
        return
    act(client, n, csrf, "recategorize", category="非法小广告")
    assert ticket(services, n).category == "ads"
    with services.session_factory() as session:
        assert session.scalar(select(TicketImage).limit(1)) is None


def test_timeline_names_every_reminder_in_chinese(client: TestClient, services: AppServices, chat, clock) -> None:
    """迎检 on, nobody claims: every kind of reminder is sent, and the timeline never shows its code."""
    n = chat.report(GARBAGE)  # claim within 2 h, fix within 24 h
    chat.say("迎检模式 开启 至 12月15日", "ccb_wang")
    end = clock.now() + timedelta(hours=50)
    while clock.now() < end:
        clock.advance(timedelta(minutes=30))
        services.scheduler.run_due(clock.now())
    with services.session_factory() as session:
        events = session.scalars(select(TicketEvent).where(TicketEvent.type == "reminded"))
        sent = {e.data["kind"] for e in events}
    kinds = {v for k, v in vars(ReminderKind).items() if k.isupper()}
    assert sent == kinds, "the ticket must have had every kind of reminder"
    assert set(REMINDER_LABELS) == kinds, "a new reminder kind needs its Chinese label"
    make_user(services, "wang", "supervisor")
    login(client, "wang")
    html = client.get(f"/tickets/{n}").text
    details = re.findall(r'<span class="step-detail">([^<]*)</span>', html)
    for label in ("认领临期", "整改临期", "超时未认领", "超期未整改", "二次督办", "迎检再次催办"):
        assert any(label in d for d in details), label
    for code in kinds:
        assert code not in html, code


def test_reject_extension_box_says_the_reason_is_optional(client: TestClient, services: AppServices, chat) -> None:
    """拒绝延期 N [原因]: the server takes no reason, so the box must not say one is required."""
    n = chat.report(GARBAGE)
    chat.send(f"延期 {n} 2天 等车辆", "hws_chen")
    make_user(services, "wang", "supervisor")
    csrf = login(client, "wang")
    html = client.get(f"/tickets/{n}").text
    form = re.search(r'<form[^>]*data-action="reject".*?</form>', html, re.S)
    assert form is not None
    assert 'placeholder="拒绝原因（选填）"' in form.group(0)
    assert "必填" not in form.group(0) and " required" not in form.group(0)
    before = ticket(services, n).fix_deadline
    assert "延期申请未同意" in act(client, n, csrf, "reject", reason="").text
    assert ticket(services, n).fix_deadline == before and ticket(services, n).pending_extension_hours is None
