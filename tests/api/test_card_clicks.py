"""Card buttons on Feishu: a click runs the command it stands for, as the clicker, once.

Through the signed, encrypted callback Feishu posts (`card.action.trigger`): the answer is
the toast the clicker sees and the card redrawn for the ticket's new state.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from bot.app_services import AppServices
from config.schema import GuanjiaConfig
from config.settings import Settings
from models import InboundMessage, OutboxMessage, Ticket, TicketEvent
from tests.support.platform_factories import REPORT, feishu_click, feishu_event, platform_cfg
from tests.support.platform_http import feishu_post, platform_settings


@pytest.fixture
def cfg() -> GuanjiaConfig:
    return platform_cfg()


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    return platform_settings(database_url, tmp_path / "media")


def buttons(answer: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    """(label, value) of every button on the card the click's answer redraws."""
    elements = answer["card"]["data"]["elements"]
    return [(b["text"]["content"], b["value"]) for e in elements if e["tag"] == "action" for b in e["actions"]]


def status(services: AppServices, ticket_id: int = 1) -> str:
    with services.session_factory() as session:
        ticket = session.get(Ticket, ticket_id)
        assert ticket is not None
        return ticket.status


def events(services: AppServices, kind: str) -> int:
    with services.session_factory() as session:
        return len(list(session.scalars(select(TicketEvent.id).where(TicketEvent.type == kind))))


def queued(services: AppServices) -> list[str]:
    with services.session_factory() as session:
        return list(session.scalars(select(OutboxMessage.text).order_by(OutboxMessage.id)))


def stored_cards(services: AppServices, msg_id: str) -> list[dict[str, Any]]:
    """The cards the bot's answer to message `msg_id` carries (what card-drawing modes render)."""
    with services.session_factory() as session:
        response = session.scalars(select(InboundMessage.response).where(InboundMessage.msg_id == msg_id)).one()
    return [card for reply in response["replies"] for card in reply.get("cards", [])]


def report(client: TestClient) -> None:
    assert feishu_post(client, feishu_event("om_r", REPORT)).json() == {}


def test_a_new_ticket_carries_exactly_claim_and_return(client: TestClient, services: AppServices) -> None:
    report(client)
    assert stored_cards(services, "om_r") == [{"ticket": 1, "actions": ["claim", "return"]}]


def test_a_click_on_claim_claims_the_ticket_as_the_clicker(client: TestClient, services: AppServices) -> None:
    report(client)
    answer = feishu_post(client, feishu_click("ev-c1", 1, "claim", open_id="ou_chen")).json()
    assert status(services) == "claimed"
    assert answer["toast"]["type"] == "success" and "已由陈环卫（环卫中心）认领" in answer["toast"]["content"]
    assert "状态：整改中" in answer["card"]["data"]["elements"][0]["text"]["content"]
    assert buttons(answer) == []  # nothing left to click on a claimed ticket's card
    assert any("已由陈环卫（环卫中心）认领" in t for t in queued(services))  # the group hears it too


def test_the_same_click_delivered_twice_claims_once(client: TestClient, services: AppServices) -> None:
    report(client)
    first = feishu_post(client, feishu_click("ev-c1", 1, "claim")).json()
    again = feishu_post(client, feishu_click("ev-c1", 1, "claim")).json()
    assert again == first and first["toast"]["type"] == "success"
    assert events(services, "claimed") == 1
    assert sum("已由陈环卫（环卫中心）认领" in t for t in queued(services)) == 1


def test_a_strangers_click_changes_nothing_and_tells_them_why(client: TestClient, services: AppServices) -> None:
    report(client)
    before = queued(services)
    answer = feishu_post(client, feishu_click("ev-x", 1, "claim", open_id="ou_stranger")).json()
    assert answer["toast"] == {"type": "error", "content": "#1 属于环卫中心，您不是该单位成员"}
    assert status(services) == "dispatched" and events(services, "claimed") == 0
    assert queued(services) == before  # only the clicker is told, in the toast
    assert [label for label, _ in buttons(answer)] == ["认领", "退回"]  # the card stays as it was


def test_a_click_in_the_wrong_status_changes_nothing(client: TestClient, services: AppServices) -> None:
    report(client)
    feishu_post(client, feishu_click("ev-c1", 1, "claim"))
    answer = feishu_post(client, feishu_click("ev-v1", 1, "verify_pass", open_id="ou_li")).json()
    assert answer["toast"]["type"] == "error" and "不能验收" in answer["toast"]["content"]
    assert status(services) == "claimed" and events(services, "closed") == 0


def test_a_fixed_ticket_carries_exactly_verify_pass_and_fail(client: TestClient, services: AppServices) -> None:
    report(client)
    feishu_post(client, feishu_click("ev-c1", 1, "claim"))
    feishu_post(client, feishu_event("om_fix", "完成 1", open_id="ou_chen"))
    assert status(services) == "fixed"
    assert stored_cards(services, "om_fix") == [{"ticket": 1, "actions": ["verify_pass", "verify_fail"]}]
    # The unit that fixed it may not verify its own work: refused, and the card keeps both buttons.
    refused = feishu_post(client, feishu_click("ev-v0", 1, "verify_pass", open_id="ou_chen")).json()
    assert refused["toast"]["type"] == "error" and status(services) == "fixed"
    assert buttons(refused) == [
        ("验收通过", {"ticket": 1, "action": "verify_pass"}),
        ("不通过", {"ticket": 1, "action": "verify_fail"}),
    ]
    passed = feishu_post(client, feishu_click("ev-v1", 1, "verify_pass", open_id="ou_li")).json()
    assert passed["toast"]["type"] == "success" and status(services) == "closed"
    assert buttons(passed) == []


def test_the_reporter_fails_the_check_with_a_click(client: TestClient, services: AppServices) -> None:
    report(client)
    feishu_post(client, feishu_click("ev-c1", 1, "claim"))
    feishu_post(client, feishu_event("om_fix", "完成 1", open_id="ou_chen"))
    answer = feishu_post(client, feishu_click("ev-f1", 1, "verify_fail", open_id="ou_li")).json()
    assert answer["toast"]["type"] == "success" and "验收不通过" in answer["toast"]["content"]
    assert status(services) == "claimed"
    # A button carries no reason: the clicker is asked for one, and "1号 …" adds it to the ticket.
    with services.session_factory() as session:
        told = session.scalars(select(OutboxMessage.text)).all()
    assert any("验收不通过（按钮验收、未写原因）" in t and "直接回复：1号 原因" in t for t in told), told


def test_the_unit_returns_a_ticket_with_a_click(client: TestClient, services: AppServices) -> None:
    report(client)
    answer = feishu_post(client, feishu_click("ev-r1", 1, "return")).json()
    assert answer["toast"]["type"] == "success" and status(services) == "triage"


@pytest.mark.parametrize(
    ("ticket", "action"), [(1, "cancel"), (1, "delete_all"), ("1", "claim"), (True, "claim"), (None, "claim")]
)
def test_a_forged_button_value_changes_nothing(
    client: TestClient, services: AppServices, ticket: Any, action: str
) -> None:
    """A button guanjia never drew (an action no card offers, a ticket that is no number) does nothing."""
    report(client)
    answer = feishu_post(client, feishu_click("ev-forged", ticket, action, open_id="ou_li")).json()
    assert answer == {"toast": {"type": "error", "content": "无法识别的按钮，请改用文字命令"}}
    assert status(services) == "dispatched"


def test_an_unsigned_click_is_refused(client: TestClient, services: AppServices) -> None:
    report(client)
    response = feishu_post(client, feishu_click("ev-u", 1, "claim"), sign=False)
    assert response.status_code == 401 and status(services) == "dispatched"
