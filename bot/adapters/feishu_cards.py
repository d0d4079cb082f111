"""Feishu message cards: drawing a reply's buttons, and reading a click (`card.action.trigger`).

A click arrives at the same signed, encrypted callback as messages. Its answer, given within
Feishu's 3 s, is a toast for the clicker and the card redrawn for the ticket's new state
(the callback's `card` of type `raw`); a refused click gets an error toast and the card as it was.
"""

from __future__ import annotations

from typing import Any

from bot.adapters import feishu
from bot.adapters.identity import default_group, group_for
from bot.adapters.shapes import obj
from bot.chat.cards import BUTTON_LABELS, Click
from bot.chat.messages import Card
from bot.tickets.lifecycle import Action
from config.schema import GuanjiaConfig

CLICK_EVENT = "card.action.trigger"
_PRIMARY = {Action.CLAIM.value, Action.VERIFY_PASS.value}


def is_click(event: dict[str, Any]) -> bool:
    header = event.get("header")
    return isinstance(header, dict) and header.get("event_type") == CLICK_EVENT


def read_click(event: dict[str, Any], cfg: GuanjiaConfig) -> Click:
    """Who clicked which button where; raises NotAMessage when the event has no id to dedupe by,
    or a part of it that must be an object is something else."""
    event_id = obj(event, "header", "header").get("event_id")
    if not isinstance(event_id, str) or not event_id:
        raise feishu.NotAMessage("header.event_id: required")
    body = obj(event, "event", "event")
    value = obj(obj(body, "action", "event.action"), "value", "event.action.value")
    ticket = value.get("ticket")
    ticket_id = ticket if isinstance(ticket, int) and not isinstance(ticket, bool) and ticket > 0 else None
    sender = feishu.person_of(cfg, obj(body, "operator", "event.operator"))
    chat_id = obj(body, "context", "event.context").get("open_chat_id")
    if isinstance(chat_id, str) and chat_id:
        group = group_for(cfg, feishu.PLATFORM, chat_id)
    else:
        group = default_group(cfg, feishu.PLATFORM, sender)
    return Click(feishu.PLATFORM, event_id, ticket_id, str(value.get("action") or ""), sender, group)


def _buttons(card: Card, numbered: bool) -> dict[str, Any]:
    prefix = f"#{card.ticket_id} " if numbered else ""
    return {
        "tag": "action",
        "actions": [
            {
                "tag": "button",
                "text": {"tag": "plain_text", "content": prefix + BUTTON_LABELS[Action(a)]},
                "type": "primary" if a in _PRIMARY else "default",
                "value": {"ticket": card.ticket_id, "action": a},
            }
            for a in card.actions
        ],
    }


def card_json(text: str, card: Card | None, title: str) -> dict[str, Any]:
    """An interactive card: the text, then one button per action, each carrying {ticket, action}."""
    return reply_card_json(text, (card,) if card is not None and card.actions else (), title)


def reply_card_json(text: str, cards: tuple[Card, ...], title: str, at_ids: tuple[str, ...] = ()) -> dict[str, Any]:
    """A reply as a card: its text (plain, so nothing a reporter typed renders as markdown), the
    @s as `<at id=…>` (ids already checked by `mentionable_id`), a row of buttons per ticket;
    with several tickets each button names its number."""
    elements: list[dict[str, Any]] = [{"tag": "div", "text": {"tag": "plain_text", "content": text}}]
    if at_ids:
        tags = " ".join(f"<at id={u}></at>" for u in at_ids)
        elements.append({"tag": "div", "text": {"tag": "lark_md", "content": tags}})
    elements += [_buttons(c, len(cards) > 1) for c in cards if c.actions]
    return {
        "config": {"wide_screen_mode": True, "update_multi": True},
        "header": {"title": {"tag": "plain_text", "content": title}},
        "elements": elements,
    }


def click_answer(toast: str, ok: bool, card: dict[str, Any] | None) -> dict[str, Any]:
    """The callback's answer: the toast the clicker sees and, when known, the redrawn card."""
    answer: dict[str, Any] = {"toast": {"type": "success" if ok else "error", "content": toast}}
    if card is not None:
        answer["card"] = {"type": "raw", "data": card}
    return answer
