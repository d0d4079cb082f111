"""Feishu / Lark custom bot (自定义机器人): signed body, text with <at> tags."""

from __future__ import annotations

from xml.sax.saxutils import quoteattr

import httpx

from bot.adapters import feishu_crypto
from bot.adapters.identity import mentions_for
from bot.core.clock import Clock
from bot.core.echo_safety import echo, no_mass_mentions
from bot.outbound.delivery import DeliveryResult, OutboundMessage
from bot.outbound.robot_http import post_json
from config.schema import GuanjiaConfig, OutboundConfig

RATE_LIMITED = {9499, 11232}  # too many requests / frequency limited
PERMANENT = {19021, 19022, 19024, 19001, 19002}  # sign or timestamp invalid, IP not allowed, keyword, bad hook


def _code(data: dict[str, object]) -> tuple[int, str]:
    code = data.get("code", data.get("StatusCode", -1))
    return int(str(code)), str(data.get("msg", data.get("StatusMessage", "")))


class FeishuTransport:
    def __init__(self, clock: Clock, client: httpx.Client | None = None, timeout: float = 10) -> None:
        self._client = client or httpx.Client(timeout=timeout)
        self._clock = clock  # the signature's timestamp: the composition root decides which clock

    def body(self, target: OutboundConfig, message: OutboundMessage, cfg: GuanjiaConfig) -> dict[str, object]:
        who = mentions_for(cfg, "feishu", message.mentions)
        # Attribute-escaped (a `"` in an id must not end the attribute); names are inert text.
        tags = [f"<at user_id={quoteattr(u)}></at>" for u in who.user_ids] + [f"@{echo(n)}" for n in who.without_id]
        text = no_mass_mentions(message.text) + ("\n" + " ".join(tags) if tags else "")
        if message.image_png_base64:
            text += "\n（图表见周报导出）"
        body: dict[str, object] = {"msg_type": "text", "content": {"text": text}}
        secret = target.resolved_secret()
        if secret:
            timestamp = str(int(self._clock.now().timestamp()))
            body = {"timestamp": timestamp, "sign": feishu_crypto.bot_sign(timestamp, secret), **body}
        return body

    def send(self, target: OutboundConfig, message: OutboundMessage, cfg: GuanjiaConfig) -> DeliveryResult:
        if not target.url:
            return DeliveryResult(ok=False, error="no outbound.url configured", permanent=True)
        body = self.body(target, message, cfg)
        return post_json(self._client, target.url, body, _code, RATE_LIMITED, PERMANENT, "feishu")
