"""Each adapter says whether a message was written to the bot (IncomingMessage.addressed)."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET

from fastapi.testclient import TestClient

from bot.adapters import dingtalk, feishu, generic, wecom
from bot.app_services import AppServices
from bot.chat.unreported import QUESTION
from bot.cli.simulator import ChatSimulator
from bot.core.clock import ManualClock
from tests.support.platform_factories import dingtalk_message, feishu_event, platform_cfg, wecom_robot_message

CFG = platform_cfg()


def test_dingtalk_robot_messages_are_addressed_in_groups_and_private_chats() -> None:
    group = dingtalk.to_incoming(dingtalk_message("d1", "那边不太对劲"), CFG).incoming
    private = dingtalk.to_incoming(dingtalk_message("d2", "那边不太对劲", conversationType="1"), CFG).incoming
    assert group.addressed and private.addressed
    assert group.text == "那边不太对劲"  # the @ is gone, the fact kept


def test_wecom_robot_and_app_messages_are_addressed() -> None:
    robot = wecom.to_incoming(wecom_robot_message("w1", "那边不太对劲"), "json", CFG)
    root = ET.Element("xml")
    for tag, value in {"MsgType": "text", "MsgId": "w2", "FromUserName": "LiWG", "Content": "那边不太对劲"}.items():
        ET.SubElement(root, tag).text = value
    app = wecom.to_incoming(ET.tostring(root), "xml", CFG)
    assert robot is not None and robot.incoming.addressed
    assert app is not None and app.incoming.addressed


def test_feishu_group_messages_are_addressed_only_when_they_mention_the_bot() -> None:
    mentioned = feishu.to_incoming(feishu_event("f1", "那边不太对劲"), CFG)
    plain_event = feishu_event("f2", "那边不太对劲")
    plain_event["event"]["message"]["mentions"] = []
    plain_event["event"]["message"]["content"] = json.dumps({"text": "那边不太对劲"}, ensure_ascii=False)
    plain = feishu.to_incoming(plain_event, CFG)
    p2p_event = feishu_event("f3", "那边不太对劲")
    p2p_event["event"]["message"]["chat_type"] = "p2p"
    p2p_event["event"]["message"]["mentions"] = []
    p2p = feishu.to_incoming(p2p_event, CFG)
    assert mentioned is not None and mentioned.incoming.addressed
    assert plain is not None and not plain.incoming.addressed
    assert p2p is not None and p2p.incoming.addressed


def test_generic_webhook_takes_the_field_or_a_leading_at(client: TestClient) -> None:
    base = {"group_id": "demo", "sender_id": "wgy_li", "sender_name": "李网格"}
    names = CFG.bot_names
    payload = generic.GenericMessage.model_validate(base | {"msg_id": "g0", "text": "@大管家 那边"})
    assert generic.to_incoming(payload, CFG.timezone, names).addressed
    payload = generic.GenericMessage.model_validate(base | {"msg_id": "g0", "text": "那边"})
    assert not generic.to_incoming(payload, CFG.timezone, names).addressed

    def post(msg_id: str, text: str, **extra: object) -> list[str]:
        body = base | {"msg_id": msg_id, "text": text} | extra
        return [r["text"] for r in client.post("/webhook/generic", json=body).json()["replies"]]

    assert post("g1", "那边不太对劲") == []
    assert post("g2", "那边不太对劲", addressed=True) == [QUESTION]
    assert post("g3", "@创城大管家 东关那块有点情况", sender_id="wgy_sun") == [QUESTION]


def test_the_simulator_counts_a_leading_at(services: AppServices, clock: ManualClock) -> None:
    sim = ChatSimulator(services, clock, "demo", "wgy_li")
    assert QUESTION not in "".join(sim.handle_line("那边不太对劲"))
    assert sim.handle_line("@大管家 那边不太对劲") == [f"🤖 {QUESTION}"]
