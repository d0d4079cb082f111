"""Feishu / Lark event callback: `url_verification`, encrypted events, `im.message.receive_v1`.

The route checks X-Lark-Signature and decrypts (feishu_crypto); this module checks the
verification token and turns a message event into an IncomingMessage. Feishu takes no
reply in the response body: replies go out through the group's robot (the outbox).
"""

from __future__ import annotations

import hmac
import json
from dataclasses import dataclass
from typing import Any

from bot.adapters.identity import MediaRef, PlatformMessage, default_group, group_for, person_for, strip_bot_mention
from bot.adapters.shapes import NotAMessage as NotAMessage
from bot.adapters.shapes import instant, items, obj
from bot.chat.messages import Attachment, IncomingMessage, Location
from bot.core.echo_safety import echo
from config.schema import GuanjiaConfig

PLATFORM = "feishu"
MESSAGE_EVENT = "im.message.receive_v1"


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


# Matched in this order: user_id is the person's id in the tenant (the same in every app of the
# company; events carry it when the app may read it), union_id the same across one developer's
# apps, open_id differs per app. Any of them may be what `people.<id>.feishu` holds.
_ID_KINDS = ("user_id", "union_id", "open_id")
# A stranger keeps an id the bot can @: `<at user_id=…>` takes a user_id or an open_id, never a union_id.
_FALLBACK_KINDS = ("user_id", "open_id", "union_id")


def person_of(cfg: GuanjiaConfig, ids: dict[str, Any]) -> str:
    """The person behind a message's sender ids or a card click's operator ids."""
    for key in _ID_KINDS:
        value = ids.get(key)
        if isinstance(value, str) and value:
            person = person_for(cfg, PLATFORM, value)
            if person:
                return person
    fallback = next((ids[k] for k in _FALLBACK_KINDS if isinstance(ids.get(k), str) and ids[k]), None)
    return f"{PLATFORM}:{fallback}"


@dataclass(frozen=True)
class _Content:
    text: str = ""
    image_keys: tuple[str, ...] = ()
    location: Location | None = None
    attachments: tuple[Attachment, ...] = ()


# Types with nothing guanjia can read: a voice note comes without a transcript (Feishu gives
# none), a sticker, a forwarded chat history, a shared group, a card. Answered 200, not stored.
UNREAD_TYPES = ("audio", "sticker", "merge_forward", "share_chat", "share_user", "interactive", "system")


def _post(content: dict[str, Any]) -> _Content:
    body = content if "content" in content else next(iter(content.values()), {})  # may be keyed by locale
    if not isinstance(body, dict):
        raise NotAMessage("message.content: a post must be an object of lines")
    texts: list[str] = []
    images: list[str] = []
    videos: list[Attachment] = []
    for line in _lines(body):
        for item in line:
            if item.get("tag") == "text":
                texts.append(str(item.get("text") or ""))
            elif item.get("tag") == "at":
                texts.append(f"@{item.get('user_name') or item.get('user_id') or ''}")
            elif item.get("tag") == "img" and item.get("image_key"):
                images.append(str(item["image_key"]))
            elif item.get("tag") == "media" and item.get("file_key"):
                videos.append(Attachment("video", str(item.get("file_name") or "video"), str(item["file_key"])))
        texts.append("\n")
    return _Content("".join(texts).strip(), tuple(images), attachments=tuple(videos))


def _lines(body: dict[str, Any]) -> list[list[dict[str, Any]]]:
    """A post's lines: a list of lines, each a list of elements (objects with a `tag`)."""
    lines = items(body, "content", "message.content.content")
    for n, line in enumerate(lines):
        if not isinstance(line, list) or not all(isinstance(item, dict) for item in line):
            raise NotAMessage(f"message.content.content[{n}]: must be a list of objects")
    return lines


def _location(content: dict[str, Any]) -> Location | None:
    try:
        latitude, longitude = float(content["latitude"]), float(content["longitude"])
    except (KeyError, TypeError, ValueError):
        return None
    if not (-90 <= latitude <= 90 and -180 <= longitude <= 180):
        return None
    return Location(latitude, longitude, str(content.get("name") or ""))


def _content(message: dict[str, Any]) -> _Content | None:
    """What the message carries; None for a type with nothing guanjia can read."""
    kind = message.get("message_type")
    if kind in UNREAD_TYPES:
        return None
    raw = message.get("content") or "{}"
    if not isinstance(raw, str):
        raise NotAMessage("message.content: must be a JSON string")
    try:
        content = json.loads(raw)
    except json.JSONDecodeError as exc:
        raise NotAMessage(f"message.content is not JSON: {exc}") from exc
    if not isinstance(content, dict):
        raise NotAMessage("message.content must be a JSON object")
    if kind == "text":
        return _Content(str(content.get("text") or ""))
    if kind == "image":
        return _Content(image_keys=(str(content["image_key"]),) if content.get("image_key") else ())
    if kind == "post":
        return _post(content)
    if kind == "location":
        found = _location(content)
        return _Content(location=found) if found else None
    if kind in ("file", "media") and content.get("file_key"):
        what = "video" if kind == "media" else "file"
        name = str(content.get("file_name") or what)
        return _Content(attachments=(Attachment(what, name, str(content["file_key"])),))
    return None  # a type Feishu may add: answered 200 (a non-200 makes Feishu push it again)


def is_private(event: dict[str, Any]) -> bool:
    """A message in a 单聊 with the app, not in a group: its answer is not the group's business."""
    message = obj(obj(event, "event", "event"), "message", "event.message")
    return message.get("chat_type") not in (None, "group")


def private_head(incoming: IncomingMessage) -> str:
    """The first line of a private chat's answer when the group's robot posts it (HTTP mode has
    no private reply): the group must see whose message it answers."""
    return f"{echo(incoming.sender_name)} 私聊机器人：\n"


def to_incoming(event: dict[str, Any], cfg: GuanjiaConfig) -> PlatformMessage | None:
    if obj(event, "header", "header").get("event_type") != MESSAGE_EVENT:
        return None
    body = obj(event, "event", "event")
    message = obj(body, "message", "event.message")
    sender = obj(body, "sender", "event.sender")
    if sender.get("sender_type") not in (None, "user"):
        return None  # other bots, including our own robot
    message_id = message.get("message_id")
    if not isinstance(message_id, str) or not message_id:
        raise NotAMessage("event.message.message_id: required")
    read = _content(message)
    if read is None:
        return None
    text, image_keys = read.text, read.image_keys
    mentions = [m for m in items(message, "mentions", "message.mentions") if isinstance(m, dict)]
    for mention in mentions:
        key, name = mention.get("key"), mention.get("name")
        if key and name:
            text = text.replace(str(key), f"@{name}")
    sender_id = person_of(cfg, obj(sender, "sender_id", "event.sender.sender_id"))
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
    sent_at = instant(message.get("create_time"), "message.create_time", millis=True)
    incoming = IncomingMessage(
        platform=PLATFORM,
        msg_id=message_id,
        group_id=group_id,
        sender_id=sender_id,
        sender_name=cfg.display_name(sender_id),
        text=strip_bot_mention(text, cfg.bot_names),
        images=tuple(m.placeholder for m in media),
        sent_at=sent_at,
        addressed=addressed,
        location=read.location,
        attachments=read.attachments,
        # The quoted message (a reply's parent): its id only; bot/chat/reading.py reads what it said.
        quoted_msg_id=str(message["parent_id"]) if message.get("parent_id") else None,
    )
    return PlatformMessage(incoming, media)
