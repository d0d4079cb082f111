"""WeCom 智能机器人 template cards: a reply's buttons as `button_interaction`, and their clicks.

The 智能机器人 may answer a message with a template card (its passive-reply docs list stream
and template_card). A click comes back as a `template_card_event` to the same encrypted
callback; its passive answer `update_template_card` redraws the card. A refused click is
redrawn for the clicker alone (`userids`), with the reason on the card: nobody else sees it.
"""

from __future__ import annotations

import json
import re
from typing import Any

from bot.adapters.identity import default_group, group_for, sender_id_for
from bot.adapters.shapes import NotAMessage as NotAMessage
from bot.adapters.shapes import obj
from bot.adapters.wecom import PLATFORM
from bot.adapters.wecom_crypto import WXBizMsgCrypt
from bot.chat.cards import BUTTON_LABELS, CardView, Click
from bot.chat.messages import Card, Outcome
from bot.tickets.lifecycle import Action
from config.schema import GuanjiaConfig

CLICK_EVENT = "template_card_event"
_NOOP = "noop"  # the one greyed button of a card with nothing left to press
_PRIMARY = {Action.CLAIM.value, Action.VERIFY_PASS.value}
_TASK_CHARS = re.compile(r"[^A-Za-z0-9_\-@]")


def _event(data: dict[str, Any]) -> dict[str, Any] | None:
    if data.get("msgtype") != "event":
        return None
    event = data.get("event") or {}
    if not isinstance(event, dict) or event.get("eventtype") != CLICK_EVENT:
        return None
    found = event.get(CLICK_EVENT)
    return found if isinstance(found, dict) else {}


def read_click(plain: bytes, cfg: GuanjiaConfig) -> tuple[Click, str, str] | None:
    """(the click, its task_id, the clicker's userid) when the callback is a card click, else None;
    NotAMessage when a click's `from` is not an object (the route answers 422)."""
    try:
        data = json.loads(plain)
    except (UnicodeDecodeError, json.JSONDecodeError):
        return None
    if not isinstance(data, dict):
        return None
    event = _event(data)
    if event is None:
        return None
    msg_id, user = data.get("msgid"), obj(data, "from", "from").get("userid")
    if not isinstance(msg_id, str) or not msg_id or not isinstance(user, str) or not user:
        return None
    action, _, number = str(event.get("event_key") or "").partition(":")
    ticket_id = int(number) if number.isdigit() and int(number) > 0 else None
    sender = sender_id_for(cfg, PLATFORM, user)
    chat_id = data.get("chatid")
    if data.get("chattype") == "group" and isinstance(chat_id, str) and chat_id:
        group = group_for(cfg, PLATFORM, chat_id)
    else:
        group = default_group(cfg, PLATFORM, sender)
    return Click(PLATFORM, msg_id, ticket_id, action, sender, group), str(event.get("task_id") or ""), user


def task_id(ticket_id: int, msg_id: str) -> str:
    """Unique per card (WeCom requires it per robot): the ticket and the message that drew it."""
    return f"t{ticket_id}_{_TASK_CHARS.sub('', msg_id)}"[:128]


def template_card(title: str, text: str, card: Card | None, task: str, status: str = "") -> dict[str, Any]:
    if card is not None and card.actions:
        buttons = [
            {"text": BUTTON_LABELS[Action(a)], "style": 1 if a in _PRIMARY else 2, "key": f"{a}:{card.ticket_id}"}
            for a in card.actions
        ]
    else:
        buttons = [{"text": status or "已处理", "style": 4, "key": _NOOP}]
    return {
        "card_type": "button_interaction",
        "main_title": {"title": title},
        "sub_title_text": text,
        "button_list": buttons,
        "task_id": task,
    }


def _sealed(content: dict[str, Any], crypt: WXBizMsgCrypt, nonce: str, ts: str) -> tuple[str, str]:
    encrypted, signature = crypt.seal(json.dumps(content, ensure_ascii=False).encode(), ts, nonce)
    body = {"encrypt": encrypted, "msgsignature": signature, "timestamp": int(ts), "nonce": nonce}
    return json.dumps(body), "application/json"


def card_reply(outcome: Outcome, msg_id: str, crypt: WXBizMsgCrypt, nonce: str, ts: str) -> tuple[str, str] | None:
    """The passive reply as a template card when the outcome carries exactly one; else None (text)."""
    cards = [c for r in outcome.replies for c in r.cards]
    if len(cards) != 1:
        return None
    text = "\n\n".join(r.text for r in outcome.replies)
    [card] = cards
    content = {
        "msgtype": "template_card",
        "template_card": template_card(f"工单 #{card.ticket_id}", text, card, task_id(card.ticket_id, msg_id)),
    }
    return _sealed(content, crypt, nonce, ts)


def click_reply(
    done: bool, text: str, view: CardView | None, task: str, clicker: str, crypt: WXBizMsgCrypt, nonce: str, ts: str
) -> tuple[str, str]:
    """`update_template_card`: for everyone when the click did something, else for the clicker alone."""
    if view is None:
        card = template_card("无法处理", text, None, task)
    else:
        shown = view.text if done else f"{view.text}\n未执行：{text}"
        card = template_card(view.title, shown, view.card, task, status=view.status)
    content: dict[str, Any] = {"response_type": "update_template_card", "template_card": card}
    if not done:
        content["userids"] = [clicker]
    return _sealed(content, crypt, nonce, ts)
