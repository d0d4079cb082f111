"""Quoted replies on each platform: "已整改" quoting the bot's "已登记 #1" is `完成 1`.

The quote only fills a missing ticket number: the command keeps its permissions, a number
written out wins, and a quote naming several tickets names none.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from bot.core.clock import ManualClock
from config.schema import GuanjiaConfig
from config.settings import Settings
from tests.support.platform_factories import REPORT, dingtalk_message, feishu_event, platform_cfg, wecom_robot_typed
from tests.support.platform_http import ding, feishu_post, platform_settings, wecom_answer, wecom_post

BOT_LINE = "已登记 #1【垃圾】地点：府前街与南环路交叉口西北角 → 环卫所，今天 17:00 前整改"


@pytest.fixture
def cfg() -> GuanjiaConfig:
    return platform_cfg()


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    return platform_settings(database_url, tmp_path / "media")


def status(client: TestClient, ticket_id: int = 1) -> str:
    value: str = client.get(f"/api/tickets/{ticket_id}").json()["status"]
    return value


def ding_quoting(msg_id: str, text: str, quoted: str, sender: str = "staff-chen") -> dict[str, Any]:
    body = dingtalk_message(msg_id, text, sender=sender)
    replied = {"msgType": "text", "content": {"text": quoted}, "msgId": "bot-msg", "senderId": "$:bot"}
    body["text"] |= {"isReplyMsg": True, "repliedMsg": replied}
    return body


def test_dingtalk_quoting_the_bots_line_gives_the_command_its_ticket(client: TestClient, clock: ManualClock) -> None:
    assert "已登记 #1" in ding(client, clock, dingtalk_message("d1", REPORT)).json()["text"]["content"]
    claim = ding(client, clock, ding_quoting("d2", "认领", BOT_LINE)).json()["text"]["content"]
    assert "#1" in claim and status(client) == "claimed"
    fixed = ding(client, clock, ding_quoting("d3", "已整改", BOT_LINE)).json()["text"]["content"]
    assert "#1" in fixed and status(client) == "fixed"


def test_wecom_robot_quote_names_the_ticket(client: TestClient) -> None:
    report = wecom_robot_typed("w1", "text", {"text": {"content": f"@创城大管家 {REPORT}"}})
    assert "已登记 #1" in wecom_answer(wecom_post(client, report))
    quote = {"msgtype": "text", "text": {"content": BOT_LINE}}
    claim = wecom_robot_typed("w2", "text", {"text": {"content": "@创城大管家 认领"}, "quote": quote}, user="ChenHW")
    assert "#1" in wecom_answer(wecom_post(client, claim))
    assert status(client) == "claimed"


def test_feishu_reply_to_the_report_message_names_its_ticket(client: TestClient) -> None:
    """Feishu sends only parent_id: the quoted message is the report guanjia recorded as om_1."""
    assert feishu_post(client, feishu_event("om_1", REPORT)).status_code == 200
    claim = feishu_event("om_2", "认领", open_id="ou_chen")
    claim["event"]["message"] |= {"parent_id": "om_1", "root_id": "om_1"}
    assert feishu_post(client, claim).status_code == 200
    assert status(client) == "claimed"


def test_a_quote_naming_two_tickets_names_none(client: TestClient, clock: ManualClock) -> None:
    ding(client, clock, dingtalk_message("d1", REPORT))
    answer = ding(client, clock, ding_quoting("d2", "认领", "已登记 #1 … 与 #2 重复")).json()["text"]["content"]
    assert "请写明工单号" in answer and status(client) == "dispatched"


def test_a_number_written_out_wins_over_the_quote(client: TestClient, clock: ManualClock) -> None:
    ding(client, clock, dingtalk_message("d1", REPORT))
    ding(client, clock, dingtalk_message("d2", "东门外井盖丢了很危险"))
    ding(client, clock, ding_quoting("d3", "认领 1", "已登记 #2"))
    assert status(client, 1) == "claimed" and status(client, 2) != "claimed"


def test_a_quote_gives_no_rights_the_sender_lacks(client: TestClient, clock: ManualClock) -> None:
    """The reporter quotes the bot's line and writes 已整改: only the unit may report it fixed."""
    ding(client, clock, dingtalk_message("d1", REPORT))
    answer = ding(client, clock, ding_quoting("d2", "已整改", BOT_LINE, sender="staff-li")).json()
    assert answer["text"]["content"] == "#1 属于环卫中心，您不是该单位成员"
    assert status(client) == "dispatched"


def test_a_quoted_command_may_carry_a_note_but_a_sentence_stays_a_report(
    client: TestClient, clock: ManualClock
) -> None:
    ding(client, clock, dingtalk_message("d1", REPORT))
    said = ding(client, clock, ding_quoting("d2", "已完成的地方又有垃圾了堆在路边", BOT_LINE, sender="staff-li"))
    # Read, not a command: a remark on the quoted ticket, which its unit hears.
    assert said.json()["text"]["content"] == "已补充到 #1：「已完成的地方又有垃圾了堆在路边」\n@staff-chen"
    assert status(client) == "dispatched"
    fixed = ding(client, clock, ding_quoting("d3", "已整改，垃圾已经全部清运完毕", BOT_LINE))
    assert "#1" in fixed.json()["text"]["content"] and status(client) == "fixed"
    events = client.get("/api/tickets/1").json()["events"]
    assert events[-1]["note"] == "垃圾已经全部清运完毕"


def test_dingtalk_quoting_the_report_itself_gives_the_command_its_ticket(
    client: TestClient, clock: ManualClock
) -> None:
    """The unit quotes the grid worker's report, not the bot's line: the report names no #N, but
    DingTalk sends the quoted message's id, and guanjia answered that message with #1."""
    ding(client, clock, dingtalk_message("d1", REPORT))
    body = dingtalk_message("d2", "已清理", sender="staff-chen")
    replied = {"msgType": "text", "content": {"text": REPORT}, "msgId": "d1", "senderId": "staff-li"}
    body["text"] |= {"isReplyMsg": True, "repliedMsg": replied}
    fixed = ding(client, clock, body).json()["text"]["content"]
    assert "#1" in fixed and status(client) == "fixed"


def test_wecom_quoting_the_report_itself_gives_the_command_its_ticket(client: TestClient) -> None:
    """WeCom's quote carries the text only: the report is found by it among the group's messages."""
    report = wecom_robot_typed("w1", "text", {"text": {"content": f"@创城大管家 {REPORT}"}})
    wecom_post(client, report)
    quote = {"msgtype": "text", "text": {"content": f"@创城大管家 {REPORT}"}}
    claim = wecom_robot_typed("w2", "text", {"text": {"content": "@创城大管家 认领"}, "quote": quote}, user="ChenHW")
    assert "#1" in wecom_answer(wecom_post(client, claim))
