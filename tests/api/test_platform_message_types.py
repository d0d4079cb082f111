"""Every message type DingTalk, Feishu and WeCom can send is answered 200; voice is read as text.

Each test sends the platform's own payload shape, signed or encrypted as the platform does,
through the HTTP route. A type guanjia cannot read gets the empty answer: an error answer
makes Feishu (and DingTalk) count a failed push and send it again.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from bot.app_services import AppServices
from bot.core.clock import ManualClock
from config.schema import GuanjiaConfig
from config.settings import Settings
from models import InboundMessage, OutboxMessage, TicketEvent
from tests.support.platform_factories import (
    NO_PLACE_REPORT,
    REPORT,
    dingtalk_typed,
    feishu_event,
    feishu_typed,
    platform_cfg,
    wecom_app_xml,
    wecom_robot_typed,
)
from tests.support.platform_http import ding, feishu_post, platform_settings, wecom_answer, wecom_post


@pytest.fixture
def cfg() -> GuanjiaConfig:
    return platform_cfg()


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    return platform_settings(database_url, tmp_path / "media")


def tickets(client: TestClient) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = client.get("/api/tickets").json()["items"]
    return items


def queued(services: AppServices) -> list[str]:
    """What the bot queued to say in groups (Feishu replies and announcements go this way)."""
    with services.session_factory() as session:
        return list(session.scalars(select(OutboxMessage.text).order_by(OutboxMessage.id)))


def counts(services: AppServices) -> tuple[int, int]:
    with services.session_factory() as session:
        inbound = session.scalar(select(func.count()).select_from(InboundMessage)) or 0
        events = session.scalar(select(func.count()).select_from(TicketEvent)) or 0
    return inbound, events


# --- DingTalk: text, picture, richText, audio, file, video, and types DingTalk may add -------------

DINGTALK_TYPES: dict[str, dict[str, Any]] = {
    "picture": {"downloadCode": "dc-pic", "pictureDownloadCode": "pdc"},
    "richText": {"richText": [{"text": "大家好"}, {"type": "picture", "downloadCode": "dc-2"}]},
    "audio": {"duration": 4000, "downloadCode": "dc-audio", "recognition": "大家好"},
    "file": {"downloadCode": "dc-file", "fileName": "整改台账.xlsx", "spaceId": "1", "fileId": "2"},
    "video": {"duration": 15, "downloadCode": "dc-video", "videoType": "mp4"},
    "chatRecord": {"summary": "聊天记录"},
    "interactiveCard": {"cardTemplateId": "x"},
}


@pytest.mark.parametrize("msgtype", sorted(DINGTALK_TYPES))
def test_every_dingtalk_message_type_is_answered_200(client: TestClient, clock: ManualClock, msgtype: str) -> None:
    response = ding(client, clock, dingtalk_typed("d-1", msgtype, DINGTALK_TYPES[msgtype]))
    assert response.status_code == 200
    assert response.json()["msgtype"] in ("empty", "text", "markdown")
    assert tickets(client) == []


def test_dingtalk_voice_transcript_becomes_a_ticket(client: TestClient, clock: ManualClock) -> None:
    audio = {"duration": 6000, "downloadCode": "dc-a", "recognition": REPORT}
    reply = ding(client, clock, dingtalk_typed("d-voice", "audio", audio)).json()
    assert "已登记 #1" in reply["text"]["content"] and reply["at"]["atUserIds"] == ["staff-chen"]
    [ticket] = tickets(client)
    assert ticket["reporter_id"] == "wgy_li" and ticket["location"] == "府前街与南环路交叉口西北角"


def test_dingtalk_voice_without_transcript_is_answered_empty_and_stores_nothing(
    client: TestClient, clock: ManualClock, services: AppServices
) -> None:
    response = ding(client, clock, dingtalk_typed("d-a0", "audio", {"duration": 2000, "downloadCode": "dc"}))
    assert response.status_code == 200 and response.json() == {"msgtype": "empty"}
    assert counts(services) == (0, 0)


# --- Feishu: all im.message.receive_v1 message types --------------------------------------------

FEISHU_TYPES: dict[str, dict[str, Any]] = {
    "text": {"text": "大家好"},
    "post": {"zh_cn": {"title": "", "content": [[{"tag": "text", "text": "大家好"}]]}},
    "image": {"image_key": "img_v2_1"},
    "audio": {"file_key": "file_v2_audio", "duration": 3000},
    "file": {"file_key": "file_v2_1", "file_name": "台账.pdf"},
    "media": {"file_key": "file_v2_2", "image_key": "img_v2_3", "file_name": "现场.mp4", "duration": 9000},
    "sticker": {"file_key": "file_v2_sticker"},
    "location": {"name": "延庆区妫水北街", "longitude": "115.97", "latitude": "40.46"},
    "merge_forward": {"content": "Merged and Forwarded Message"},
    "share_chat": {"chat_id": "oc_other"},
    "interactive": {"title": "卡片", "elements": [[{"tag": "text", "text": "x"}]]},
    "share_user": {"user_id": "ou_x"},
    "system": {"template": "{from_user} invited {to_chatters}"},
}


@pytest.mark.parametrize("message_type", sorted(FEISHU_TYPES))
@pytest.mark.parametrize("chat_type", ["group", "p2p"])
def test_every_feishu_message_type_is_answered_200(
    client: TestClient, message_type: str, chat_type: str, services: AppServices
) -> None:
    event = feishu_typed("om_t", message_type, FEISHU_TYPES[message_type], chat_type=chat_type)
    response = feishu_post(client, event)
    assert response.status_code == 200 and response.json() == {}
    assert tickets(client) == []


def test_feishu_voice_in_a_report_flow_stores_nothing_and_says_nothing(
    client: TestClient, services: AppServices
) -> None:
    assert feishu_post(client, feishu_event("om_r", NO_PLACE_REPORT)).json() == {}
    before_outbox, before = queued(services), counts(services)
    audio = feishu_typed("om_a", "audio", {"file_key": "file_v2_a", "duration": 4000}, chat_type="p2p")
    assert feishu_post(client, audio).status_code == 200
    assert counts(services) == before and queued(services) == before_outbox


# --- WeCom 自建应用 (XML) and 智能机器人 (JSON) --------------------------------------------------

WECOM_APP_TYPES: dict[str, dict[str, str]] = {
    "text": {"Content": "大家好"},
    "image": {"PicUrl": "http://p.qpic.cn/x", "MediaId": "m-img"},
    "voice": {"MediaId": "m-voice", "Format": "amr"},
    "video": {"MediaId": "m-video", "ThumbMediaId": "m-thumb"},
    "location": {"Location_X": "40.46", "Location_Y": "115.97", "Scale": "15", "Label": "延庆区妫水北街"},
    "link": {"Title": "通知", "Description": "d", "Url": "http://x", "PicUrl": "http://y"},
    "event": {"Event": "enter_agent", "EventKey": ""},
    "file": {"MediaId": "m-file", "FileName": "a.pdf"},
}


@pytest.mark.parametrize("msg_type", sorted(WECOM_APP_TYPES))
def test_every_wecom_app_message_type_is_answered_200(client: TestClient, msg_type: str) -> None:
    response = wecom_post(client, wecom_app_xml("700", msg_type, **WECOM_APP_TYPES[msg_type]))
    assert response.status_code == 200
    assert tickets(client) == []


WECOM_ROBOT_TYPES: dict[str, dict[str, Any]] = {
    "text": {"text": {"content": "@创城大管家 大家好"}},
    "image": {"image": {"url": "https://ww.example/img"}},
    "voice": {"voice": {"content": "大家好"}},
    "mixed": {"mixed": {"msg_item": [{"msgtype": "text", "text": {"content": "大家好"}}]}},
    "file": {"file": {"url": "https://ww.example/file"}},
    "stream": {"stream": {"id": "s1"}},
    "event": {"event": {"eventtype": "enter_chat"}},
}


@pytest.mark.parametrize("msgtype", sorted(WECOM_ROBOT_TYPES))
def test_every_wecom_robot_message_type_is_answered_200(client: TestClient, msgtype: str) -> None:
    response = wecom_post(client, wecom_robot_typed("wr-1", msgtype, WECOM_ROBOT_TYPES[msgtype]))
    assert response.status_code == 200
    assert tickets(client) == []


@pytest.mark.parametrize("kind", ["app", "robot"])
def test_wecom_voice_transcript_becomes_a_ticket(client: TestClient, kind: str) -> None:
    if kind == "app":
        plain = wecom_app_xml("701", "voice", MediaId="m-v", Format="amr", Recognition=REPORT)
    else:
        plain = wecom_robot_typed("wr-v", "voice", {"voice": {"content": REPORT}})
    answer = wecom_answer(wecom_post(client, plain))
    assert "已登记 #1" in answer
    [ticket] = tickets(client)
    assert ticket["reporter_id"] == "wgy_li" and ticket["category"] == "garbage"


def test_a_retried_voice_message_is_one_ticket(client: TestClient) -> None:
    plain = wecom_app_xml("702", "voice", MediaId="m-v", Format="amr", Recognition=REPORT)
    first, again = wecom_post(client, plain), wecom_post(client, plain)
    assert wecom_answer(first) == wecom_answer(again) and len(tickets(client)) == 1


def test_a_feishu_private_chat_answered_in_the_group_says_whose_it_is(
    client: TestClient, services: AppServices
) -> None:
    """HTTP mode has no private reply: the group robot posts the answer. A tester saw "要登记为问题
    吗？" appear in the group with nothing saying whom it asked."""
    text = {"text": "这个事情我想私下反映一下"}
    assert feishu_post(client, feishu_typed("om_p", "text", text, chat_type="p2p")).status_code == 200
    with services.session_factory() as session:
        [posted] = session.scalars(select(OutboxMessage.text)).all()
    assert posted.startswith("李网格 私聊机器人：\n")
