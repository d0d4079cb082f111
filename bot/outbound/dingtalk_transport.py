"""DingTalk custom robot (自定义机器人): signed URL, text or markdown, @ by user id or mobile."""

from __future__ import annotations

from urllib.parse import quote_plus

import httpx

from bot.adapters import dingtalk
from bot.core.clock import Clock
from bot.outbound.delivery import DeliveryResult, OutboundMessage
from bot.outbound.robot_http import post_json
from config.schema import GuanjiaConfig, OutboundConfig

RATE_LIMITED = {410100, 130101}  # 发送速度太快而限流 (and the older code)
PERMANENT = {310000, 300001, 400101, 400102}  # 签名/关键词/IP 不匹配; token invalid; robot stopped


def signed_url(url: str, secret: str | None, timestamp_ms: int) -> str:
    if not secret:
        return url
    ts = str(timestamp_ms)
    joiner = "&" if "?" in url else "?"
    return f"{url}{joiner}timestamp={ts}&sign={quote_plus(dingtalk.sign(secret, ts))}"


class DingTalkTransport:
    def __init__(self, clock: Clock, client: httpx.Client | None = None, timeout: float = 10) -> None:
        self._client = client or httpx.Client(timeout=timeout)
        self._clock = clock  # the signature's timestamp: the composition root decides which clock

    def send(self, target: OutboundConfig, message: OutboundMessage, cfg: GuanjiaConfig) -> DeliveryResult:
        if not target.url:
            return DeliveryResult(ok=False, error="no outbound.url configured", permanent=True)
        text = message.text
        if message.image_png_base64:
            # A custom robot cannot upload a picture; the chart stays in the digest's text.
            text += "\n（图表见周报导出）"
        body = dingtalk.render_message(text, message.mentions, cfg)
        url = signed_url(target.url, target.resolved_secret(), int(self._clock.now().timestamp() * 1000))
        return post_json(
            self._client,
            url,
            body,
            lambda d: (int(str(d.get("errcode", -1))), str(d.get("errmsg", ""))),
            RATE_LIMITED,
            PERMANENT,
            "dingtalk",
        )
