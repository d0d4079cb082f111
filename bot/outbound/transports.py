"""Transports by platform name (`groups.<id>.outbound.platform`)."""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable
from typing import TextIO

import httpx

from bot.core.clock import Clock
from bot.outbound.delivery import DeliveryResult, OutboundMessage, Transport
from config.schema import GuanjiaConfig, OutboundConfig

log = logging.getLogger(__name__)


class ConsoleTransport:
    """Prints the message: for the simulator and for trying a config without a robot."""

    def __init__(self, write: Callable[[str], object] | None = None, stream: TextIO | None = None) -> None:
        self._write = write
        self._stream = stream

    def send(self, target: OutboundConfig, message: OutboundMessage, cfg: GuanjiaConfig) -> DeliveryResult:
        mentions = " ".join("@" + cfg.display_name(m) for m in message.mentions)
        text = f"📣 [{message.group_id}] {message.text}" + (f"\n   {mentions}" if mentions else "")
        if message.image_png_base64:
            text += "\n   [图表]"
        if self._write is not None:
            self._write(text)
        else:
            print(text, file=self._stream or sys.stdout, flush=True)
        return DeliveryResult.success()


class GenericTransport:
    """POST {"group_id", "text", "mentions", "image_png_base64"?} to the group's outbound.url."""

    def __init__(self, client: httpx.Client | None = None, timeout: float = 10.0) -> None:
        self._client = client or httpx.Client(timeout=timeout)

    def send(self, target: OutboundConfig, message: OutboundMessage, cfg: GuanjiaConfig) -> DeliveryResult:
        if not target.url:
            return DeliveryResult(ok=False, error="no outbound.url configured", permanent=True)
        body: dict[str, object] = {
            "group_id": message.group_id,
            "text": message.text,
            "mentions": list(message.mentions),
        }
        if message.image_png_base64:
            body["image_png_base64"] = message.image_png_base64
        try:
            response = self._client.post(target.url, json=body)
        except httpx.HTTPError as exc:
            return DeliveryResult(ok=False, error=f"{type(exc).__name__}: {exc}")
        if response.is_success:
            return DeliveryResult.success()
        if response.status_code == 429:
            retry_after = response.headers.get("retry-after", "")
            wait = float(retry_after) if retry_after.replace(".", "", 1).isdigit() else None
            return DeliveryResult(ok=False, error="HTTP 429 rate limited", retry_after_seconds=wait)
        permanent = response.status_code in (400, 401, 403, 404, 410, 413, 422)
        return DeliveryResult(ok=False, error=f"HTTP {response.status_code}", permanent=permanent)


def default_transports(clock: Clock) -> dict[str, Transport]:
    """Every platform this build can send to; platform adapters add theirs here.

    `clock` signs the robots' timestamps: the composition root passes the app's clock, so a
    test or `sweep --now` signs with the same instant everything else runs at.
    """
    return {
        "console": ConsoleTransport(),
        "generic": GenericTransport(),
        **_platform_transports(clock),
    }


def _platform_transports(clock: Clock) -> dict[str, Transport]:
    from bot.outbound.dingtalk_transport import DingTalkTransport
    from bot.outbound.feishu_transport import FeishuTransport
    from bot.outbound.wecom_transport import WeComTransport

    return {"dingtalk": DingTalkTransport(clock), "wecom": WeComTransport(), "feishu": FeishuTransport(clock)}
