"""WeCom 智能机器人 template cards over the long connection, against the fake gateway.

What a district sees: a report's answer @s the unit and is followed by a card with 认领 / 退回;
the unit member's click claims the ticket and the card shows 整改中 for everyone; a click by
someone the ticket is not for changes nothing and only they see why; a click WeCom pushes twice
counts once; a key guanjia did not draw runs nothing; a fixed ticket's card offers 验收通过 /
不通过. The fake refuses any card that breaks WeCom's rules, so `refused == []` checks the shape.
"""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from bot.app_services import AppServices
from bot.connections.wecom_bot_ws import WeComBotConnection
from config.schema import GuanjiaConfig
from models import Ticket, TicketEvent
from tests.connections.test_wecom_bot_ws import StepPacer, count, robot_body, run, serving
from tests.support.fake_wecom_bot_ws import FakeWeComBotGateway, card_problems
from tests.support.platform_factories import platform_cfg


@pytest.fixture
def cfg() -> GuanjiaConfig:
    return platform_cfg()


def status(services: AppServices) -> str:
    with services.session_factory() as session:
        return str(session.scalar(select(Ticket.status)))


def claims(services: AppServices) -> int:
    with services.session_factory() as session:
        return len(session.scalars(select(TicketEvent.id).where(TicketEvent.type == "claimed")).all())


def buttons(card: dict[str, Any]) -> dict[str, str]:
    """{label: key} of a template card (an aibot_send_msg body's or an update's)."""
    return {b["text"]: b["key"] for b in card["template_card"]["button_list"]}


async def reported(fake: FakeWeComBotGateway, msg_id: str = "wm-1") -> dict[str, Any]:
    await fake.push(robot_body(msg_id))
    await fake.until(lambda: len(fake.cards) == 1)
    return fake.cards[0]


async def click(
    fake: FakeWeComBotGateway, card: dict[str, Any], key: str, user: str, msg_id: str | None = None, task: str = ""
) -> dict[str, Any]:
    """Push a click on `key` and return the update that answered it."""
    req_id = await fake.push_click(task or card["template_card"]["task_id"], key, user, msg_id)
    await fake.until(lambda: any(u["headers"]["req_id"] == req_id for u in fake.updates + fake.refused))
    return fake.update_for(req_id)


def test_a_report_is_followed_by_a_card_and_a_click_claims_the_ticket(services: AppServices) -> None:
    seen: dict[str, Any] = {}

    async def scenario(fake: FakeWeComBotGateway, connection: WeComBotConnection, _pacer: StepPacer) -> None:
        task, stop = await serving(connection, fake)
        seen["card"] = await reported(fake)
        seen["update"] = await click(fake, seen["card"], buttons(seen["card"])["认领"], "ChenHW")
        stop.set()
        await task

    fake = run(services, scenario)
    [reply] = fake.replies  # the answer is still the stream that @s the unit
    assert "已登记 #1" in reply["body"]["stream"]["content"] and "<@ChenHW>" in reply["body"]["stream"]["content"]
    card = seen["card"]
    assert (card["chatid"], card["chat_type"], card["msgtype"]) == ("wr-demo", 2, "template_card")
    assert card["template_card"]["main_title"]["title"] == "工单 #1"
    assert "状态：待认领" in card["template_card"]["sub_title_text"]
    assert list(buttons(card)) == ["认领", "退回"]
    update = seen["update"]
    assert "userids" not in update  # everyone's card shows the new state
    assert update["template_card"]["task_id"] == card["template_card"]["task_id"]
    assert "状态：整改中" in update["template_card"]["sub_title_text"] and list(buttons(update)) == ["整改中"]
    assert status(services) == "claimed" and claims(services) == 1 and fake.refused == []


def test_a_refused_click_changes_nothing_and_only_the_clicker_is_told_why(services: AppServices) -> None:
    seen: dict[str, Any] = {}

    async def scenario(fake: FakeWeComBotGateway, connection: WeComBotConnection, _pacer: StepPacer) -> None:
        task, stop = await serving(connection, fake)
        card = await reported(fake)
        seen["update"] = await click(fake, card, buttons(card)["认领"], "LiWG")  # the reporter, not the unit
        stop.set()
        await task

    fake = run(services, scenario)
    update = seen["update"]
    assert update["userids"] == ["LiWG"]  # nobody else's card changes
    assert "未执行：#1 属于环卫中心，您不是该单位成员" in update["template_card"]["sub_title_text"]
    assert list(buttons(update)) == ["认领", "退回"]  # still there to press for the unit
    assert status(services) == "dispatched" and claims(services) == 0 and fake.refused == []


def test_a_click_pushed_twice_claims_once(services: AppServices) -> None:
    seen: list[dict[str, Any]] = []

    async def scenario(fake: FakeWeComBotGateway, connection: WeComBotConnection, _pacer: StepPacer) -> None:
        task, stop = await serving(connection, fake)
        card = await reported(fake)
        for _ in range(2):  # WeCom pushes the same event (same msgid) again, on a new req_id
            seen.append(await click(fake, card, buttons(card)["认领"], "ChenHW", msg_id="click-msg-1"))
        stop.set()
        await task

    fake = run(services, scenario)
    assert seen[0] == seen[1] and "userids" not in seen[1]
    assert claims(services) == 1 and status(services) == "claimed" and fake.refused == []


def test_a_key_guanjia_did_not_draw_runs_nothing(services: AppServices) -> None:
    seen: list[dict[str, Any]] = []
    before: list[int] = []

    async def scenario(fake: FakeWeComBotGateway, connection: WeComBotConnection, _pacer: StepPacer) -> None:
        task, stop = await serving(connection, fake)
        card = await reported(fake)
        before.append(count(services, TicketEvent))
        claim = buttons(card)["认领"]
        forged = [
            ("", "claim-1-0000000000000000"),  # a signature guanjia never made
            ("", "claim:1"),  # the HTTP callback's unsigned key
            ("gj-another-card", claim),  # a real key moved onto another card
            ("", claim.replace("claim-1", "claim-2")),  # the same signature, another ticket
        ]
        for other_task, key in forged:
            seen.append(await click(fake, card, key, "ChenHW", task=other_task))
        stop.set()
        await task

    fake = run(services, scenario)
    for update in seen:
        assert update["userids"] == ["ChenHW"]
        assert "无法识别的按钮，请改用文字命令" in update["template_card"]["sub_title_text"]
    assert status(services) == "dispatched" and [count(services, TicketEvent)] == before and fake.refused == []


def test_a_fixed_tickets_card_offers_verification_and_the_reporter_passes_it(services: AppServices) -> None:
    seen: dict[str, Any] = {}

    async def scenario(fake: FakeWeComBotGateway, connection: WeComBotConnection, _pacer: StepPacer) -> None:
        task, stop = await serving(connection, fake)
        card = await reported(fake)
        await click(fake, card, buttons(card)["认领"], "ChenHW")
        await fake.push(robot_body("wm-2", "完成 1 已清理", **{"from": {"userid": "ChenHW"}}))
        await fake.until(lambda: len(fake.cards) == 2)
        seen["fixed"] = fake.cards[1]
        seen["update"] = await click(fake, seen["fixed"], buttons(seen["fixed"])["验收通过"], "LiWG")
        stop.set()
        await task

    fake = run(services, scenario)
    fixed = seen["fixed"]
    assert list(buttons(fixed)) == ["验收通过", "不通过"] and "<@LiWG>" in fake.replies[1]["body"]["stream"]["content"]
    assert fixed["template_card"]["task_id"] != fake.cards[0]["template_card"]["task_id"]
    assert "userids" not in seen["update"] and status(services) == "closed" and fake.refused == []


def test_a_redelivered_message_draws_one_card(services: AppServices) -> None:
    """The socket drops before WeCom gets the answer; the redelivery is answered and carded once."""

    async def scenario(fake: FakeWeComBotGateway, connection: WeComBotConnection, _pacer: StepPacer) -> None:
        fake.drop_on_next_reply = True
        first, _ = await serving(connection, fake)
        await fake.push(robot_body("wm-7"))
        await fake.until(lambda: fake.closed_connections == 1)
        await first
        second, stop = await serving(connection, fake)
        await fake.until(lambda: len(fake.cards) == 1)
        stop.set()
        await second

    fake = run(services, scenario)
    assert len(fake.replies) == 1 and len(fake.cards) == 1 and fake.refused == []


def test_cards_can_be_turned_off(services: AppServices) -> None:
    services.settings.wecom_bot_ws_cards = False

    async def scenario(fake: FakeWeComBotGateway, connection: WeComBotConnection, _pacer: StepPacer) -> None:
        task, stop = await serving(connection, fake)
        await fake.push(robot_body("wm-1"))
        await fake.until(lambda: len(fake.replies) == 1)
        stop.set()
        await task

    fake = run(services, scenario)
    assert fake.cards == [] and "已登记 #1" in fake.replies[0]["body"]["stream"]["content"]


def test_the_fake_refuses_cards_that_break_wecoms_rules() -> None:
    """The gateway's checks must be able to fail, or `refused == []` above proves nothing."""
    good = {
        "card_type": "button_interaction",
        "main_title": {"title": "工单 #1"},
        "button_list": [{"text": "认领", "style": 1, "key": "k"}],
        "task_id": "gj0",
    }
    assert card_problems(good) == []
    assert card_problems(good | {"task_id": "has space"})
    assert card_problems(good | {"task_id": "x" * 129})
    assert card_problems(good | {"button_list": []})
    assert card_problems(good | {"button_list": [{"text": "a", "key": "k"}] * 2})  # keys repeat
    assert card_problems(good | {"button_list": [{"text": "a", "key": "k" * 1025}]})
    assert card_problems(good | {"main_title": {}})
