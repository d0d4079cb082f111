"""The generic webhook: a signed JSON contract that bridges for any chat tool can speak."""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime
from zoneinfo import ZoneInfo

from pydantic import BaseModel, ConfigDict, Field, field_validator

from bot.adapters.freshness import timestamp_problem
from bot.adapters.identity import PLATFORMS, MediaRef, PlatformMessage, is_platform_id
from bot.chat.messages import IncomingMessage
from bot.chat.text_normalize import addresses_bot

PLATFORM = "generic"
TIMESTAMP_HEADER = "X-Guanjia-Timestamp"
SIGNATURE_HEADER = "X-Guanjia-Signature"


class GenericMessage(BaseModel):
    model_config = ConfigDict(extra="ignore")

    msg_id: str = Field(min_length=1, max_length=200)
    group_id: str = Field(min_length=1, max_length=128)
    sender_id: str = Field(min_length=1, max_length=128)
    sender_name: str = Field(max_length=128)
    text: str
    images: list[str] = []
    sent_at: datetime | None = None
    # The bridge knows the message @s the bot or came in a private chat (a leading @bot counts too).
    addressed: bool = False

    @field_validator("sender_id")
    @classmethod
    def _not_a_platform_id(cls, value: str) -> str:
        """`wecom:@all`, `feishu:all`, `dingtalk:<staffId>` name platform users the bot @s by id;
        only the platform's own signed callback may claim one (issue 14: @everyone injection)."""
        if is_platform_id(value):
            reserved = "/".join(f"{p}:" for p in PLATFORMS)
            raise ValueError(f"ids starting with {reserved} are reserved for those platforms' own callbacks")
        return value


def sign(secret: str, timestamp: str, body: bytes) -> str:
    message = timestamp.encode() + b"." + body
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def signature_problem(
    secret: str,
    timestamp: str | None,
    signature: str | None,
    body: bytes,
    now: datetime,
    tolerance_seconds: int,
) -> str | None:
    """Why the request's signature is not acceptable, or None when it is."""
    if not timestamp or not signature:
        return f"missing {TIMESTAMP_HEADER} or {SIGNATURE_HEADER} header"
    stale = timestamp_problem(timestamp.strip(), now, tolerance_seconds)
    if stale is not None:
        return f"{TIMESTAMP_HEADER}: {stale}"
    if not hmac.compare_digest(sign(secret, timestamp, body).encode(), signature.strip().lower().encode()):
        return "signature does not match"
    return None


def to_incoming(payload: GenericMessage, timezone: str, bot_names: Sequence[str] = ()) -> IncomingMessage:
    sent_at = payload.sent_at
    if sent_at is not None and sent_at.tzinfo is None:
        sent_at = sent_at.replace(tzinfo=ZoneInfo(timezone))
    return IncomingMessage(
        platform=PLATFORM,
        msg_id=payload.msg_id,
        group_id=payload.group_id,
        sender_id=payload.sender_id,
        sender_name=payload.sender_name,
        text=payload.text,
        images=tuple(payload.images),
        sent_at=sent_at,
        addressed=payload.addressed or addresses_bot(payload.text, bot_names),
    )


def inline_photos(incoming: IncomingMessage) -> PlatformMessage:
    """Inline photos (data:image/...;base64) become photos to store, checked like any platform's.

    Nothing in `images` is ever shown as it came: an inline image could be a decompression
    bomb, and a URL would load in staff browsers (a tracking pixel). Inline ones are decoded,
    checked and re-encoded by the media worker; a URL stays a reference, never fetched.
    """
    images: list[str] = []
    media: list[MediaRef] = []
    for n, image in enumerate(incoming.images):
        if image[:11].lower() == "data:image/":
            ref = MediaRef(PLATFORM, f"{incoming.msg_id}/{n}", {"data": image})
            media.append(ref)
            images.append(ref.placeholder)
        else:
            images.append(image)
    return PlatformMessage(replace(incoming, images=tuple(images)), tuple(media))
