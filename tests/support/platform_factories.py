"""Config and payload factories for the platform tests."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import yaml

from config.loader import parse_config
from config.schema import GuanjiaConfig

CONFIG = Path(__file__).resolve().parents[2] / "config" / "guanjia.yaml"
REPORT = "府前街与南环路交叉口西北角垃圾堆了两天了"


def platform_cfg(outbound: dict[str, Any] | None = None) -> GuanjiaConfig:
    """The demo config with platform ids for the reporter and the 环卫 member, and the demo group's chat ids."""
    data = yaml.safe_load(CONFIG.read_text(encoding="utf-8"))
    data["people"]["wgy_li"] = {"name": "李网格", "dingtalk": "staff-li", "wecom": "LiWG", "feishu": "ou_li"}
    data["people"]["hws_chen"] = {
        "name": "陈环卫",
        "mobile": "13800000001",
        "dingtalk": "staff-chen",
        "wecom": "ChenHW",
        "feishu": "ou_chen",
    }
    data["groups"]["demo"]["chat_ids"] = {"dingtalk": "cid-demo", "wecom": "wr-demo", "feishu": "oc_demo"}
    if outbound is not None:
        data["groups"]["demo"]["outbound"] = outbound
    return parse_config(data, "test")


def dingtalk_message(msg_id: str, text: str, sender: str = "staff-li", **extra: Any) -> dict[str, Any]:
    return {
        "msgId": msg_id,
        "msgtype": "text",
        "text": {"content": f" @创城大管家 {text}"},
        "senderStaffId": sender,
        "senderId": f"$:LWCP_v1:${sender}",
        "senderNick": "李网格",
        "conversationId": "cid-demo",
        "conversationType": "2",
        "conversationTitle": "延庆镇创城大管家群",
        "robotCode": "dingbot",
        "isInAtList": True,
    } | extra


def wecom_robot_message(msg_id: str, text: str, user: str = "LiWG") -> bytes:
    return json.dumps(
        {
            "msgid": msg_id,
            "aibotid": "bot1",
            "chatid": "wr-demo",
            "chattype": "group",
            "from": {"userid": user},
            "msgtype": "text",
            "text": {"content": f"@创城大管家 {text}"},
        },
        ensure_ascii=False,
    ).encode()


def feishu_event(message_id: str, text: str, open_id: str = "ou_li", token: str = "vtoken") -> dict[str, Any]:
    return {
        "schema": "2.0",
        "header": {
            "event_id": f"ev-{message_id}",
            "event_type": "im.message.receive_v1",
            "token": token,
            "create_time": "1700000000000",
            "app_id": "cli_x",
        },
        "event": {
            "sender": {"sender_id": {"open_id": open_id}, "sender_type": "user"},
            "message": {
                "message_id": message_id,
                "chat_id": "oc_demo",
                "chat_type": "group",
                "message_type": "text",
                "content": json.dumps({"text": f"@_user_1 {text}"}, ensure_ascii=False),
                "mentions": [{"key": "@_user_1", "id": {"open_id": "ou_bot"}, "name": "创城大管家"}],
            },
        },
    }


NO_PLACE_REPORT = "垃圾堆了两天了没人清理"


def dingtalk_typed(msg_id: str, msgtype: str, content: dict[str, Any], sender: str = "staff-li") -> dict[str, Any]:
    """A DingTalk robot message of another type than text: `content` carries it, there is no `text`."""
    body = dingtalk_message(msg_id, "", sender) | {"msgtype": msgtype, "content": content}
    body.pop("text")
    return body


def feishu_typed(
    message_id: str, message_type: str, content: dict[str, Any], chat_type: str = "group", **message: Any
) -> dict[str, Any]:
    """An im.message.receive_v1 event of `message_type` (no @: Feishu sends these with group_msg or in p2p)."""
    event = feishu_event(message_id, "")
    event["event"]["message"] |= {
        "message_type": message_type,
        "content": json.dumps(content, ensure_ascii=False),
        "chat_type": chat_type,
        "mentions": [],
    } | message
    return event


def wecom_app_xml(msg_id: str, msg_type: str, user: str = "LiWG", **fields: str) -> bytes:
    """A 自建应用 message as WeCom sends it (decrypted): MsgType plus that type's fields."""
    extra = "".join(f"<{k}><![CDATA[{v}]]></{k}>" for k, v in fields.items())
    return (
        f"<xml><ToUserName><![CDATA[]]></ToUserName><FromUserName><![CDATA[{user}]]></FromUserName>"
        f"<CreateTime>1409659813</CreateTime><MsgType><![CDATA[{msg_type}]]></MsgType>{extra}"
        f"<MsgId>{msg_id}</MsgId><AgentID>1000002</AgentID></xml>"
    ).encode()


def wecom_robot_typed(msg_id: str, msgtype: str, body: dict[str, Any], user: str = "LiWG") -> bytes:
    """A 智能机器人 callback of `msgtype`; `body` holds that type's object (and `quote`, if any)."""
    data = json.loads(wecom_robot_message(msg_id, "", user))
    data.pop("text")
    return json.dumps(data | {"msgtype": msgtype} | body, ensure_ascii=False).encode()


def feishu_click(
    event_id: str, ticket: Any, action: str, open_id: str = "ou_chen", token: str = "vtoken"
) -> dict[str, Any]:
    """A card.action.trigger callback (schema 2.0): `open_id` pressed the button valued {ticket, action}."""
    return {
        "schema": "2.0",
        "header": {
            "event_id": event_id,
            "event_type": "card.action.trigger",
            "token": token,
            "create_time": "1700000000000",
            "app_id": "cli_x",
        },
        "event": {
            "operator": {"open_id": open_id},
            "token": "c-update-token",
            "action": {"tag": "button", "value": {"ticket": ticket, "action": action}},
            "host": "im_message",
            "context": {"open_message_id": "om_card", "open_chat_id": "oc_demo"},
        },
    }


def wecom_card_click(msg_id: str, event_key: str, user: str = "ChenHW", task_id: str = "t1_task") -> bytes:
    """A 智能机器人 template_card_event: `user` pressed the button keyed `event_key` (action:ticket)."""
    event = {"card_type": "button_interaction", "event_key": event_key, "task_id": task_id}
    return json.dumps(
        {
            "msgid": msg_id,
            "aibotid": "bot1",
            "chatid": "wr-demo",
            "chattype": "group",
            "from": {"userid": user},
            "msgtype": "event",
            "event": {"eventtype": "template_card_event", "template_card_event": event},
        },
        ensure_ascii=False,
    ).encode()
