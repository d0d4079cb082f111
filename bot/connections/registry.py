"""Which long connections this deployment runs: one line per platform, each on its own setting."""

from __future__ import annotations

from bot.app_services import AppServices
from bot.connections import feishu_ws, wecom_bot_ws
from bot.connections.base import LongConnection
from bot.connections.dingtalk_stream import DingTalkStream


def configured_connections(services: AppServices) -> list[LongConnection]:
    connections: list[LongConnection] = []
    if services.settings.dingtalk_stream():
        connections.append(DingTalkStream(services))
    feishu = feishu_ws.build(services)  # GUANJIA_FEISHU_MODE=ws
    if feishu is not None:
        connections.append(feishu)
    wecom = wecom_bot_ws.build(services)  # GUANJIA_WECOM_BOT_MODE=ws
    if wecom is not None:
        connections.append(wecom)
    return connections
