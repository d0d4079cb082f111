"""Who and where, across platforms: a platform user id → the config person, a chat → the config group.

A sender the config does not know keeps the platform's id, prefixed ("dingtalk:0423…"), so a
stranger whose platform id happens to equal a config id (say `ccb_wang`) gets no one's rights.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from bot.chat.messages import IncomingMessage
from config.schema import GuanjiaConfig


@dataclass(frozen=True)
class MediaRef:
    """A photo that must be fetched through the platform's API, off the request path."""

    platform: str
    key: str  # unique: the message id and the photo's place in it
    ref: dict[str, Any]  # what the platform needs to hand it out (downloadCode, media id, url...)

    @property
    def placeholder(self) -> str:
        return f"media-pending://{self.platform}/{self.key}"


@dataclass(frozen=True)
class PlatformMessage:
    incoming: IncomingMessage
    media: tuple[MediaRef, ...] = ()


def person_for(cfg: GuanjiaConfig, platform: str, platform_id: str) -> str | None:
    for person, contact in cfg.contacts.items():
        if contact.platform_id(platform) == platform_id:
            return person
    return None


def sender_id_for(cfg: GuanjiaConfig, platform: str, platform_id: str) -> str:
    return person_for(cfg, platform, platform_id) or f"{platform}:{platform_id}"


def group_for(cfg: GuanjiaConfig, platform: str, chat_id: str) -> str:
    for group_id, group in cfg.groups.items():
        if group.chat_ids.get(platform) == chat_id:  # type: ignore[call-overload]
            return group_id
    return f"{platform}:{chat_id}"


def default_group(cfg: GuanjiaConfig, platform: str, sender_id: str) -> str:
    """Where a private message to the bot counts as posted: the person's group, else the platform's first."""
    contact = cfg.contacts.get(sender_id)
    if contact is not None and contact.group:
        return contact.group
    for group_id, group in cfg.groups.items():
        if platform in group.chat_ids:
            return group_id
    return next(iter(cfg.groups), f"{platform}:direct")


PLATFORMS = ("dingtalk", "wecom", "feishu")
FEISHU_UNION_PREFIX = "on_"  # Feishu union_ids read on_…, open_ids ou_…
# What a platform user id looks like (DingTalk staffId / $:LWCP senderId, WeCom userid, Feishu
# open_id): no quotes, brackets or spaces that could leave an attribute or a <@…> tag.
_PLATFORM_ID = re.compile(r"[A-Za-z0-9_.$:+=/-][A-Za-z0-9_.@$:+=/-]{0,127}")
# Ids the platforms read as "everyone" in a mention list or tag.
_EVERYONE = {"all", "@all", "-1", "everyone", "here", "channel", "所有人", "全体成员"}


def mentionable_id(platform_id: str) -> str | None:
    """The id, if it can only ever name one person; None for "all" and anything malformed.

    Why here and not only at intake: mentions are rendered from stored ticket rows, so an id
    that got in before this check (or through a config typo) must still not @ everyone.
    """
    value = platform_id.strip()
    if value.lower() in _EVERYONE or not _PLATFORM_ID.fullmatch(value):
        return None
    return value


def is_platform_id(sender_id: str) -> bool:
    """A sender id only a platform's own (signed) callback may produce: `dingtalk:…`, `wecom:…`, `feishu:…`."""
    return sender_id.split(":", 1)[0].strip().lower() in PLATFORMS and ":" in sender_id


@dataclass(frozen=True)
class Mentions:
    """How to @ config people on one platform: their platform ids, mobiles, and everyone's names."""

    user_ids: tuple[str, ...]
    mobiles: tuple[str, ...]
    unreachable: tuple[str, ...]  # display names of people with neither
    without_id: tuple[str, ...] = ()  # display names of people with no id on this platform


def person_platform_id(cfg: GuanjiaConfig, platform: str, person: str) -> str | None:
    """The id `person` is @-ed by on `platform` (from `people`, or a "platform:id" sender), if safe."""
    contact = cfg.contacts.get(person)
    platform_id = contact.platform_id(platform) if contact else None
    if platform_id is None and person.startswith(f"{platform}:"):
        platform_id = person.split(":", 1)[1]
    return mentionable_id(platform_id) if platform_id is not None else None


def mentions_for(cfg: GuanjiaConfig, platform: str, people: tuple[str, ...] | list[str]) -> Mentions:
    user_ids: list[str] = []
    mobiles: list[str] = []
    unreachable: list[str] = []
    without_id: list[str] = []
    for person in people:
        contact = cfg.contacts.get(person)
        platform_id = person_platform_id(cfg, platform, person)
        if platform == "feishu" and platform_id and platform_id.startswith(FEISHU_UNION_PREFIX):
            platform_id = None  # Feishu's <at> takes a user_id or an open_id, not a union_id: @ by name
        if platform_id:
            user_ids.append(platform_id)
            continue
        without_id.append(cfg.display_name(person))
        if contact is not None and contact.mobile:
            mobiles.append(contact.mobile)
        else:
            unreachable.append(cfg.display_name(person))
    return Mentions(tuple(user_ids), tuple(mobiles), tuple(unreachable), tuple(without_id))


def strip_bot_mention(text: str, bot_names: list[str]) -> str:
    """Remove a leading "@创城大管家" (the platforms leave it in, or leave a space where it was)."""
    text = text.strip()
    changed = True
    while changed:
        changed = False
        for name in sorted(bot_names, key=len, reverse=True):
            for prefix in (f"@{name}", f"＠{name}"):
                if text.startswith(prefix):
                    text = text[len(prefix) :].lstrip(" \u2005\u00a0")
                    changed = True
    return text.strip()
