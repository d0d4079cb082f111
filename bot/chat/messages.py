"""The one internal incoming-message type and the one reply type every adapter speaks."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from bot.chat.text_normalize import storable


@dataclass(frozen=True)
class Location:
    """A shared map pin (Feishu location, WeCom Location_X/Location_Y/Label): the place of a report."""

    latitude: float
    longitude: float
    address: str  # what the platform names the pin: Label, name; "" when it gives none

    def to_json(self) -> dict[str, Any]:
        return {"latitude": self.latitude, "longitude": self.longitude, "address": self.address}


@dataclass(frozen=True)
class Attachment:
    """A file or video sent as evidence; recorded with the key the platform hands it out by.

    It is not downloaded here: the key (Feishu file_key, DingTalk downloadCode, WeCom MediaId
    or URL) is what a later fetch needs.
    """

    kind: str  # "file" or "video"
    name: str
    key: str

    def to_json(self) -> dict[str, Any]:
        return {"kind": self.kind, "name": self.name, "key": self.key}


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
    location: Location | None = None
    attachments: tuple[Attachment, ...] = ()
    # A reply that quotes another message: the quoted text when the platform sends it
    # (DingTalk repliedMsg, WeCom quote), else the quoted message's id (Feishu parent_id).
    quoted_text: str | None = None
    quoted_msg_id: str | None = None

    def evidence(self) -> dict[str, Any] | None:
        """The location and files this message carries, as stored with it; None when it has none."""
        if self.location is None and not self.attachments:
            return None
        return {
            "location": self.location.to_json() if self.location else None,
            "attachments": [a.to_json() for a in self.attachments],
        }

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
            location=replace(self.location, address=storable(self.location.address)[:200]) if self.location else None,
            attachments=tuple(
                Attachment(storable(a.kind), storable(a.name)[:200], storable(a.key)[:1000]) for a in self.attachments
            ),
            quoted_text=storable(self.quoted_text)[:2000] if self.quoted_text is not None else None,
            quoted_msg_id=storable(self.quoted_msg_id)[:200] if self.quoted_msg_id is not None else None,
        )


@dataclass(frozen=True)
class Card:
    """Buttons under a reply: one ticket and the lifecycle actions (bot/tickets/lifecycle.py
    `card_actions`) a click may take on it. Platforms that draw cards render it; the others
    send the reply's text alone, whose text commands do the same."""

    ticket_id: int
    actions: tuple[str, ...]

    def to_json(self) -> dict[str, Any]:
        return {"ticket": self.ticket_id, "actions": list(self.actions)}


@dataclass(frozen=True)
class Reply:
    text: str
    mentions: tuple[str, ...] = ()
    cards: tuple[Card, ...] = ()

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {"text": self.text, "mentions": list(self.mentions)}
        if self.cards:
            data["cards"] = [c.to_json() for c in self.cards]
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Reply:
        cards = tuple(Card(int(c["ticket"]), tuple(c["actions"])) for c in data.get("cards", ()))
        return cls(data["text"], tuple(data.get("mentions", ())), cards)


@dataclass
class Outcome:
    """What handling one message produced: replies to post and tickets created or changed."""

    replies: list[Reply] = field(default_factory=list)
    tickets: list[int] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {"replies": [r.to_json() for r in self.replies], "tickets": list(self.tickets)}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Outcome:
        replies = [Reply.from_json(r) for r in data.get("replies", [])]
        return cls(replies=replies, tickets=[int(t) for t in data.get("tickets", [])])
