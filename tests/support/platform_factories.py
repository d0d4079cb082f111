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
