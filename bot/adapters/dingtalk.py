"""DingTalk enterprise robot (企业内部机器人) HTTP callback: verify, translate, render the reply.

Headers `timestamp` (ms) and `sign` = base64(HMAC-SHA256(key = appSecret, timestamp + "\\n" + appSecret)).
The signature does not cover the body, so a retry is recognised by `msgId` (the intake dedupes).
The reply goes back in the response body as a DingTalk message.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from bot.adapters.freshness import timestamp_problem
from bot.adapters.identity import (
    MediaRef,
    PlatformMessage,
    default_group,
    group_for,
    mentions_for,
    person_for,
    strip_bot_mention,
)
from bot.adapters.shapes import NotAMessage as NotAMessage
from bot.adapters.shapes import instant, items
from bot.chat.messages import Attachment, IncomingMessage, Outcome
from bot.core.echo_safety import echo, no_live_markdown, no_mass_mentions
from config.schema import GuanjiaConfig

PLATFORM = "dingtalk"
TOLERANCE_SECONDS = 3600  # DingTalk: "与请求调用时间误差不能超过1小时"
EMPTY_REPLY: dict[str, Any] = {"msgtype": "empty"}


def sign(secret: str, timestamp: str) -> str:
    """The signature of the callback headers and of the custom robot URL (before URL-encoding)."""
    digest = hmac.new(secret.encode(), f"{timestamp}\n{secret}".encode(), hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


def signature_problem(secret: str, timestamp: str | None, signature: str | None, now: datetime) -> str | None:
    if not timestamp or not signature:
        return "missing timestamp or sign header"
    stale = timestamp_problem(timestamp, now, TOLERANCE_SECONDS, millis=True)
    if stale is not None:
        return stale
    if not hmac.compare_digest(sign(secret, timestamp).encode(), signature.strip().encode()):
        return "sign does not match"
    return None


@dataclass(frozen=True)
class _Content:
    text: str = ""
    pictures: tuple[dict[str, str], ...] = ()
    attachments: tuple[Attachment, ...] = ()
    quoted_text: str | None = None
    quoted_msg_id: str | None = None


def _quoted_id(text: dict[str, Any]) -> str | None:
    """The id of the message a reply quotes (`text.repliedMsg.msgId`): a quoted report names no
    #N, but guanjia recorded it, with the answer that did."""
    replied = text.get("repliedMsg")
    msg_id = replied.get("msgId") if isinstance(replied, dict) else None
    return msg_id if isinstance(msg_id, str) and msg_id else None


def _quoted(text: dict[str, Any]) -> str | None:
    """The text of the message a reply quotes (`text.repliedMsg`), when the reply is one."""
    replied = text.get("repliedMsg")
    if not isinstance(replied, dict):
        return None
    content = replied.get("content")
    if isinstance(content, dict):
        value = content.get("text") or content.get("content")
        return str(value) if value else None
    return str(content) if isinstance(content, str) and content else None


def _read(payload: dict[str, Any]) -> _Content | None:
    """The message's text, pictures, files and quote; None for a type that carries nothing to read."""
    msgtype = payload.get("msgtype")
    content = payload.get("content")
    if msgtype == "text" or (msgtype is None and "text" in payload):
        text = payload.get("text") or {}
        value = text.get("content") if isinstance(text, dict) else None
        if value is None and isinstance(content, str):
            value = content
        if not isinstance(text, dict):
            return _Content(str(value or ""))
        return _Content(str(value or ""), quoted_text=_quoted(text), quoted_msg_id=_quoted_id(text))
    if not isinstance(content, dict):
        return _Content(content) if isinstance(content, str) else None
    if msgtype == "picture":
        code = content.get("downloadCode") or content.get("pictureDownloadCode")
        return _Content(pictures=({"downloadCode": str(code)},) if code else ())
    if msgtype == "richText":
        parts: list[str] = []
        pictures: list[dict[str, str]] = []
        for item in items(content, "richText", "content.richText"):
            if not isinstance(item, dict):
                continue
            if isinstance(item.get("text"), str | int | float):  # null is no text, not "None"
                parts.append(str(item["text"]))
            code = item.get("downloadCode") or item.get("pictureDownloadCode")
            if item.get("type") == "picture" and code:
                pictures.append({"downloadCode": str(code)})
        return _Content("".join(parts), tuple(pictures))
    if msgtype == "audio":  # a voice note: DingTalk's own transcript is the message
        return _Content(str(content.get("recognition") or "").strip()) if content.get("recognition") else None
    if msgtype in ("file", "video") and content.get("downloadCode"):
        name = str(content.get("fileName") or f"{msgtype}.{content.get('videoType') or 'bin'}")
        return _Content(attachments=(Attachment(str(msgtype), name, str(content["downloadCode"])),))
    return None  # a type DingTalk may add (or one with nothing readable): answered, not an error


def sender_of(payload: dict[str, Any], cfg: GuanjiaConfig) -> str:
    """The config person behind a robot message, by the id that holds across the org's apps.

    `senderStaffId` is the member's userId (staffId): the same in every app and robot of the
    organisation, and what the card callbacks and `at.atUserIds` use, so it is the id `people`
    lists. `senderId` is encrypted per robot; it is matched too (a config copied from a log may
    hold it) and is the id of last resort for someone outside the organisation (no staffId).
    """
    staff, robot_scoped = payload.get("senderStaffId"), payload.get("senderId")
    ids = [i for i in (staff, robot_scoped) if isinstance(i, str) and i]
    if not ids:
        raise NotAMessage("senderStaffId or senderId: required")
    for platform_id in ids:
        person = person_for(cfg, PLATFORM, platform_id)
        if person is not None:
            return person
    return f"{PLATFORM}:{ids[0]}"


def to_incoming(payload: dict[str, Any], cfg: GuanjiaConfig) -> PlatformMessage | None:
    """The chat message in a callback, or None for a message type with nothing to read."""
    msg_id = payload.get("msgId")
    if not isinstance(msg_id, str) or not msg_id:
        raise NotAMessage("msgId: required")
    sender_id = sender_of(payload, cfg)
    read = _read(payload)
    if read is None:
        return None
    conversation = payload.get("conversationId")
    if str(payload.get("conversationType")) == "1" or not isinstance(conversation, str):
        group_id = default_group(cfg, PLATFORM, sender_id)
    else:
        group_id = group_for(cfg, PLATFORM, conversation)
    robot = str(payload.get("robotCode") or "")
    media = tuple(
        MediaRef(PLATFORM, f"{msg_id}/{n}", {**picture, "robotCode": robot}) for n, picture in enumerate(read.pictures)
    )
    sent_at = instant(payload.get("createAt"), "createAt", millis=True)
    incoming = IncomingMessage(
        platform=PLATFORM,
        msg_id=msg_id,
        group_id=group_id,
        sender_id=sender_id,
        sender_name=str(payload.get("senderNick") or cfg.display_name(sender_id)),
        text=strip_bot_mention(read.text, cfg.bot_names),
        images=tuple(m.placeholder for m in media),
        sent_at=sent_at,
        # A group robot receives only the messages that @ it; conversationType 1 is a private chat.
        addressed=True,
        attachments=read.attachments,
        quoted_text=read.quoted_text,
        quoted_msg_id=read.quoted_msg_id,
    )
    return PlatformMessage(incoming, media)


def render_message(text: str, mentions: tuple[str, ...] | list[str], cfg: GuanjiaConfig) -> dict[str, Any]:
    """One DingTalk message: markdown when it spans lines, the @s written into the text too."""
    who = mentions_for(cfg, PLATFORM, mentions)
    text = no_mass_mentions(text)
    tags = [f"@{m}" for m in (*who.user_ids, *who.mobiles)] + [f"@{echo(name)}" for name in who.unreachable]
    at = {"atUserIds": list(who.user_ids), "atMobiles": list(who.mobiles), "isAtAll": False}
    if "\n" in text:  # rendered as markdown: user-made links and images must stay text
        text = no_live_markdown(text)
        body = text.replace("\n", "  \n") + ("\n\n" + " ".join(tags) if tags else "")
        title = text.split("\n", 1)[0][:20]
        return {"msgtype": "markdown", "markdown": {"title": title, "text": body}, "at": at}
    body = text + ("\n" + " ".join(tags) if tags else "")
    return {"msgtype": "text", "text": {"content": body}, "at": at}


def render_outcome(outcome: Outcome, cfg: GuanjiaConfig) -> dict[str, Any]:
    """The synchronous answer: one message (a callback gets one), `{"msgtype": "empty"}` for none."""
    if not outcome.replies:
        return EMPTY_REPLY
    text = "\n\n".join(r.text for r in outcome.replies)
    mentions: list[str] = []
    for reply in outcome.replies:
        mentions += [m for m in reply.mentions if m not in mentions]
    return render_message(text, mentions, cfg)
