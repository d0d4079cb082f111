"""WeCom 智能机器人 long connection: a ticket's buttons as a template card, and reading their clicks.

Where each format comes from:
- The 长连接 document (developer.work.weixin.qq.com/document/path/101463) and Tencent's
  `wecom-aibot-python-sdk` (`WSClient.send_message`, `update_template_card`): a card is pushed
  with `aibot_send_msg` {chatid, chat_type (1 单聊, 2 群聊), msgtype "template_card",
  template_card}, allowed once someone has messaged the robot in that chat; a click arrives as
  `aibot_event_callback` whose body is the HTTP callback's event JSON; the answer is
  `aibot_respond_update_msg` on the event's req_id within 5 s, body {response_type
  "update_template_card", userids?, template_card with the clicked card's task_id}.
- 模板卡片类型 (path/101031): `button_interaction` needs main_title, button_list (1 to 6 buttons:
  text, style 1-4, key ≤ 1024 bytes and unique) and task_id (unique per robot, only
  [A-Za-z0-9_-@], ≤ 128 bytes).
- 模板卡片事件 (path/101027): body {msgid, create_time, aibotid, chatid, chattype, from.userid,
  msgtype "event", event {eventtype "template_card_event", template_card_event {card_type,
  event_key, task_id}}}; msgid is the dedupe key ("可能因为网络等原因重复回调").
- `userids` on the update redraws the card for those users only: the refused clicker's card
  shows the reason, nobody else's changes.

Why the card is pushed rather than being the answer: over the long connection a message's
answer (`aibot_respond_msg`) may be a stream or a template card but not both (the 长连接 page:
"不支持流式消息+模板卡片的组合消息"), and a card cannot @ anyone. So the answer stays the
markdown stream that @s the unit, and the card follows it as a pushed message.

A button's key carries the action and the ticket under an HMAC over them and the card's
task_id, keyed by the robot's Secret: a key guanjia did not draw, or one moved to another card,
runs nothing. The clicker is the event's `from.userid`, never anything in the card.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from typing import Any

from bot.adapters.identity import default_group, group_for, sender_id_for
from bot.adapters.wecom import PLATFORM
from bot.chat.cards import BUTTON_LABELS, CardView, Click
from bot.tickets.lifecycle import Action
from config.schema import GuanjiaConfig

CLICK_EVENT = "template_card_event"
GROUP_CHAT, SINGLE_CHAT = 2, 1  # aibot_send_msg's chat_type
STATE = "state"  # the one greyed button of a card with nothing left to press: shows the status
_PRIMARY = {Action.CLAIM.value, Action.VERIFY_PASS.value}
_KEY = re.compile(r"([a-z_]+)-(\d{1,9})-([0-9a-f]{16})")


def task_id(msg_id: str, ticket_id: int) -> str:
    """The card's task_id: one per ticket of one message, so a redelivered message draws the same
    card (and WeCom, which refuses a task_id twice, does not show it twice)."""
    return "gj" + hashlib.sha256(f"{msg_id}:{ticket_id}".encode()).hexdigest()[:40]


def _signature(secret: str, task: str, action: str, ticket_id: int) -> str:
    digest = hmac.new(secret.encode(), f"{task}|{action}|{ticket_id}".encode(), hashlib.sha256)
    return digest.hexdigest()[:16]


def button_key(secret: str, task: str, action: str, ticket_id: int) -> str:
    return f"{action}-{ticket_id}-{_signature(secret, task, action, ticket_id)}"


def template_card(secret: str, task: str, ticket_id: int, view: CardView | None, note: str = "") -> dict[str, Any]:
    """A `button_interaction` card for ticket `ticket_id` as `view` shows it (None: a card for a
    button guanjia does not know); `note` is added under the text (why a click was refused)."""
    if view is None:
        title, text, buttons = "无法处理", note, [{"text": "无法处理", "style": 4, "key": "unknown"}]
    else:
        title, text = view.title, "\n".join(t for t in (view.text, note) if t)
        card = view.card
        if card is not None and card.actions:
            buttons = [
                {
                    "text": BUTTON_LABELS[Action(a)],
                    "style": 1 if a in _PRIMARY else 2,
                    "key": button_key(secret, task, a, card.ticket_id),
                }
                for a in card.actions
            ]
        else:
            key = button_key(secret, task, STATE, ticket_id)
            buttons = [{"text": view.status or "已处理", "style": 4, "key": key}]
    return {
        "card_type": "button_interaction",
        "main_title": {"title": title[:26]},
        "sub_title_text": text,
        "button_list": buttons,
        "task_id": task,
    }


def chat_of(body: dict[str, Any]) -> tuple[str, int] | None:
    """Where a message's card goes (chatid, chat_type): its group, or the sender's 单聊."""
    chat, user = body.get("chatid"), (body.get("from") or {}).get("userid")
    if body.get("chattype") == "group" and isinstance(chat, str) and chat:
        return chat, GROUP_CHAT
    if isinstance(user, str) and user:
        return user, SINGLE_CHAT
    return None


def send_body(chat: tuple[str, int], card: dict[str, Any]) -> dict[str, Any]:
    """The `aibot_send_msg` body pushing `card` to `chat`."""
    return {"chatid": chat[0], "chat_type": chat[1], "msgtype": "template_card", "template_card": card}


def update_body(card: dict[str, Any], only: str | None = None) -> dict[str, Any]:
    """The `aibot_respond_update_msg` body: the card redrawn for everyone, or for `only` alone."""
    body: dict[str, Any] = {"response_type": "update_template_card", "template_card": card}
    if only is not None:
        body["userids"] = [only]
    return body


def read_click(body: Any, cfg: GuanjiaConfig, secret: str) -> tuple[Click, str, str] | None:
    """(the click, its card's task_id, the clicker's userid) when the event is a card click that
    names a clicker and a msgid; else None. A key that fails its signature gives a Click with no
    ticket: answered as a button guanjia does not know."""
    if not isinstance(body, dict) or body.get("msgtype") != "event":
        return None
    event = body.get("event") or {}
    if not isinstance(event, dict) or event.get("eventtype") != CLICK_EVENT:
        return None
    found_event = event.get(CLICK_EVENT)
    pressed: dict[str, Any] = found_event if isinstance(found_event, dict) else {}
    msg_id, user = body.get("msgid"), (body.get("from") or {}).get("userid")
    if not isinstance(msg_id, str) or not msg_id or not isinstance(user, str) or not user:
        return None
    task = str(pressed.get("task_id") or "")
    action, ticket_id = "", None
    found = _KEY.fullmatch(str(pressed.get("event_key") or ""))
    if found and task:
        action, number, signature = found.group(1), int(found.group(2)), found.group(3)
        expected = _signature(secret, task, action, number)
        ticket_id = number if hmac.compare_digest(signature, expected) and number > 0 else None
    sender = sender_id_for(cfg, PLATFORM, user)
    chat = body.get("chatid")
    if body.get("chattype") == "group" and isinstance(chat, str) and chat:
        group = group_for(cfg, PLATFORM, chat)
    else:
        group = default_group(cfg, PLATFORM, sender)
    return Click(PLATFORM, msg_id, ticket_id, action, sender, group), task, user
