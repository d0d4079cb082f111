"""Who is acting, and from which chat message (recorded on every event)."""

from __future__ import annotations

from dataclasses import dataclass

BOT_ACTOR_ID = "guanjia"
BOT_ACTOR_NAME = "创城大管家"


@dataclass(frozen=True)
class Actor:
    id: str
    name: str
    source_msg_id: str | None = None


BOT = Actor(BOT_ACTOR_ID, BOT_ACTOR_NAME)
