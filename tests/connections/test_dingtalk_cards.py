"""DingTalk 互动卡片 over Stream mode, against the fake gateway speaking the real frames and API.

What a district sees: a new ticket's answer is a card with 认领 / 退回 in the group, @-ing the
unit; the unit member's click claims it and the card shows 整改中 for everyone; a click by
someone the ticket is not for changes nothing and only they see why; a callback DingTalk pushes
twice counts once; a button guanjia did not draw runs nothing.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from sqlalchemy import Engine, select

from bot.app_services import AppServices
from bot.connections.runner import ConnectionRunner
from bot.core.clock import ManualClock
from config.schema import GuanjiaConfig
from config.settings import Settings
from models import Ticket, TicketEvent
from tests.connections.test_dingtalk_stream import count, report, run_stream
from tests.support.fake_dingtalk_stream import FakeDingTalkStream, card_buttons
from tests.support.platform_factories import platform_cfg


@pytest.fixture
def cfg() -> GuanjiaConfig:
    return platform_cfg()


def status(engine: Engine) -> str:
    with engine.connect() as connection:
        return str(connection.execute(select(Ticket.status)).scalar_one())


def claims(engine: Engine) -> int:
    with engine.connect() as connection:
        return len(connection.execute(select(TicketEvent.id).where(TicketEvent.type == "claimed")).all())


def shown(answer: dict[str, Any], user: str | None = None) -> dict[str, Any]:
    """The card an ack's data redraws: for everyone (cardData), or for `user` alone (privateData)."""
    params = answer["privateData"][user]["cardParamMap"] if user else answer["cardData"]["cardParamMap"]
    return json.loads(params["sys_full_json_obj"])


def labels(card: dict[str, Any]) -> list[str]:
    return [b["label"]["text"] for b in card_buttons(card)]


async def _reported(gateway: FakeDingTalkStream, clock: ManualClock) -> dict[str, Any]:
    await gateway.ack_for(await gateway.push_bot_message(report("ding-1", gateway, clock)))
    await gateway.wait_for(lambda: len(gateway.cards) == 1)
    return gateway.cards[0]


async def _click(
    gateway: FakeDingTalkStream, card: dict[str, Any], button: str, user: str, frame: str | None = None
) -> Any:
    ack = await gateway.ack_for(await gateway.push_card_click(card, button, user, frame))
    assert ack["code"] == 200
    return json.loads(ack["data"])


def test_a_report_is_answered_with_a_card_and_a_click_claims_the_ticket(
    settings: Settings, cfg: GuanjiaConfig, clock: ManualClock, engine: Engine
) -> None:
    seen: dict[str, Any] = {}

    async def scenario(gateway: FakeDingTalkStream, _services: AppServices, _runner: ConnectionRunner) -> None:
        seen["sent"] = await _reported(gateway, clock)
        seen["answer"] = await _click(gateway, seen["sent"], "认领", "staff-chen")
        await gateway.wait_for(lambda: len(gateway.card_updates) == 1)
        seen["update"] = gateway.card_updates[0]
        seen["text_replies"] = list(gateway.replies)

    run_stream(settings, cfg, clock, engine, scenario, cards_allowed=True)
    sent = seen["sent"]
    assert sent["openConversationId"] == "cid-demo" and sent["robotCode"] == "dingbot"
    assert json.loads(sent["sendOptions"]["atUserListJson"]) == [{"userId": "staff-chen", "nickName": "陈环卫"}]
    assert sent["card"]["contents"][0]["text"].startswith("已登记 #1")
    assert labels(sent["card"]) == ["认领", "退回"]
    assert seen["text_replies"] == []  # the card is the answer; no second, text copy
    assert status(engine) == "claimed"
    card = shown(seen["answer"])
    assert "状态：整改中" in card["contents"][0]["text"] and labels(card) == []
    assert seen["update"]["cardBizId"] == sent["cardBizId"] and seen["update"]["card"] == card


def test_a_refused_click_changes_nothing_and_only_the_clicker_is_told_why(
    settings: Settings, cfg: GuanjiaConfig, clock: ManualClock, engine: Engine
) -> None:
    seen: dict[str, Any] = {}

    async def scenario(gateway: FakeDingTalkStream, _services: AppServices, _runner: ConnectionRunner) -> None:
        sent = await _reported(gateway, clock)
        seen["answer"] = await _click(gateway, sent, "认领", "staff-li")  # the reporter, not the unit
        seen["updates"] = list(gateway.card_updates)

    run_stream(settings, cfg, clock, engine, scenario, cards_allowed=True)
    answer = seen["answer"]
    assert "cardData" not in answer  # nobody else's card changes
    card = shown(answer, "staff-li")
    assert "未执行：#1 属于环卫中心，您不是该单位成员" in card["contents"][0]["text"]
    assert labels(card) == ["认领", "退回"]  # still there to press for the unit
    assert status(engine) == "dispatched" and claims(engine) == 0 and seen["updates"] == []


def test_a_callback_pushed_twice_claims_once(
    settings: Settings, cfg: GuanjiaConfig, clock: ManualClock, engine: Engine
) -> None:
    seen: dict[str, Any] = {}

    async def scenario(gateway: FakeDingTalkStream, _services: AppServices, _runner: ConnectionRunner) -> None:
        sent = await _reported(gateway, clock)
        seen["first"] = await _click(gateway, sent, "认领", "staff-chen", "click-frame-1")
        seen["again"] = await _click(gateway, sent, "认领", "staff-chen", "click-frame-1")

    run_stream(settings, cfg, clock, engine, scenario, cards_allowed=True)
    assert seen["again"] == seen["first"]
    assert claims(engine) == 1 and status(engine) == "claimed"


def test_a_button_guanjia_did_not_draw_runs_nothing(
    settings: Settings, cfg: GuanjiaConfig, clock: ManualClock, engine: Engine
) -> None:
    seen: list[dict[str, Any]] = []
    before: list[int] = []

    async def scenario(gateway: FakeDingTalkStream, _services: AppServices, _runner: ConnectionRunner) -> None:
        sent = await _reported(gateway, clock)
        before.append(count(engine, TicketEvent))
        [claim, _] = [b["id"] for b in card_buttons(sent["card"])]
        forged = [
            (sent["cardBizId"], "claim-1-0000000000000000"),  # a signature guanjia never made
            ("another-card", claim),  # a real button id moved onto another card
            (sent["cardBizId"], claim.replace("claim-1", "claim-2")),  # the same signature, another ticket
        ]
        for card_id, button in forged:
            ack = await gateway.ack_for(await gateway.push_card_action(card_id, button, "staff-chen"))
            seen.append(json.loads(ack["data"]))

    run_stream(settings, cfg, clock, engine, scenario, cards_allowed=True)
    for answer in seen:
        assert "无法识别的按钮，请改用文字命令" in shown(answer, "staff-chen")["contents"][0]["text"]
    assert status(engine) == "dispatched" and [count(engine, TicketEvent)] == before
