"""The one internal incoming-message type and the one reply type every adapter speaks."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from bot.chat.text_normalize import storable


@dataclass(frozen=True)
class IncomingMessage:
    platform: str
    msg_id: str
    group_id: str
    sender_id: str
    sender_name: str
    text: str
    images: tuple[str, ...] = ()
    sent_at: datetime | None = None
    # Written to the bot: it @s the bot, or came in a private chat. Such a message is never
    # ignored (bot/chat/unreported.py): if it is neither a command nor a report, the bot asks.
    addressed: bool = False

    def storable(self) -> IncomingMessage:
        """The same message with every string storable (see text_normalize.storable)."""
        return replace(
            self,
            platform=storable(self.platform),
            msg_id=storable(self.msg_id),
            group_id=storable(self.group_id),
            sender_id=storable(self.sender_id),
            sender_name=storable(self.sender_name)[:128],  # a display name: the column's width is plenty
            text=storable(self.text),
            images=tuple(storable(i) for i in self.images),
        )


@dataclass(frozen=True)
class Reply:
    text: str
    mentions: tuple[str, ...] = ()

    def to_json(self) -> dict[str, Any]:
        return {"text": self.text, "mentions": list(self.mentions)}


@dataclass
class Outcome:
    """What handling one message produced: replies to post and tickets created or changed."""

    replies: list[Reply] = field(default_factory=list)
    tickets: list[int] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {"replies": [r.to_json() for r in self.replies], "tickets": list(self.tickets)}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Outcome:
        replies = [Reply(r["text"], tuple(r.get("mentions", ()))) for r in data.get("replies", [])]
        return cls(replies=replies, tickets=[int(t) for t in data.get("tickets", [])])
