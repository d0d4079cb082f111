"""DingTalk 互动卡片 (Stream mode): a reply's buttons as a StandardCard, and reading their clicks.

Why StandardCard through `/v1.0/im/v1.0/robot/interactiveCards/send`: it is what the
dingtalk-stream SDK's own `reply_card` uses, and the card is plain JSON, so a district needs no
template built in the 卡片搭建平台. A `request` button's click comes back over the Stream
connection on topic `/v1.0/card/instances/callback` as `{userId, outTrackId, content}` whose
`content.cardPrivateData.actionIds` names the pressed button's id.

The button id carries the action and the ticket, with an HMAC over them and the card's id
keyed by the app secret: a click whose id guanjia did not draw (forged, or from another card)
runs nothing. The clicker is DingTalk's `userId` (the staffId), never anything in the card.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
from typing import Any

from bot.adapters.identity import default_group, group_for, mentionable_id, person_platform_id, sender_id_for
from bot.chat.cards import BUTTON_LABELS, Click
from bot.chat.messages import Card
from bot.core.echo_safety import no_mass_mentions
from bot.tickets.lifecycle import Action
from config.schema import GuanjiaConfig

PLATFORM = "dingtalk"
CALLBACK_TOPIC = "/v1.0/card/instances/callback"  # the SDK's Card_Callback_Router_Topic
TEMPLATE = "StandardCard"
_PRIMARY = {Action.CLAIM.value, Action.VERIFY_PASS.value}
_BUTTON_ID = re.compile(r"([a-z_]+)-(\d{1,9})-([0-9a-f]{16})")


def biz_id(msg_id: str, index: int) -> str:
    """The card's id (cardBizId / outTrackId): one per reply of one message, so a resend is the same card."""
    return "gj" + hashlib.sha256(f"{msg_id}:{index}".encode()).hexdigest()[:40]


def _signature(secret: str, card_id: str, action: str, ticket_id: int) -> str:
    digest = hmac.new(secret.encode(), f"{card_id}|{action}|{ticket_id}".encode(), hashlib.sha256)
    return digest.hexdigest()[:16]


def button_id(secret: str, card_id: str, action: str, ticket_id: int) -> str:
    return f"{action}-{ticket_id}-{_signature(secret, card_id, action, ticket_id)}"


def card_json(secret: str, card_id: str, title: str, text: str, cards: tuple[Card, ...]) -> dict[str, Any]:
    """A StandardCard: the text (type text, so nothing a reporter typed renders as markdown), then a
    row of `request` buttons per ticket; with several tickets each button names its number."""
    contents: list[dict[str, Any]] = [{"type": "text", "text": no_mass_mentions(text), "id": "text_reply"}]
    for card in cards:
        prefix, n = (f"#{card.ticket_id} " if len(cards) > 1 else ""), card.ticket_id
        buttons = [
            {
                "type": "button",
                "label": {"type": "text", "text": prefix + BUTTON_LABELS[Action(a)], "id": f"label_{a}_{n}"},
                "actionType": "request",
                "status": "primary" if a in _PRIMARY else "normal",
                "id": button_id(secret, card_id, a, card.ticket_id),
            }
            for a in card.actions
        ]
        if buttons:
            contents.append({"type": "action", "actions": buttons, "id": f"action_{card.ticket_id}"})
    return {
        "config": {"autoLayout": True, "enableForward": False},
        "header": {"title": {"type": "text", "text": title}},
        "contents": contents,
    }


def send_body(
    robot_code: str, card_id: str, card: dict[str, Any], conversation: dict[str, Any], at_users: dict[str, str]
) -> dict[str, Any]:
    """The interactiveCards/send request: to the group (openConversationId) or to one person
    (singleChatReceiver), @-ing `at_users` (DingTalk userId → display name)."""
    body: dict[str, Any] = {
        "cardTemplateId": TEMPLATE,
        "robotCode": robot_code,
        "cardBizId": card_id,
        "cardData": json.dumps(card, ensure_ascii=False),
        "callbackType": "STREAM",
        "sendOptions": {"atAll": False},
        **conversation,
    }
    ats = [{"userId": u, "nickName": n} for u, n in at_users.items() if mentionable_id(u)]
    if ats:
        body["sendOptions"]["atUserListJson"] = json.dumps(ats, ensure_ascii=False)
    return body


def conversation_of(payload: dict[str, Any]) -> dict[str, Any] | None:
    """Where a robot message's card goes: its group, or the sender's private chat; None if unknown."""
    conversation = payload.get("conversationId")
    if str(payload.get("conversationType")) == "2" and isinstance(conversation, str) and conversation:
        return {"openConversationId": conversation}
    staff = payload.get("senderStaffId")
    if isinstance(staff, str) and staff:
        return {"singleChatReceiver": json.dumps({"userId": staff})}
    return None


def read_click(data: dict[str, Any], click_id: str, cfg: GuanjiaConfig, secret: str) -> Click | None:
    """The click a card callback carries; None when it names no clicker. A button id that fails
    its signature gives a Click with no ticket: answered as a button guanjia does not know."""
    user = data.get("userId")
    if not isinstance(user, str) or not user:
        return None
    sender = sender_id_for(cfg, PLATFORM, user)
    space = data.get("spaceId")
    if data.get("spaceType") == "IM_GROUP" and isinstance(space, str) and space:
        group = group_for(cfg, PLATFORM, space)
    else:
        group = default_group(cfg, PLATFORM, sender)
    action, ticket_id = "", None
    pressed = _pressed(data.get("content")) or _pressed(data.get("value"))
    found = _BUTTON_ID.fullmatch(pressed or "")
    card_id = str(data.get("outTrackId") or "")
    if found and card_id:
        action, number, signature = found.group(1), int(found.group(2)), found.group(3)
        expected = _signature(secret, card_id, action, number)
        ticket_id = number if hmac.compare_digest(signature, expected) and number > 0 else None
    return Click(PLATFORM, click_id, ticket_id, action, sender, group)


def _pressed(raw: Any) -> str | None:
    """The first id in `cardPrivateData.actionIds` of a callback's content (a JSON string)."""
    try:
        content = json.loads(raw) if isinstance(raw, str) else raw
        ids = content["cardPrivateData"]["actionIds"]
    except (ValueError, TypeError, KeyError):
        return None
    return ids[0] if isinstance(ids, list) and ids and isinstance(ids[0], str) else None


def callback_answer(card: dict[str, Any], done: bool, user_id: str) -> dict[str, Any]:
    """The ack's data: the card redrawn for everyone when the click did something; when refused,
    the card with the reason for the clicker alone (privateData keyed by their userId)."""
    full = {"sys_full_json_obj": json.dumps(card, ensure_ascii=False)}
    if done:
        return {"cardData": {"cardParamMap": full}}
    return {"privateData": {user_id: {"cardParamMap": full}}}


def at_users(cfg: GuanjiaConfig, people: list[str]) -> tuple[dict[str, str], list[str]]:
    """Whom a card @s: {DingTalk userId: display name}, and the names of those with no userId
    (written into the text instead, as the text replies do)."""
    ids: dict[str, str] = {}
    without: list[str] = []
    for person in people:
        checked = person_platform_id(cfg, PLATFORM, person)
        if checked:
            ids[checked] = cfg.display_name(person)
        else:
            without.append(cfg.display_name(person))
    return ids, without


def json_text(card: dict[str, Any]) -> str:
    return json.dumps(card, ensure_ascii=False)
