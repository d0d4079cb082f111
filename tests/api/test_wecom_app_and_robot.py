"""One instance serves a WeCom 自建应用 and a 智能机器人, each with its own Token, key and receive id."""

from __future__ import annotations

import json
from typing import Any

import pytest
from fastapi.testclient import TestClient
from pydantic import SecretStr
from sqlalchemy import func, select

from bot.adapters.wecom_crypto import WXBizMsgCrypt
from bot.app import create_app
from bot.app_services import AppServices
from config.schema import GuanjiaConfig
from config.settings import Settings
from models import InboundMessage, Ticket
from tests.support.chat import START
from tests.support.platform_factories import REPORT, platform_cfg, wecom_robot_message
from tests.support.platform_http import AES_KEY, platform_settings

NOW_S = str(int(START.timestamp()))
BOT_KEY = "kXnZn8rs6oNpBVxaSkHuCyna4LB2ulBk4zllS7r3C3D"
APP = WXBizMsgCrypt("wecom-token", AES_KEY, "wwcorp")
ROBOT = WXBizMsgCrypt("bot-token", BOT_KEY, "")


@pytest.fixture
def cfg() -> GuanjiaConfig:
    return platform_cfg()


@pytest.fixture
def settings(database_url: str, tmp_path: Any) -> Settings:
    base = platform_settings(database_url, tmp_path / "media")
    return base.model_copy(
        update={
            "wecom_corp_id": "wwcorp",
            "wecom_bot_token": SecretStr("bot-token"),
            "wecom_bot_aes_key": SecretStr(BOT_KEY),
        }
    )


def _count(services: AppServices, model: Any) -> int:
    with services.session_factory() as session:
        return session.scalar(select(func.count()).select_from(model)) or 0


def _app_post(client: TestClient, msg_id: str, crypt: WXBizMsgCrypt = APP) -> Any:
    xml = (
        "<xml><ToUserName><![CDATA[wwcorp]]></ToUserName><FromUserName><![CDATA[LiWG]]></FromUserName>"
        f"<CreateTime>{NOW_S}</CreateTime><MsgType><![CDATA[text]]></MsgType><Content><![CDATA[{REPORT}]]>"
        f"</Content><MsgId>{msg_id}</MsgId><AgentID>218</AgentID></xml>"
    ).encode()
    encrypted, sig = crypt.seal(xml, NOW_S, "n1")
    body = f"<xml><ToUserName><![CDATA[wwcorp]]></ToUserName><Encrypt><![CDATA[{encrypted}]]></Encrypt></xml>"
    return client.post("/webhook/wecom", params={"msg_signature": sig, "timestamp": NOW_S, "nonce": "n1"}, content=body)


def _robot_post(client: TestClient, msg_id: str, crypt: WXBizMsgCrypt = ROBOT) -> Any:
    encrypted, sig = crypt.seal(wecom_robot_message(msg_id, REPORT), NOW_S, "n2")
    params = {"msg_signature": sig, "timestamp": NOW_S, "nonce": "n2"}
    return client.post("/webhook/wecom", params=params, content=json.dumps({"encrypt": encrypted}))


def test_the_app_and_the_robot_each_open_with_their_own_keys(services: AppServices) -> None:
    with TestClient(create_app(services)) as client:
        app_answer = _app_post(client, "4561255354251345929")
        assert app_answer.status_code == 200 and "<Encrypt>" in app_answer.text
        robot_answer = _robot_post(client, "wm-robot-1")
        assert robot_answer.status_code == 200
    envelope = robot_answer.json()
    plain = ROBOT.open(envelope["msgsignature"], str(envelope["timestamp"]), envelope["nonce"], envelope["encrypt"])
    answer = json.loads(plain)
    assert answer["msgtype"] == "stream" and answer["stream"]["finish"] is True
    # The same report from the robot joins the app's ticket: both were opened and read.
    assert "#1" in answer["stream"]["content"]
    assert _count(services, Ticket) == 1 and _count(services, InboundMessage) == 2


def test_a_robot_envelope_sealed_with_the_app_keys_is_refused(services: AppServices) -> None:
    """Someone holding the app's keys cannot speak as the robot (nor the reverse): 401, no ticket."""
    forged_robot = WXBizMsgCrypt("wecom-token", AES_KEY, "")
    forged_app = WXBizMsgCrypt("bot-token", BOT_KEY, "wwcorp")
    with TestClient(create_app(services)) as client:
        assert _robot_post(client, "wm-forged", forged_robot).status_code == 401
        assert _app_post(client, "4561255354251345930", forged_app).status_code == 401
    assert _count(services, InboundMessage) == 0


@pytest.mark.parametrize("crypt", [APP, ROBOT], ids=["app", "robot"])
def test_url_verification_answers_for_either(services: AppServices, crypt: WXBizMsgCrypt) -> None:
    echo, sig = crypt.seal(b"1288432023552776189", NOW_S, "47744683")
    params = {"msg_signature": sig, "timestamp": NOW_S, "nonce": "47744683", "echostr": echo}
    with TestClient(create_app(services)) as client:
        response = client.get("/webhook/wecom", params=params)
        assert response.status_code == 200 and response.text == "1288432023552776189"
        assert client.get("/webhook/wecom", params=params | {"msg_signature": "0" * 40}).status_code == 401


def test_robot_keys_fall_back_to_the_shared_ones(services: AppServices) -> None:
    services.settings = services.settings.model_copy(
        update={"wecom_bot_token": None, "wecom_bot_aes_key": None, "wecom_corp_id": "wwcorp"}
    )
    shared_robot = WXBizMsgCrypt("wecom-token", AES_KEY, "")
    with TestClient(create_app(services)) as client:
        assert _robot_post(client, "wm-shared", shared_robot).status_code == 200
        assert _app_post(client, "4561255354251345931").status_code == 200
    assert _count(services, InboundMessage) == 2
