"""Who is acting, and from which chat message (recorded on every event)."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

BOT_ACTOR_ID = "guanjia"
BOT_ACTOR_NAME = "创城大管家"


class ActorKind(StrEnum):
    """How the server received the action; recorded on each event and shown as its badge.

    Set by the code path that built the actor, never read off an id: a chat sender may
    call itself `guanjia` or `web:alice`, and must still be shown as a chat message.
    """

    CHAT = "chat"  # a message in a group (群消息)
    WEB = "web"  # a signed-in user on the ledger pages (网页)
    SYSTEM = "system"  # the bot itself: dispatch, reminders, duplicates (系统)


@dataclass(frozen=True)
class Actor:
    id: str
    name: str
    source_msg_id: str | None = None
    # Set for web users (models.User): their role ("supervisor" | "unit" | "viewer") and unit.
    # Chat senders leave them None and are judged by the config's supervisors and members.
    role: str | None = None
    unit: str | None = None
    kind: ActorKind = ActorKind.CHAT
    # The platform the source message came in on: a message id is unique only within it.
    platform: str | None = None


BOT = Actor(BOT_ACTOR_ID, BOT_ACTOR_NAME, kind=ActorKind.SYSTEM)
