"""People are matched (and @-ed) by the ids that hold across a platform's apps.

DingTalk: the staffId (userId), not the per-robot senderId. Feishu: user_id (tenant-wide) or
union_id before the per-app open_id; @ by user_id or open_id (Feishu's <at> takes no union_id).
WeCom: the userid.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from typing import Any

import yaml

from bot.adapters import dingtalk, feishu, feishu_cards, wecom
from bot.adapters.identity import mentions_for
from bot.core.clock import ManualClock
from bot.outbound.delivery import OutboundMessage
from bot.outbound.feishu_transport import FeishuTransport
from config.loader import parse_config
from config.schema import GuanjiaConfig, OutboundConfig
from tests.support.platform_factories import CONFIG, dingtalk_message, feishu_click, feishu_event, wecom_robot_message


def cfg_with(**people: dict[str, Any]) -> GuanjiaConfig:
    data = yaml.safe_load(CONFIG.read_text(encoding="utf-8"))
    for person, entry in people.items():
        data["people"][person] = entry
    return parse_config(data, "test")


def test_dingtalk_matches_the_staff_id_that_every_app_of_the_org_shares() -> None:
    cfg = cfg_with(hws_chen={"name": "陈环卫", "dingtalk": "0423123456"})
    # Two robots of the org see different senderIds for the same member, the same senderStaffId.
    for robot_scoped in ("$:LWCP_v1:$robotA", "$:LWCP_v1:$robotB"):
        message = dingtalk_message("d1", "认领 1", sender="0423123456", senderId=robot_scoped)
        assert dingtalk.sender_of(message, cfg) == "hws_chen"


def test_dingtalk_falls_back_to_the_robot_scoped_id_only_when_nothing_else_matches() -> None:
    cfg = cfg_with(hws_chen={"name": "陈环卫", "dingtalk": "$:LWCP_v1:$legacy"})
    assert (
        dingtalk.sender_of(dingtalk_message("d1", "x", sender="0423", senderId="$:LWCP_v1:$legacy"), cfg) == "hws_chen"
    )
    stranger = dingtalk_message("d2", "x", sender="0999", senderId="$:LWCP_v1:$zzz")
    assert dingtalk.sender_of(stranger, cfg) == "dingtalk:0999"  # the stable id, not the robot's
    external = dingtalk_message("d3", "x", senderId="$:LWCP_v1:$ext")
    external.pop("senderStaffId")  # someone outside the organisation has no staffId
    assert dingtalk.sender_of(external, cfg) == "dingtalk:$:LWCP_v1:$ext"


def _feishu_sender(event: dict[str, Any], **ids: str) -> dict[str, Any]:
    event["event"]["sender"]["sender_id"] = ids
    return event


def test_feishu_matches_a_user_id_or_union_id_whatever_the_apps_open_id() -> None:
    by_user = cfg_with(hws_chen={"name": "陈环卫", "feishu": "u_chen"})
    by_union = cfg_with(hws_chen={"name": "陈环卫", "feishu": "on_chen"})
    # The same person seen by two apps: a different open_id each, the same user_id and union_id.
    for open_id in ("ou_app_a", "ou_app_b"):
        event = _feishu_sender(feishu_event("f1", "认领 1"), open_id=open_id, user_id="u_chen", union_id="on_chen")
        for cfg in (by_user, by_union):
            message = feishu.to_incoming(event, cfg)
            assert message is not None and message.incoming.sender_id == "hws_chen"
    click = feishu_click("ev-1", 1, "claim", open_id="ou_app_b")
    click["event"]["operator"] |= {"user_id": "u_chen", "union_id": "on_chen"}
    assert feishu_cards.read_click(click, by_user).sender_id == "hws_chen"


def test_a_feishu_stranger_keeps_an_id_the_bot_can_at() -> None:
    cfg = cfg_with()
    both = feishu.to_incoming(
        _feishu_sender(feishu_event("f1", "x"), open_id="ou_x", user_id="u_x", union_id="on_x"), cfg
    )
    open_only = feishu.to_incoming(_feishu_sender(feishu_event("f2", "x"), open_id="ou_y", union_id="on_y"), cfg)
    assert both is not None and both.incoming.sender_id == "feishu:u_x"
    assert open_only is not None and open_only.incoming.sender_id == "feishu:ou_y"


def test_feishu_ats_use_the_configured_user_id_or_open_id_and_name_a_union_id_person() -> None:
    cfg = cfg_with(
        hws_chen={"name": "陈环卫", "feishu": "u_chen"},
        wgy_li={"name": "李网格", "feishu": "on_li"},
        cgzf_liu={"name": "刘城管", "feishu": "ou_liu"},
    )
    who = mentions_for(cfg, "feishu", ["hws_chen", "wgy_li", "cgzf_liu"])
    assert who.user_ids == ("u_chen", "ou_liu") and who.without_id == ("李网格",)
    body: Any = FeishuTransport(ManualClock()).body(
        OutboundConfig(platform="feishu", url="https://example.invalid/hook"),
        OutboundMessage("demo", "提醒", ("hws_chen", "wgy_li")),
        cfg,
    )
    assert body["content"]["text"].endswith('<at user_id="u_chen"></at> @李网格')


def test_wecom_matches_the_userid_of_the_robot_and_of_the_app() -> None:
    cfg = cfg_with(hws_chen={"name": "陈环卫", "wecom": "ChenHW"})
    robot = wecom.to_incoming(wecom_robot_message("w1", "认领 1", user="ChenHW"), "json", cfg)
    root = ET.Element("xml")
    for tag, value in {"MsgType": "text", "MsgId": "w2", "FromUserName": "ChenHW", "Content": "认领 1"}.items():
        ET.SubElement(root, tag).text = value
    app = wecom.to_incoming(ET.tostring(root), "xml", cfg)
    assert robot is not None and robot.incoming.sender_id == "hws_chen"
    assert app is not None and app.incoming.sender_id == "hws_chen"
    stranger = wecom.to_incoming(wecom_robot_message("w3", "x", user="Nobody"), "json", cfg)
    assert stranger is not None and stranger.incoming.sender_id == "wecom:Nobody"
