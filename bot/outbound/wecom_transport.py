"""WeCom group robot (群机器人 webhook/send?key=): text with @ lists, markdown ≤ 4096 bytes, images ≤ 2 MB."""

from __future__ import annotations

import base64
import binascii
import hashlib

import httpx

from bot.adapters.identity import mentions_for
from bot.core.echo_safety import echo, no_live_markdown, no_mass_mentions
from bot.outbound.delivery import DeliveryResult, OutboundMessage
from bot.outbound.robot_http import post_json
from config.schema import GuanjiaConfig, OutboundConfig

TEXT_LIMIT = 2048  # bytes of text.content
MARKDOWN_LIMIT = 4096  # bytes of markdown.content
IMAGE_LIMIT = 2 * 1024 * 1024
RATE_LIMITED = {45009}  # api freq out of limit
PERMANENT = {93000, 93004, 93008, 40008}  # invalid key, robot disabled/not in group, invalid message type


def split_utf8(text: str, limit: int) -> list[str]:
    """Cut into pieces of at most `limit` UTF-8 bytes, at line ends where possible."""
    pieces: list[str] = []
    current = ""
    for line in text.splitlines(keepends=True):
        while len(line.encode()) > limit:  # a single overlong line: cut by characters
            cut = len(line)
            while len(line[:cut].encode()) > limit:
                cut -= 1
            if current:
                pieces.append(current)
                current = ""
            pieces.append(line[:cut])
            line = line[cut:]
        if len((current + line).encode()) > limit:
            pieces.append(current)
            current = ""
        current += line
    if current:
        pieces.append(current)
    return [p.rstrip("\n") for p in pieces if p.strip()]


def _code(data: dict[str, object]) -> tuple[int, str]:
    return int(str(data.get("errcode", -1))), str(data.get("errmsg", ""))


class WeComTransport:
    def __init__(self, client: httpx.Client | None = None, timeout: float = 10) -> None:
        self._client = client or httpx.Client(timeout=timeout)

    def _post(self, url: str, body: dict[str, object]) -> DeliveryResult:
        return post_json(self._client, url, body, _code, RATE_LIMITED, PERMANENT, "wecom")

    def bodies(self, message: OutboundMessage, cfg: GuanjiaConfig) -> list[dict[str, object]]:
        who = mentions_for(cfg, "wecom", message.mentions)
        message_text = no_mass_mentions(message.text)
        bodies: list[dict[str, object]]
        if len(message_text.encode()) <= TEXT_LIMIT:
            text = {
                "content": message_text,
                "mentioned_list": list(who.user_ids),
                "mentioned_mobile_list": list(who.mobiles),
            }
            bodies = [{"msgtype": "text", "text": text}]
        else:  # a long digest: markdown pieces, the @s on the last one
            tags = " ".join([f"<@{u}>" for u in who.user_ids] + [f"@{echo(n)}" for n in who.without_id])
            pieces = split_utf8(no_live_markdown(message_text), MARKDOWN_LIMIT - len(tags.encode()) - 1)
            if tags:
                pieces[-1] += "\n" + tags
            bodies = [{"msgtype": "markdown", "markdown": {"content": p}} for p in pieces]
        if message.image_png_base64:
            bodies.append(image_body(message.image_png_base64))
        return bodies

    def send(self, target: OutboundConfig, message: OutboundMessage, cfg: GuanjiaConfig) -> DeliveryResult:
        if not target.url:
            return DeliveryResult(ok=False, error="no outbound.url configured", permanent=True)
        try:
            bodies = self.bodies(message, cfg)
        except ValueError as exc:
            return DeliveryResult(ok=False, error=str(exc), permanent=True)
        for body in bodies:  # a failure part-way resends the earlier pieces on retry
            result = self._post(target.url, body)
            if not result.ok:
                return result
        return DeliveryResult.success()


def image_body(png_base64: str) -> dict[str, object]:
    try:
        data = base64.b64decode(png_base64, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise ValueError("image is not base64") from exc
    if len(data) > IMAGE_LIMIT:
        raise ValueError(f"image is {len(data)} bytes; a WeCom robot takes at most 2 MB")
    return {"msgtype": "image", "image": {"base64": png_base64, "md5": hashlib.md5(data).hexdigest()}}
