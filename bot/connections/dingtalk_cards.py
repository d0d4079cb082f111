"""DingTalk 互动卡片 over the Stream mode: send a reply's buttons as a card, answer their clicks.

Sending needs the app's OpenAPI (the message's sessionWebhook takes no interactive card): an
access token from `/v1.0/oauth2/accessToken`, then `/v1.0/im/v1.0/robot/interactiveCards/send`
(the SDK's `reply_card`). If the card cannot be sent the caller falls back to the text reply, so
the text commands always work. A click arrives as a CALLBACK frame on the card topic; it runs the
command as the clicker, the frame's ack carries the redrawn card, and a click that changed the
ticket also redraws the card for everyone (`PUT /v1.0/im/robots/interactiveCards`).
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any

import httpx

from bot.adapters import dingtalk_cards
from bot.app_services import AppServices
from bot.chat.cards import UNKNOWN_BUTTON
from bot.chat.messages import Outcome
from bot.connections.card_clicks import run_click

log = logging.getLogger(__name__)

TOKEN_MARGIN = timedelta(minutes=5)


class DingTalkCards:
    """The app's card API, with its access token cached until shortly before it expires."""

    def __init__(self, services: AppServices, app_key: str, app_secret: str) -> None:
        self.services = services
        self._key = app_key
        self._secret = app_secret
        self._base = services.settings.dingtalk_stream_endpoint.rstrip("/")
        self._token: tuple[str, datetime] | None = None

    async def _access_token(self, http: httpx.AsyncClient) -> str:
        now = self.services.clock.now()
        if self._token is not None and now < self._token[1]:
            return self._token[0]
        response = await http.post(
            f"{self._base}/v1.0/oauth2/accessToken", json={"appKey": self._key, "appSecret": self._secret}
        )
        data = response.json() if response.status_code == 200 else {}
        token = data.get("accessToken") if isinstance(data, dict) else None
        if not isinstance(token, str) or not token:
            raise httpx.HTTPError(f"accessToken refused: HTTP {response.status_code}")
        expire = timedelta(seconds=int(data.get("expireIn") or 7200))
        self._token = (token, now + max(expire - TOKEN_MARGIN, timedelta(seconds=30)))
        return token

    async def _call(self, http: httpx.AsyncClient, method: str, path: str, body: dict[str, Any]) -> bool:
        try:
            token = await self._access_token(http)
            response = await http.request(
                method, f"{self._base}{path}", json=body, headers={"x-acs-dingtalk-access-token": token}
            )
        except (httpx.HTTPError, ValueError) as exc:
            log.warning("dingtalk-stream: card API %s failed: %s", path, exc)
            return False
        if response.status_code != 200:
            if response.status_code == 401:
                self._token = None
            log.warning("dingtalk-stream: card API %s answered %s: %s", path, response.status_code, response.text[:200])
            return False
        return True

    async def send(self, http: httpx.AsyncClient, payload: dict[str, Any], msg_id: str, outcome: Outcome) -> bool:
        """Send the outcome as one card when it carries buttons; False: send it as text instead."""
        cards = tuple(c for r in outcome.replies for c in r.cards)
        conversation = dingtalk_cards.conversation_of(payload)
        if not cards or conversation is None:
            return False
        cfg = self.services.cfg
        mentions: list[str] = []
        for reply in outcome.replies:
            mentions += [m for m in reply.mentions if m not in mentions]
        ids, without = dingtalk_cards.at_users(cfg, mentions)
        text = "\n\n".join(r.text for r in outcome.replies) + (
            "\n" + " ".join(f"@{n}" for n in without) if without else ""
        )
        card_id = dingtalk_cards.biz_id(msg_id, 0)
        title = "工单 " + "、".join(f"#{c.ticket_id}" for c in cards)
        card = dingtalk_cards.card_json(self._secret, card_id, title, text, cards)
        robot = str(payload.get("robotCode") or self._key)
        body = dingtalk_cards.send_body(robot, card_id, card, conversation, ids)
        return await self._call(http, "POST", "/v1.0/im/v1.0/robot/interactiveCards/send", body)

    async def click(self, http: httpx.AsyncClient, data: dict[str, Any], click_id: str) -> dict[str, Any] | None:
        """The ack's data for a card callback; None when it names no clicker (acknowledged, ignored)."""
        services = self.services
        click = dingtalk_cards.read_click(data, click_id, services.cfg, self._secret)
        if click is None:
            return None
        user, card_id = str(data.get("userId")), str(data.get("outTrackId") or "")
        result = await run_click(services, click)
        if result is None or result.view is None:
            reason = result.text if result is not None else UNKNOWN_BUTTON
            card = dingtalk_cards.card_json(self._secret, card_id, "无法处理", reason, ())
            return dingtalk_cards.callback_answer(card, False, user)
        view = result.view
        shown = view.text if result.done else f"{view.text}\n未执行：{result.text}"
        cards = (view.card,) if view.card is not None else ()
        card = dingtalk_cards.card_json(self._secret, card_id, view.title, shown, cards)
        if result.done:  # everyone's copy of the card shows the new state, not only the clicker's
            update = {"cardBizId": card_id, "cardData": dingtalk_cards.json_text(card)}
            await self._call(http, "PUT", "/v1.0/im/robots/interactiveCards", update)
        return dingtalk_cards.callback_answer(card, result.done, user)
