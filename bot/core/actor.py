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
    # Set for web users (models.User): their role ("supervisor" | "unit" | "viewer") and unit.
    # Chat senders leave them None and are judged by the config's supervisors and members.
    role: str | None = None
    unit: str | None = None


BOT = Actor(BOT_ACTOR_ID, BOT_ACTOR_NAME)
