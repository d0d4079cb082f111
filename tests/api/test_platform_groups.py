"""Groups where the robot hears only @ messages, and 自建应用 private chats announced in the group.

DingTalk and WeCom group robots, and a Feishu app without `im:message.group_msg`, receive only
messages that @ them: such a message that is not a command is a report attempt, and an unclear
one is asked about. With `im:message.group_msg` Feishu delivers every group message: those
without an @ are read as reports only when they clearly are one.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select

from bot.app import create_app
from bot.app_services import AppServices, build_services
from bot.chat.unreported import QUESTION
from bot.core.clock import ManualClock
from bot.outbound.wecom_transport import WeComTransport
from config.schema import GuanjiaConfig
from config.settings import Settings
from models import OutboxMessage
from tests.support import fake_platforms
from tests.support.platform_factories import (
    REPORT,
    dingtalk_message,
    feishu_event,
    platform_cfg,
    wecom_app_xml,
    wecom_robot_message,
)
from tests.support.platform_http import ding, feishu_post, platform_settings, wecom_answer, wecom_post

UNCLEAR = "东关那块有点情况"


@pytest.fixture
def cfg() -> GuanjiaConfig:
    return platform_cfg()


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    return platform_settings(database_url, tmp_path / "media")


def queued(services: AppServices) -> list[str]:
    with services.session_factory() as session:
        return list(session.scalars(select(OutboxMessage.text).order_by(OutboxMessage.id)))


def tickets(client: TestClient) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = client.get("/api/tickets").json()["items"]
    return items


def test_dingtalk_an_unclear_at_message_is_asked_about(client: TestClient, clock: ManualClock) -> None:
    assert ding(client, clock, dingtalk_message("d1", UNCLEAR)).json()["text"]["content"] == QUESTION
    assert tickets(client) == []


def test_wecom_robot_an_unclear_at_message_is_asked_about(client: TestClient) -> None:
    answer = json.loads(wecom_answer(wecom_post(client, wecom_robot_message("w1", UNCLEAR))))
    assert answer["msgtype"] == "stream" and answer["stream"]["content"] == QUESTION
    assert tickets(client) == []


def test_feishu_an_unclear_at_message_is_asked_about(client: TestClient, services: AppServices) -> None:
    assert feishu_post(client, feishu_event("om_1", UNCLEAR)).json() == {}
    assert queued(services) == [QUESTION]


def test_feishu_with_group_msg_only_clear_reports_without_an_at_are_taken(
    client: TestClient, services: AppServices
) -> None:
    def without_at(message_id: str, text: str) -> dict[str, Any]:
        event = feishu_event(message_id, text)
        event["event"]["message"] |= {"mentions": [], "content": json.dumps({"text": text}, ensure_ascii=False)}
        return event

    feishu_post(client, without_at("om_1", UNCLEAR))
    assert queued(services) == [] and tickets(client) == []
    feishu_post(client, without_at("om_2", REPORT))
    assert len(tickets(client)) == 1 and "已登记 #1" in queued(services)[0]


@pytest.fixture
def fake(clock: ManualClock) -> Iterator[fake_platforms.FakePlatforms]:
    with fake_platforms.running(clock) as running:
        yield running


def test_wecom_app_private_report_is_announced_in_the_units_group(
    settings: Settings, clock: ManualClock, engine: Engine, fake: fake_platforms.FakePlatforms
) -> None:
    url = fake.add("wecom", "group-key")
    cfg = platform_cfg({"platform": "wecom", "url": url})
    services = build_services(settings, cfg, clock=clock, engine=engine, transports={"wecom": WeComTransport()})
    with TestClient(create_app(services)) as client:
        private = wecom_answer(wecom_post(client, wecom_app_xml("901", "text", Content=REPORT)))
        assert "已登记 #1" in private  # the reporter's own answer, in the private chat
        wecom_post(client, wecom_app_xml("901", "text", Content=REPORT))  # a retry announces nothing new
        wecom_post(client, wecom_app_xml("902", "text", Content="收到，谢谢"))  # chatter is not announced
    assert services.sender.run_once().sent == 1
    [sent] = fake.robot("wecom", "group-key").received
    text = sent["text"]["content"] if sent["msgtype"] == "text" else sent["markdown"]["content"]
    assert text.startswith("李网格 通过应用私聊：") and "已登记 #1" in text
    assert "ChenHW" in json.dumps(sent)  # the unit's member is @-ed in the group
