"""WeCom 智能机器人 cards over the long connection: push a reply's buttons, answer their clicks.

The frames and why the card is pushed after the stream rather than being the answer are in
bot/adapters/wecom_bot_cards.py. One card per ticket, at most MAX_CARDS per message (a message
naming more tickets has its text commands for the rest): each card's task_id and buttons then
stand for one ticket, and a click's update redraws exactly that ticket's state.

A click runs the command it stands for as the clicker (bot/connections/card_clicks.py: dedupe
on the event's msgid, the group told of a click that did something) and is answered within
WeCom's 5 s by `aibot_respond_update_msg`: the card redrawn for everyone when the click changed
the ticket, for the clicker alone with "未执行：<reason>" when it was refused.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

from bot.adapters import wecom_bot_cards as cards
from bot.app_services import AppServices
from bot.chat.cards import UNKNOWN_BUTTON
from bot.chat.messages import Outcome
from bot.connections.card_clicks import current_view, run_click

log = logging.getLogger(__name__)

SEND, UPDATE = "aibot_send_msg", "aibot_respond_update_msg"
MAX_CARDS = 3
# (cmd, req_id, body): the connection writes the frame; req_id None means a new one.
Send = Callable[[str, str | None, dict[str, Any]], Awaitable[None]]


class WeComBotCards:
    def __init__(self, services: AppServices, secret: str) -> None:
        self.services = services
        self._secret = secret

    async def push(self, send: Send, body: dict[str, Any], msg_id: str, outcome: Outcome) -> int:
        """Push a card for each ticket the outcome has buttons for; returns how many were sent.

        The card shows the ticket as it stands now, so a redelivered message's card (same
        task_id, which WeCom refuses a second time) never offers a button already used."""
        chat = cards.chat_of(body)
        tickets = list(dict.fromkeys(c.ticket_id for r in outcome.replies for c in r.cards))
        if chat is None:
            return 0
        sent = 0
        for ticket_id in tickets[:MAX_CARDS]:
            view = await current_view(self.services, ticket_id)
            if view is None or view.card is None:
                continue  # nothing left to press
            card = cards.template_card(self._secret, cards.task_id(msg_id, ticket_id), ticket_id, view)
            await send(SEND, None, cards.send_body(chat, card))
            sent += 1
        return sent

    async def click(self, send: Send, req_id: str, body: Any) -> bool:
        """Answer a `template_card_event` on its req_id; False when the event is no card click."""
        read = cards.read_click(body, self.services.cfg, self._secret)
        if read is None:
            return False
        click, task, clicker = read
        ticket_id = click.ticket_id
        if click.action == cards.STATE and ticket_id is not None:
            # The greyed status button of a card with nothing to press: show the ticket as it is now.
            view = await current_view(self.services, ticket_id)
            card = cards.template_card(self._secret, task, ticket_id, view, "" if view else UNKNOWN_BUTTON)
            await send(UPDATE, req_id, cards.update_body(card, clicker))
            return True
        result = await run_click(self.services, click)
        if result is None or result.view is None or ticket_id is None:
            reason = result.text if result is not None else UNKNOWN_BUTTON
            card = cards.template_card(self._secret, task, 0, None, reason)
            await send(UPDATE, req_id, cards.update_body(card, clicker))
            return True
        note = "" if result.done else f"未执行：{result.text}"
        card = cards.template_card(self._secret, task, ticket_id, result.view, note)
        await send(UPDATE, req_id, cards.update_body(card, None if result.done else clicker))
        log.info("wecom-bot-ws: card click %s on #%s by %s: %s", click.action, ticket_id, clicker, result.done)
        return True
