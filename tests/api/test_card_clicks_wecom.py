"""Card buttons on a WeCom 智能机器人: template cards (button_interaction) and their clicks.

Through the encrypted callback WeCom posts: a report is answered with a template card when
cards are on, and a click's passive answer (`update_template_card`) redraws it.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from bot.app_services import AppServices
from config.schema import GuanjiaConfig
from config.settings import Settings
from models import Ticket, TicketEvent
from tests.support.platform_factories import REPORT, platform_cfg, wecom_card_click, wecom_robot_message
from tests.support.platform_http import platform_settings, wecom_answer, wecom_post


@pytest.fixture
def cfg() -> GuanjiaConfig:
    return platform_cfg()


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    return platform_settings(database_url, tmp_path / "media").model_copy(update={"wecom_bot_cards": True})


def answer(response: Any) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(wecom_answer(response))
    return data


def keys(card: dict[str, Any]) -> list[tuple[str, str]]:
    return [(b["text"], b["key"]) for b in card["button_list"]]


def status(services: AppServices) -> str:
    with services.session_factory() as session:
        ticket = session.get(Ticket, 1)
        assert ticket is not None
        return ticket.status


def claimed(services: AppServices) -> int:
    with services.session_factory() as session:
        return len(list(session.scalars(select(TicketEvent.id).where(TicketEvent.type == "claimed"))))


def test_a_report_is_answered_with_a_card_carrying_claim_and_return(client: TestClient) -> None:
    reply = answer(wecom_post(client, wecom_robot_message("m1", REPORT)))
    assert reply["msgtype"] == "template_card"
    card = reply["template_card"]
    assert card["card_type"] == "button_interaction" and "已登记 #1" in card["sub_title_text"]
    assert keys(card) == [("认领", "claim:1"), ("退回", "return:1")]


def test_a_click_claims_once_and_redraws_the_card_for_everyone(client: TestClient, services: AppServices) -> None:
    wecom_post(client, wecom_robot_message("m1", REPORT))
    first = answer(wecom_post(client, wecom_card_click("c1", "claim:1")))
    again = answer(wecom_post(client, wecom_card_click("c1", "claim:1")))  # WeCom pushes the click again
    assert status(services) == "claimed" and claimed(services) == 1
    assert first["response_type"] == "update_template_card" and "userids" not in first
    assert first["template_card"]["task_id"] == "t1_task"
    assert keys(first["template_card"]) == [("整改中", "noop")]
    assert again == first


def test_a_strangers_click_changes_nothing_and_only_they_see_why(client: TestClient, services: AppServices) -> None:
    wecom_post(client, wecom_robot_message("m1", REPORT))
    reply = answer(wecom_post(client, wecom_card_click("c9", "claim:1", user="Stranger")))
    assert status(services) == "dispatched" and claimed(services) == 0
    assert reply["userids"] == ["Stranger"]
    assert "未执行：#1 属于环卫中心，您不是该单位成员" in reply["template_card"]["sub_title_text"]
    assert keys(reply["template_card"]) == [("认领", "claim:1"), ("退回", "return:1")]


def test_a_fixed_ticket_is_answered_with_verify_pass_and_fail(client: TestClient, services: AppServices) -> None:
    wecom_post(client, wecom_robot_message("m1", REPORT))
    wecom_post(client, wecom_card_click("c1", "claim:1"))
    reply = answer(wecom_post(client, wecom_robot_message("m2", "完成 1", user="ChenHW")))
    assert status(services) == "fixed"
    assert keys(reply["template_card"]) == [("验收通过", "verify_pass:1"), ("不通过", "verify_fail:1")]
    passed = answer(wecom_post(client, wecom_card_click("c2", "verify_pass:1", user="LiWG")))
    assert status(services) == "closed" and "userids" not in passed


def test_cards_off_keeps_the_text_reply(client: TestClient, services: AppServices) -> None:
    services.settings.wecom_bot_cards = False
    reply = answer(wecom_post(client, wecom_robot_message("m1", REPORT)))
    # The robot's own text form: a finished stream (the form a 智能机器人 displays).
    assert reply["msgtype"] == "stream" and reply["stream"]["finish"] is True
    assert "已登记 #1" in reply["stream"]["content"]


@pytest.mark.parametrize("key", ["noop", "cancel:1", "claim:x", "claim:0", ""])
def test_a_button_no_card_offers_changes_nothing(client: TestClient, services: AppServices, key: str) -> None:
    wecom_post(client, wecom_robot_message("m1", REPORT))
    reply = answer(wecom_post(client, wecom_card_click("c5", key, user="LiWG")))
    assert reply["userids"] == ["LiWG"] and "无法识别的按钮" in reply["template_card"]["sub_title_text"]
    assert status(services) == "dispatched"
