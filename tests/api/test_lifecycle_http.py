"""A report goes the whole way through the generic webhook: report → claim → fix → verify."""

from __future__ import annotations

import itertools
from datetime import timedelta
from typing import Any

from fastapi.testclient import TestClient

from bot.core.clock import ManualClock

_ids = itertools.count(1)


def post(client: TestClient, text: str, sender: str, images: list[str] | None = None) -> dict[str, Any]:
    body = {
        "msg_id": f"http-{next(_ids)}",
        "group_id": "demo",
        "sender_id": sender,
        "sender_name": sender,
        "text": text,
        "images": images or [],
    }
    response = client.post("/webhook/generic", json=body)
    assert response.status_code == 200, response.text
    return response.json()


def test_report_is_registered_dispatched_and_verified_through_http(client: TestClient, clock: ManualClock) -> None:
    answer = post(client, "府前街与南环路交叉口西北角垃圾堆了两天了 [图片]", "wgy_li", ["https://img.example/1.jpg"])
    assert len(answer["tickets"]) == 1
    ticket_id = answer["tickets"][0]
    reply = answer["replies"][0]
    assert reply["text"].startswith(f"已登记 #{ticket_id}【垃圾与环境卫生】")
    assert "府前街与南环路交叉口西北角" in reply["text"]
    assert "环卫中心" in reply["text"] and "2小时内认领" in reply["text"] and "24小时内整改" in reply["text"]
    assert reply["mentions"] == ["hws_chen"]

    ticket = client.get(f"/api/tickets/{ticket_id}").json()
    assert ticket["status"] == "dispatched"
    assert ticket["unit"] == "hws" and ticket["category"] == "garbage"
    assert ticket["reporter_id"] == "wgy_li" and ticket["group_id"] == "demo"
    assert ticket["images"] == [{"kind": "before", "url": "https://img.example/1.jpg"}]

    clock.advance(timedelta(minutes=40))
    answer = post(client, f"认领 {ticket_id}", "hws_chen")
    assert answer["tickets"] == [ticket_id]
    assert "已由陈环卫（环卫中心）认领" in answer["replies"][0]["text"]

    clock.advance(timedelta(hours=3))
    answer = post(client, f"{ticket_id} 已整改 已清运完毕", "hws_chen", ["https://img.example/after.jpg"])
    assert "已报完成" in answer["replies"][0]["text"]
    assert answer["replies"][0]["mentions"] == ["wgy_li"]

    answer = post(client, f"验收 {ticket_id} 通过", "wgy_li")
    assert "验收通过，已销账" in answer["replies"][0]["text"]

    ticket = client.get(f"/api/tickets/{ticket_id}").json()
    assert ticket["status"] == "closed"
    types = [e["type"] for e in ticket["events"]]
    assert types == ["reported", "dispatched", "claimed", "fixed", "verified"]
    fixed = ticket["events"][3]
    assert fixed["actor_id"] == "hws_chen" and fixed["note"] == "已清运完毕"
    assert {"kind": "after", "url": "https://img.example/after.jpg"} in ticket["images"]


def test_failed_verification_reopens_then_second_fix_closes(client: TestClient) -> None:
    ticket_id = post(client, "幸福小区5号楼北侧垃圾桶满溢，周边散落生活垃圾", "wgy_li")["tickets"][0]
    post(client, f"认领 {ticket_id}", "hws_chen")
    post(client, f"完成 {ticket_id}", "hws_chen")
    answer = post(client, f"验收 {ticket_id} 不通过 桶边还有垃圾", "wgy_li")
    assert "验收不通过（桶边还有垃圾）" in answer["replies"][0]["text"]
    assert client.get(f"/api/tickets/{ticket_id}").json()["status"] == "claimed"
    post(client, f"完成 {ticket_id} 已彻底清理", "hws_chen")
    post(client, f"验收 {ticket_id} 通过", "ccb_wang")
    ticket = client.get(f"/api/tickets/{ticket_id}").json()
    assert ticket["status"] == "closed"
    assert [e["type"] for e in ticket["events"]].count("reopened") == 1


def test_chatter_creates_no_ticket_and_no_reply(client: TestClient) -> None:
    for text in ("收到", "好的，马上安排人过去", "各位早上好，今天继续辛苦大家"):
        answer = post(client, text, "wgy_li")
        assert answer == {"replies": [], "tickets": []}
    assert client.get("/api/tickets").json()["total"] == 0
