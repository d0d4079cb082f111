"""Normalise chat text before reading commands: width, bot mentions, image placeholders."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

_LEADING_MENTION = re.compile(r"^@\S+\s+")
_IMAGE_PLACEHOLDER = re.compile(r"\[(?:图片|image|Image|照片|视频)\]")


_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")


def storable(text: str) -> str:
    """What a database can store: JSON may carry lone surrogates ("\\ud800"), which no encoder
    writes, and NUL, which PostgreSQL refuses in text. Surrogates become U+FFFD, NUL goes."""
    return _UNSTORABLE.sub(lambda m: "" if m.group(0) == "\x00" else "\ufffd", text)


def normalize_width(text: str) -> str:
    """Full-width digits, letters and #, as phone keyboards type them, become half-width."""
    return unicodedata.normalize("NFKC", text)


def strip_bot_mentions(text: str, bot_names: Iterable[str]) -> str:
    """Drop a leading @bot (and any other leading @mentions) so `@大管家 认领 12` reads as a command."""
    text = text.strip()
    changed = True
    while changed:
        changed = False
        for name in sorted(bot_names, key=len, reverse=True):
            tag = "@" + name
            if text.startswith(tag):
                text = text[len(tag) :].lstrip()
                changed = True
        match = _LEADING_MENTION.match(text)
        if match:
            text = text[match.end() :]
            changed = True
    return text


def addresses_bot(text: str, bot_names: Iterable[str]) -> bool:
    """Whether the text opens with an @ of the bot ("@大管家 …", "＠创城大管家")."""
    return _opens_with_bot(normalize_width(text), bot_names)


def _opens_with_bot(wide: str, bot_names: Iterable[str]) -> bool:
    head = wide.lstrip()
    return any(head.startswith("@" + normalize_width(name)) for name in bot_names if name)


def strip_image_placeholders(text: str) -> str:
    return _IMAGE_PLACEHOLDER.sub("", text).strip()


def command_text(text: str, bot_names: Iterable[str]) -> str:
    return _command_text(normalize_width(text), bot_names)


def _command_text(wide: str, bot_names: Iterable[str]) -> str:
    return strip_image_placeholders(strip_bot_mentions(wide, bot_names))


def command_reading(text: str, bot_names: Iterable[str]) -> tuple[str, bool]:
    """The text as commands read it, and whether it opens with an @ of the bot: one width pass
    for both (the intake reads each message once)."""
    names = tuple(bot_names)
    wide = normalize_width(text)
    return _command_text(wide, names), _opens_with_bot(wide, names)
