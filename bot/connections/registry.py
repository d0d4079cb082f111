"""Which long connections this deployment runs: one line per platform, each on its own setting."""

from __future__ import annotations

from bot.app_services import AppServices
from bot.connections.base import LongConnection
from bot.connections.dingtalk_stream import DingTalkStream


def configured_connections(services: AppServices) -> list[LongConnection]:
    connections: list[LongConnection] = []
    if services.settings.dingtalk_stream():
        connections.append(DingTalkStream(services))
    # Feishu 长连接 (GUANJIA_FEISHU_MODE=ws) and WeCom 智能机器人 长连接 (GUANJIA_WECOM_BOT_MODE=ws)
    # each add their one line here.
    return connections
