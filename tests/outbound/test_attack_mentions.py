"""Issue 14 findings 3 and 11: nobody makes the bot @ everyone, and nobody posts live markdown through it.

Each test sends what an attacker sends (a report through the unsigned generic webhook, a reason
typed into a web form) and checks what reaches the group's robot.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from bot.adapters import dingtalk
from bot.adapters.wecom import reply_text
from bot.app_services import AppServices
from bot.chat.messages import Outcome, Reply
from bot.core.clock import ManualClock
from bot.outbound.delivery import OutboundMessage
from bot.outbound.feishu_transport import FeishuTransport
from bot.outbound.wecom_transport import TEXT_LIMIT, WeComTransport
from config.schema import GuanjiaConfig, OutboundConfig
from models import InboundMessage, OutboxMessage, Ticket
from tests.support.web_helpers import login, make_user

REPORT = "府前街与南环路交叉口西北角垃圾堆了两天了"
MASS_IDS = ("wecom:@all", "wecom:all", "feishu:all", "feishu:-1", "dingtalk:@all", "dingtalk:all")


def generic(client: TestClient, sender_id: str, text: str = REPORT, msg_id: str = "atk-1") -> Any:
    body = {"msg_id": msg_id, "group_id": "demo", "sender_id": sender_id, "sender_name": "所有人", "text": text}
    return client.post("/webhook/generic", json=body)


@pytest.mark.parametrize("sender_id", [*MASS_IDS, "dingtalk:staff-chen", 'feishu:ou_x" user_id="all'])
def test_generic_webhook_cannot_claim_a_platform_id(client: TestClient, services: AppServices, sender_id: str) -> None:
    response = generic(client, sender_id)
    assert response.status_code == 422
    assert "sender_id" in response.json()["message"] and "reserved" in response.json()["message"]
    with services.session_factory() as session:  # nothing stored: no ticket whose fix would @ them
        assert session.scalar(select(func.count()).select_from(Ticket)) == 0
        assert session.scalar(select(func.count()).select_from(InboundMessage)) == 0


def test_a_config_person_still_reports_through_the_generic_webhook(client: TestClient) -> None:
    assert generic(client, "wgy_li").json()["tickets"] == [1]


# A reporter id stored before this check (or written by hand) is rendered by every robot: it must
# never become an @everyone, and a quote in it must not leave the attribute.
HOSTILE = (*MASS_IDS, 'feishu:ou_1"></at><at user_id="all', "wecom:a>b", "dingtalk:x y")


def message(mentions: tuple[str, ...], text: str = "#1 已报完成") -> OutboundMessage:
    return OutboundMessage(group_id="demo", text=text, mentions=mentions)


def test_wecom_robot_mentions_nobody_from_a_hostile_reporter_id(cfg: GuanjiaConfig) -> None:
    [body] = WeComTransport().bodies(message(HOSTILE), cfg)
    text = body["text"]
    assert isinstance(text, dict)
    assert text["mentioned_list"] == [] and text["mentioned_mobile_list"] == []
    long = WeComTransport().bodies(message(HOSTILE, "长" * TEXT_LIMIT), cfg)  # the markdown form
    assert all("<@all>" not in json.dumps(b, ensure_ascii=False) for b in long)
    assert all("<@a>b>" not in json.dumps(b, ensure_ascii=False) for b in long)


def test_feishu_robot_writes_no_at_all_and_no_broken_attribute(cfg: GuanjiaConfig, clock: ManualClock) -> None:
    target = OutboundConfig(platform="feishu", url="http://127.0.0.1:9/hook")
    body = FeishuTransport(clock).body(target, message(HOSTILE), cfg)
    text = body["content"]["text"]  # type: ignore[index]
    assert 'user_id="all"' not in text and 'user_id="-1"' not in text
    assert "<at" not in text  # none of the ids is one person's id


def test_feishu_keeps_mentioning_real_platform_users(cfg: GuanjiaConfig, clock: ManualClock) -> None:
    target = OutboundConfig(platform="feishu", url="http://127.0.0.1:9/hook")
    body = FeishuTransport(clock).body(target, message(("feishu:ou_z9", "feishu:all")), cfg)
    text = body["content"]["text"]  # type: ignore[index]
    assert text.count("<at ") == 1 and '<at user_id="ou_z9"></at>' in text


def test_dingtalk_reply_never_sets_at_all_or_an_everyone_id(cfg: GuanjiaConfig) -> None:
    rendered = dingtalk.render_message("#1 已报完成", HOSTILE, cfg)
    assert rendered["at"]["isAtAll"] is False
    assert rendered["at"]["atUserIds"] == []


def test_wecom_passive_reply_mentions_nobody_from_a_hostile_id(cfg: GuanjiaConfig) -> None:
    text = reply_text(Outcome([Reply("#1 已报完成", HOSTILE)], [1]), cfg, markdown=True)
    assert "<@all>" not in text and "<@" not in text


# --- finding 11: live markdown from a web action -------------------------------------------

LURE = "[点我领奖](http://evil.example/x) ![img](http://evil.example/p.png) <img src=http://evil.example/t>"


def test_reason_typed_in_a_web_form_reaches_dingtalk_as_inert_text(
    client: TestClient, services: AppServices, chat: Any, cfg: GuanjiaConfig
) -> None:
    n = chat.report(REPORT)
    make_user(services, "chen", "unit", unit="hws", display_name="陈环卫")
    csrf = login(client, "chen")
    form = {"csrf_token": csrf, "action": "return", "reason": LURE}
    # After 退回 the ticket is the 创城办's, so the unit user is not sent back to its page.
    answer = client.post(f"/tickets/{n}/act", data=form, follow_redirects=False)
    assert answer.status_code in (200, 303), answer.text[-500:]
    with services.session_factory() as session:
        [queued] = session.scalars(select(OutboxMessage)).all()
    rendered = dingtalk.render_message(queued.text, tuple(queued.mentions or ()), cfg)
    shown = json.dumps(rendered, ensure_ascii=False)
    assert rendered["msgtype"] == "markdown"  # the multi-line form DingTalk renders
    assert "](http" not in shown and "![" not in shown and "<img" not in shown
    assert "点我领奖" in shown  # the words stay readable


def test_markdown_paths_disarm_links_whatever_reached_the_text(cfg: GuanjiaConfig) -> None:
    text = f"#1 退回\n原因：{LURE}"
    ding = json.dumps(dingtalk.render_message(text, (), cfg), ensure_ascii=False)
    wecom_passive = reply_text(Outcome([Reply(text, ())], [1]), cfg, markdown=True)
    wecom_robot = json.dumps(WeComTransport().bodies(message((), text + "长" * TEXT_LIMIT), cfg), ensure_ascii=False)
    for shown in (ding, wecom_passive, wecom_robot):
        assert "](http" not in shown and "<img" not in shown
