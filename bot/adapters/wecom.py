"""WeCom (企业微信) callbacks: a self-built app (XML) or a 智能机器人 in a group (JSON), both encrypted.

The route verifies and decrypts with wecom_crypto; this module reads the plaintext and
renders the passive (encrypted) reply. WeCom defines no freshness window for timestamps
(its own samples date from 2014), so retries are recognised by MsgId / msgid instead.
"""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from collections.abc import Callable
from datetime import datetime
from typing import Any, Literal
from xml.sax.saxutils import escape

from bot.adapters.identity import (
    MediaRef,
    PlatformMessage,
    default_group,
    group_for,
    mentions_for,
    sender_id_for,
    strip_bot_mention,
)
from bot.adapters.shapes import NotAMessage as NotAMessage
from bot.adapters.shapes import instant, obj, objects
from bot.adapters.wecom_crypto import WXBizMsgCrypt
from bot.chat.messages import Attachment, IncomingMessage, Location, Outcome
from bot.core.echo_safety import echo, no_live_markdown, no_mass_mentions
from config.schema import GuanjiaConfig

PLATFORM = "wecom"
Kind = Literal["xml", "json"]


def _xml(data: bytes) -> ET.Element:
    if b"<!DOCTYPE" in data or b"<!ENTITY" in data:
        raise NotAMessage("XML with a DTD is refused")
    try:
        return ET.fromstring(data)
    except ET.ParseError as exc:
        raise NotAMessage(f"not XML: {exc}") from exc


def envelope(body: bytes) -> tuple[str, Kind]:
    """The ciphertext of a callback body: `<xml><Encrypt>` from an app, `{"encrypt"}` from a 智能机器人."""
    stripped = body.lstrip()
    if stripped.startswith(b"{"):
        try:
            data = json.loads(stripped)
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise NotAMessage(f"body is not valid JSON: {exc}") from exc
        encrypted = data.get("encrypt") if isinstance(data, dict) else None
        if not isinstance(encrypted, str):
            raise NotAMessage("encrypt: required")
        return encrypted, "json"
    node = _xml(body).find("Encrypt")
    if node is None or not node.text:
        raise NotAMessage("Encrypt: required")
    return node.text, "xml"


def _app_location(field: Callable[[str], str]) -> Location | None:
    try:
        latitude, longitude = float(field("Location_X")), float(field("Location_Y"))
    except ValueError:
        return None
    if not (-90 <= latitude <= 90 and -180 <= longitude <= 180):
        return None
    return Location(latitude, longitude, field("Label"))


def _from_app_xml(root: ET.Element, cfg: GuanjiaConfig) -> PlatformMessage | None:
    def field(name: str) -> str:
        node = root.find(name)
        return (node.text or "") if node is not None else ""

    msg_type = field("MsgType")
    text, location = field("Content"), None
    attachments: tuple[Attachment, ...] = ()
    if msg_type == "voice":
        # The transcript is sent when the app has 语音识别 on; without it there is nothing to read.
        text = field("Recognition")
        if not text.strip():
            return None
    elif msg_type == "location":
        location = _app_location(field)
        if location is None:
            return None
    elif msg_type in ("video", "file") and field("MediaId"):
        name = field("FileName") or field("Title") or msg_type
        attachments = (Attachment(msg_type, name, field("MediaId")),)
    elif msg_type not in ("text", "image"):
        return None  # events (enter_agent, ...), links and types WeCom may add are not chat lines
    msg_id, user = field("MsgId"), field("FromUserName")
    if not msg_id or not user:
        raise NotAMessage("MsgId and FromUserName: required")
    sender_id = sender_id_for(cfg, PLATFORM, user)
    media: tuple[MediaRef, ...] = ()
    if msg_type == "image":
        media = (MediaRef(PLATFORM, f"{msg_id}/0", {"url": field("PicUrl"), "media_id": field("MediaId")}),)
    sent_at = instant(field("CreateTime"), "CreateTime", millis=False)
    incoming = IncomingMessage(
        platform=PLATFORM,
        msg_id=msg_id,
        # A self-built app gets private (1:1) messages: they count as written in the sender's group.
        group_id=default_group(cfg, PLATFORM, sender_id),
        sender_id=sender_id,
        sender_name=cfg.display_name(sender_id, user),
        text=strip_bot_mention(text, cfg.bot_names),
        images=tuple(m.placeholder for m in media),
        sent_at=sent_at,
        addressed=True,  # a private (1:1) message to the app
        location=location,
        attachments=attachments,
    )
    return PlatformMessage(incoming, media)


def _quote(data: dict[str, Any]) -> str | None:
    """The text of the message a 智能机器人 message quotes (`quote`), if it quotes text."""
    quote = data.get("quote")
    if not isinstance(quote, dict):
        return None
    items = [quote]
    if quote.get("msgtype") == "mixed":
        items = [i for i in _msg_items(quote, "quote.mixed") if isinstance(i, dict)]
    texts = [str((i.get("text") or {}).get("content") or "") for i in items if isinstance(i.get("text"), dict)]
    voice = quote.get("voice")
    if isinstance(voice, dict) and voice.get("content"):
        texts.append(str(voice["content"]))
    return "\n".join(t for t in texts if t) or None


def _msg_items(data: dict[str, Any], where: str) -> list[Any]:
    """The parts of a `mixed` message (or quote): mixed.msg_item."""
    return objects(obj(data, "mixed", where), "msg_item", f"{where}.msg_item")


def _image_ref(image: dict[str, Any]) -> dict[str, Any]:
    """A 智能机器人's image URL serves the picture AES-encrypted: with the EncodingAESKey for a
    callback, with the message's own `aeskey` over the long connection (which has no EncodingAESKey)."""
    ref: dict[str, Any] = {"url": str(image.get("url") or ""), "encrypted": True}
    if isinstance(image.get("aeskey"), str) and image["aeskey"]:
        ref["aeskey"] = image["aeskey"]
    return ref


def _from_robot_json(data: dict[str, Any], cfg: GuanjiaConfig) -> PlatformMessage | None:
    msg_type = data.get("msgtype")
    items: list[dict[str, Any]]
    attachments: tuple[Attachment, ...] = ()
    if msg_type == "mixed":
        items = _msg_items(data, "mixed")
    elif msg_type in ("text", "image"):
        items = [data]
    elif msg_type == "voice" and str(obj(data, "voice", "voice").get("content") or "").strip():
        # A 智能机器人 voice message carries WeCom's transcript as voice.content.
        items = [{"msgtype": "text", "text": {"content": data["voice"]["content"]}}]
    elif msg_type == "file" and obj(data, "file", "file").get("url"):
        items = []  # the URL serves the file encrypted with the EncodingAESKey, like images
        attachments = (Attachment("file", "file", str(data["file"]["url"])),)
    else:
        return None  # events, stream refreshes, types WeCom may add
    msg_id = data.get("msgid")
    user = obj(data, "from", "from").get("userid")
    if not isinstance(msg_id, str) or not msg_id or not isinstance(user, str) or not user:
        raise NotAMessage("msgid and from.userid: required")
    texts: list[str] = []
    images: list[dict[str, Any]] = []
    for n, item in enumerate(items):
        at = f"mixed.msg_item[{n}]." if msg_type == "mixed" else ""
        if item.get("msgtype") == "text":
            texts.append(str(obj(item, "text", f"{at}text").get("content") or ""))
        elif item.get("msgtype") == "image":
            images.append(obj(item, "image", f"{at}image"))
    sender_id = sender_id_for(cfg, PLATFORM, user)
    chat_id = data.get("chatid")
    if data.get("chattype") == "group" and isinstance(chat_id, str) and chat_id:
        group_id = group_for(cfg, PLATFORM, chat_id)
    else:
        group_id = default_group(cfg, PLATFORM, sender_id)
    media = tuple(MediaRef(PLATFORM, f"{msg_id}/{n}", _image_ref(image)) for n, image in enumerate(images))
    incoming = IncomingMessage(
        platform=PLATFORM,
        msg_id=msg_id,
        group_id=group_id,
        sender_id=sender_id,
        sender_name=cfg.display_name(sender_id, user),
        text=strip_bot_mention("\n".join(texts), cfg.bot_names),
        images=tuple(m.placeholder for m in media),
        # A 智能机器人 receives group messages only when @-ed, and single chats are to it.
        addressed=True,
        attachments=attachments,
        # As the quoted message was recorded (without the @), so a quoted report is found by it.
        quoted_text=strip_bot_mention(quote, cfg.bot_names) if (quote := _quote(data)) else None,
    )
    return PlatformMessage(incoming, media)


def announcement(incoming: IncomingMessage) -> str:
    """The first line of a 自建应用 (private chat) answer when the group's robot repeats it."""
    return f"{echo(incoming.sender_name)} 通过应用私聊：\n"


def to_incoming(plain: bytes, kind: Kind, cfg: GuanjiaConfig) -> PlatformMessage | None:
    """The chat message in a decrypted callback, or None for events that are not one."""
    if kind == "xml":
        return _from_app_xml(_xml(plain), cfg)
    try:
        data = json.loads(plain)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise NotAMessage(f"plaintext is not JSON: {exc}") from exc
    if not isinstance(data, dict):
        raise NotAMessage("plaintext must be a JSON object")
    return _from_robot_json(data, cfg)


def reply_text(outcome: Outcome, cfg: GuanjiaConfig, markdown: bool) -> str:
    parts: list[str] = []
    for reply in outcome.replies:
        if markdown:  # a 智能机器人's markdown @s people by userid; the others get their name
            who = mentions_for(cfg, PLATFORM, reply.mentions)
            tags = [f"<@{u}>" for u in who.user_ids] + [f"@{echo(n)}" for n in who.without_id]
        else:
            tags = [f"@{echo(cfg.display_name(m))}" for m in reply.mentions]
        text = no_mass_mentions(reply.text)
        parts.append((no_live_markdown(text) if markdown else text) + ("\n" + " ".join(tags) if tags else ""))
    return "\n\n".join(parts)


def stream_reply(outcome: Outcome, cfg: GuanjiaConfig, stream_id: str) -> dict[str, Any]:
    """A 智能机器人's answer to a message: one stream, finished at once (`finish: true`).

    The same body answers over HTTP (encrypted) and the long connection (`aibot_respond_msg`).
    Stream content is markdown, where `<@userid>` @s a person.
    """
    content = reply_text(outcome, cfg, markdown=True)
    return {"msgtype": "stream", "stream": {"id": stream_id[:64], "finish": True, "content": content}}


def render_reply(
    outcome: Outcome,
    cfg: GuanjiaConfig,
    kind: Kind,
    crypt: WXBizMsgCrypt,
    nonce: str,
    to_user: str,
    now: datetime,
    stream_id: str = "",
) -> tuple[str, str] | None:
    """The encrypted passive reply (body, media type), or None when there is nothing to say.

    `now` stamps the reply: the route passes its injected clock's instant, never the wall clock.
    A 智能机器人 gets a finished stream reply, one of the forms its docs list for answering a
    message (a markdown passive reply is not, and may not show); `stream_id` names that stream.
    """
    if not outcome.replies:
        return None
    ts = str(int(now.timestamp()))
    if kind == "json":
        content = stream_reply(outcome, cfg, stream_id or nonce)
        encrypted, signature = crypt.seal(json.dumps(content, ensure_ascii=False).encode(), ts, nonce)
        body = {"encrypt": encrypted, "msgsignature": signature, "timestamp": int(ts), "nonce": nonce}
        return json.dumps(body), "application/json"
    inner = (
        f"<xml><ToUserName><![CDATA[{to_user}]]></ToUserName><FromUserName><![CDATA[{crypt.receive_id}]]>"
        f"</FromUserName><CreateTime>{ts}</CreateTime><MsgType><![CDATA[text]]></MsgType>"
        f"<Content>{escape(reply_text(outcome, cfg, markdown=False))}</Content></xml>"
    )
    encrypted, signature = crypt.seal(inner.encode(), ts, nonce)
    outer = (
        f"<xml><Encrypt><![CDATA[{encrypted}]]></Encrypt><MsgSignature><![CDATA[{signature}]]></MsgSignature>"
        f"<TimeStamp>{ts}</TimeStamp><Nonce><![CDATA[{nonce}]]></Nonce></xml>"
    )
    return outer, "application/xml"


def app_user(plain: bytes) -> str:
    """FromUserName of a decrypted app message (the passive reply goes back to them)."""
    node = _xml(plain).find("FromUserName")
    return (node.text or "") if node is not None else ""
