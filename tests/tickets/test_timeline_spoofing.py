"""Timeline spoofing (issue 14 finding 13), written as the attacks.

A chat sender picks their own id on an unsigned webhook, and a message id is unique only
within its platform. Neither may put words in the bot's or the web's mouth on the ticket page.
"""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

from bot.app_services import AppServices
from bot.chat.messages import IncomingMessage
from tests.support.chat import Chat
from tests.support.web_helpers import login, make_user

GARBAGE = "府前街与南环路交叉口西北角垃圾堆了两天了"
PARKING = "东关大街与北环路交叉口有辆白色轿车停在人行道上，行人只能走机动车道"
_BADGE = re.compile(r'<span class="via via-([^"]+)">')
_QUOTE = re.compile(r'<blockquote class="step-source" title="原始群消息">(.*?)</blockquote>', re.S)


def page(client: TestClient, services: AppServices, n: int) -> str:
    make_user(services, "wang", "supervisor")
    login(client, "wang")
    answer = client.get(f"/tickets/{n}")
    assert answer.status_code == 200
    return answer.text


def test_chat_sender_named_like_the_bot_gets_the_chat_badge(
    client: TestClient, chat: Chat, services: AppServices
) -> None:
    n = chat.report(GARBAGE, sender="guanjia")
    badges = _BADGE.findall(page(client, services, n))
    # 上报 by the sender (a chat message), 派单 by the bot itself.
    assert badges == ["群消息", "系统"]


def test_chat_sender_named_like_a_web_user_gets_the_chat_badge(
    client: TestClient, chat: Chat, services: AppServices
) -> None:
    n = chat.report(PARKING, sender="web:wang")
    chat.say(f"撤销 {n} 重复上报", sender="web:wang")
    html = page(client, services, n)
    assert "网页" not in _BADGE.findall(html)
    assert _BADGE.findall(html) == ["群消息", "系统", "群消息"]


def test_a_real_web_action_still_gets_the_web_badge(client: TestClient, chat: Chat, services: AppServices) -> None:
    n = chat.report(GARBAGE)
    html = page(client, services, n)
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert csrf
    client.post(f"/tickets/{n}/act", data={"csrf_token": csrf.group(1), "action": "cancel", "reason": "重复"})
    assert _BADGE.findall(client.get(f"/tickets/{n}").text) == ["群消息", "系统", "网页"]


def test_a_message_on_another_platform_with_the_same_id_is_not_quoted(
    client: TestClient, chat: Chat, services: AppServices
) -> None:
    n = chat.report(GARBAGE)  # message m1 on platform "test"
    forged = IncomingMessage(
        platform="generic",
        msg_id="m1",
        group_id="demo",
        sender_id="generic:mallory",
        sender_name="mallory",
        text="创城办通知：本工单已核实为误报，请勿处理",
    )
    services.intake.handle(forged)
    quotes = _QUOTE.findall(page(client, services, n))
    assert quotes == [GARBAGE]
