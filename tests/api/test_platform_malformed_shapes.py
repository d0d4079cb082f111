"""Correctly signed callbacks whose JSON has an unexpected shape get a clear 4xx, never a 500.

A 5xx makes the platform push the same callback again and again, and says nothing about what
was wrong. Each test is the request a buggy platform (or someone holding the keys) sends:
properly signed or encrypted, a field of the wrong type inside. Nothing may be written.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from bot.app_services import AppServices
from bot.core.clock import ManualClock
from config.schema import GuanjiaConfig
from config.settings import Settings
from models import InboundMessage, OutboxMessage, Ticket, WebhookNonce
from tests.support.platform_factories import (
    REPORT,
    dingtalk_message,
    feishu_click,
    feishu_event,
    feishu_typed,
    platform_cfg,
    wecom_robot_message,
    wecom_robot_typed,
)
from tests.support.platform_http import ding, feishu_post, platform_settings, wecom_post


@pytest.fixture
def cfg() -> GuanjiaConfig:
    return platform_cfg()


@pytest.fixture
def settings(database_url: str, tmp_path: Any) -> Settings:
    return platform_settings(database_url, tmp_path / "media")


def nothing_written(services: AppServices) -> bool:
    with services.session_factory() as session:
        counts = [
            session.scalar(select(func.count()).select_from(model)) or 0
            for model in (InboundMessage, Ticket, OutboxMessage, WebhookNonce)
        ]
    return counts == [0, 0, 0, 0]


def refused(response: Any, field: str) -> None:
    """A 422 with the JSON error body that names the field at fault."""
    assert response.status_code == 422, response.text[:300]
    body = response.json()
    assert body["error"] == "invalid_request" and field in body["message"], body


# --- DingTalk ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("extra", "field"),
    [
        ({"createAt": 10**18}, "createAt"),
        ({"createAt": -(10**18)}, "createAt"),
        ({"msgtype": "richText", "content": {"richText": 5}}, "content.richText"),
    ],
)
def test_dingtalk_wrongly_shaped_message_is_422(
    client: TestClient, services: AppServices, clock: ManualClock, extra: dict[str, Any], field: str
) -> None:
    refused(ding(client, clock, dingtalk_message("bad-1", REPORT, **extra)), field)
    assert nothing_written(services)


# --- Feishu ------------------------------------------------------------------------------


def _feishu_message(**changes: Any) -> dict[str, Any]:
    event = feishu_event("om_bad", REPORT)
    event["event"]["message"] |= changes
    return event


def _feishu_replaced(key: str, value: Any) -> dict[str, Any]:
    event = feishu_event("om_bad", REPORT)
    event["event"][key] = value
    return event


@pytest.mark.parametrize(
    ("event", "field"),
    [
        (_feishu_message(create_time="9" * 20), "create_time"),
        (_feishu_message(create_time="²"), "create_time"),
        (_feishu_replaced("message", "x"), "event.message"),
        (_feishu_replaced("sender", "x"), "event.sender"),
        (feishu_typed("om_bad", "post", {"content": "abc"}), "content"),
        (feishu_typed("om_bad", "post", {"zh_cn": "abc"}), "content"),
        (_feishu_message(content=5), "message.content"),
        (_feishu_message(mentions=5), "message.mentions"),
    ],
)
def test_feishu_wrongly_shaped_message_is_422(
    client: TestClient, services: AppServices, event: dict[str, Any], field: str
) -> None:
    refused(feishu_post(client, event), field)
    assert nothing_written(services)


def test_feishu_event_body_that_is_not_an_object_is_422(client: TestClient, services: AppServices) -> None:
    event = feishu_event("om_bad", REPORT)
    event["event"] = "x"
    refused(feishu_post(client, event), "event")
    assert nothing_written(services)


def _click(**changes: Any) -> dict[str, Any]:
    event = feishu_click("ev-bad", 1, "claim")
    event["event"] |= changes
    return event


@pytest.mark.parametrize(
    ("event", "field"),
    [
        (_click(action={"tag": "button", "value": "x"}, context="y"), "event.action.value"),
        (_click(context="y"), "event.context"),
        (_click(action="x"), "action"),
        (_click(operator="x"), "operator"),
    ],
)
def test_feishu_wrongly_shaped_card_click_is_422(
    client: TestClient, services: AppServices, event: dict[str, Any], field: str
) -> None:
    refused(feishu_post(client, event), field)
    assert nothing_written(services)


# --- WeCom 智能机器人 ---------------------------------------------------------------------


def _robot(**changes: Any) -> bytes:
    data = json.loads(wecom_robot_message("wbad", REPORT))
    return json.dumps(data | changes, ensure_ascii=False).encode()


@pytest.mark.parametrize(
    ("plain", "field"),
    [
        (_robot(text="abc"), "text"),
        (_robot(**{"from": "wgy_li"}), "from"),
        (wecom_robot_typed("wbad", "image", {"image": "u"}), "image"),
        (wecom_robot_typed("wbad", "mixed", {"mixed": {"msg_item": [{"msgtype": "text", "text": "x"}]}}), "text"),
        (wecom_robot_typed("wbad", "mixed", {"mixed": "x"}), "mixed"),
        (wecom_robot_typed("wbad", "mixed", {"mixed": {"msg_item": 5}}), "msg_item"),
        (wecom_robot_typed("wbad", "voice", {"voice": "x"}), "voice"),
        (wecom_robot_typed("wbad", "file", {"file": "x"}), "file"),
        (_robot(quote={"msgtype": "mixed", "mixed": "x"}), "quote.mixed"),
    ],
)
def test_wecom_robot_wrongly_shaped_message_is_422(
    client: TestClient, services: AppServices, plain: bytes, field: str
) -> None:
    refused(wecom_post(client, plain), field)
    assert nothing_written(services)


def test_wecom_robot_card_click_from_a_string_is_422(client: TestClient, services: AppServices) -> None:
    click = json.loads(wecom_robot_message("wclick", ""))
    click |= {"from": "ChenHW", "msgtype": "event", "event": {"eventtype": "template_card_event"}}
    refused(wecom_post(client, json.dumps(click).encode()), "from")
    assert nothing_written(services)


def test_wecom_app_create_time_out_of_range_is_422(client: TestClient, services: AppServices) -> None:
    plain = (
        "<xml><ToUserName><![CDATA[]]></ToUserName><FromUserName><![CDATA[LiWG]]></FromUserName>"
        f"<CreateTime>{'9' * 20}</CreateTime><MsgType><![CDATA[text]]></MsgType>"
        f"<Content><![CDATA[{REPORT}]]></Content><MsgId>app-bad</MsgId></xml>"
    ).encode()
    refused(wecom_post(client, plain), "CreateTime")
    assert nothing_written(services)
