"""Feishu / Lark event callback: `url_verification`, encrypted events, `im.message.receive_v1`.

The route checks X-Lark-Signature and decrypts (feishu_crypto); this module checks the
verification token and turns a message event into an IncomingMessage. Feishu takes no
reply in the response body: replies go out through the group's robot (the outbox).
"""

from __future__ import annotations

import hmac
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from bot.adapters.identity import MediaRef, PlatformMessage, default_group, group_for, person_for, strip_bot_mention
from bot.chat.messages import IncomingMessage
from config.schema import GuanjiaConfig

PLATFORM = "feishu"
MESSAGE_EVENT = "im.message.receive_v1"


class NotAMessage(ValueError):
    pass


@dataclass(frozen=True)
class Challenge:
    challenge: str


def _token_ok(expected: str | None, token: Any) -> bool:
    if expected is None:
        return True
    return isinstance(token, str) and hmac.compare_digest(token.encode(), expected.encode())


def read_event(data: dict[str, Any], verification_token: str | None) -> Challenge | dict[str, Any]:
    """The challenge to answer, or the v2 event; refuses a wrong verification token."""
    if data.get("type") == "url_verification":
        if not _token_ok(verification_token, data.get("token")):
            raise PermissionError("verification token does not match")
        return Challenge(str(data.get("challenge", "")))
    header = data.get("header")
    if not isinstance(header, dict):
        raise NotAMessage("header: required (event schema 2.0)")
    if not _token_ok(verification_token, header.get("token")):
        raise PermissionError("verification token does not match")
    return data


def _sender(cfg: GuanjiaConfig, ids: dict[str, Any]) -> str:
    for key in ("open_id", "user_id", "union_id"):
        value = ids.get(key)
        if isinstance(value, str) and value:
            person = person_for(cfg, PLATFORM, value)
            if person:
                return person
    return f"{PLATFORM}:{ids.get('open_id') or ids.get('user_id') or ids.get('union_id')}"


def _content(message: dict[str, Any]) -> tuple[str, list[str]]:
    try:
        content = json.loads(message.get("content") or "{}")
    except json.JSONDecodeError as exc:
        raise NotAMessage(f"message.content is not JSON: {exc}") from exc
    kind = message.get("message_type")
    if kind == "text":
        return str(content.get("text") or ""), []
    if kind == "image":
        return "", [str(content["image_key"])] if content.get("image_key") else []
    if kind == "post":
        body = content if "content" in content else next(iter(content.values()), {})  # may be keyed by locale
        texts: list[str] = []
        images: list[str] = []
        for line in body.get("content") or []:
            for item in line:
                if item.get("tag") == "text":
                    texts.append(str(item.get("text") or ""))
                elif item.get("tag") == "at":
                    texts.append(f"@{item.get('user_name') or item.get('user_id') or ''}")
                elif item.get("tag") == "img" and item.get("image_key"):
                    images.append(str(item["image_key"]))
            texts.append("\n")
        return "".join(texts).strip(), images
    raise NotAMessage(f"unsupported message_type {kind!r}")


def to_incoming(event: dict[str, Any], cfg: GuanjiaConfig) -> PlatformMessage | None:
    if (event.get("header") or {}).get("event_type") != MESSAGE_EVENT:
        return None
    body = event.get("event") or {}
    message = body.get("message") or {}
    sender = body.get("sender") or {}
    if sender.get("sender_type") not in (None, "user"):
        return None  # other bots, including our own robot
    message_id = message.get("message_id")
    if not isinstance(message_id, str) or not message_id:
        raise NotAMessage("event.message.message_id: required")
    text, image_keys = _content(message)
    mentions = [m for m in message.get("mentions") or [] if isinstance(m, dict)]
    for mention in mentions:
        key, name = mention.get("key"), mention.get("name")
        if key and name:
            text = text.replace(str(key), f"@{name}")
    sender_id = _sender(cfg, sender.get("sender_id") or {})
    chat_id = message.get("chat_id")
    if message.get("chat_type") == "group" and isinstance(chat_id, str):
        group_id = group_for(cfg, PLATFORM, chat_id)
        # With the group-message permission every message arrives: only those that @ the bot are to it.
        addressed = any(m.get("name") in cfg.bot_names for m in mentions)
    else:
        group_id = default_group(cfg, PLATFORM, sender_id)
        addressed = True  # p2p: a private chat with the bot
    media = tuple(
        MediaRef(PLATFORM, f"{message_id}/{n}", {"message_id": message_id, "image_key": key})
        for n, key in enumerate(image_keys)
    )
    created = str(message.get("create_time") or "")
    incoming = IncomingMessage(
        platform=PLATFORM,
        msg_id=message_id,
        group_id=group_id,
        sender_id=sender_id,
        sender_name=cfg.display_name(sender_id),
        text=strip_bot_mention(text, cfg.bot_names),
        images=tuple(m.placeholder for m in media),
        sent_at=datetime.fromtimestamp(int(created) / 1000, UTC) if created.isdigit() else None,
        addressed=addressed,
    )
    return PlatformMessage(incoming, media)
