"""Replies to a Feishu message through the message reply API, for the 长连接 mode.

Why the reply API and not the group robot: in 长连接 mode the app itself is in the chat and
there may be no custom robot at all; a reply also threads under the report. Each reply
carries `uuid` = message id + its index: Feishu sends at most one message per uuid an hour,
so a redelivered event (its acknowledgement was lost) is answered once. A reply that carries
buttons (a new or a fixed ticket) is sent as a message card; its clicks come back over the same
connection (bot/connections/card_clicks.py).
"""

from __future__ import annotations

import json
import logging
from datetime import datetime, timedelta

import httpx

from bot.adapters.feishu_cards import reply_card_json
from bot.adapters.identity import mentions_for
from bot.chat.messages import Outcome, Reply
from bot.core.clock import Clock
from bot.core.echo_safety import echo, no_mass_mentions
from config.schema import GuanjiaConfig

log = logging.getLogger(__name__)

TOKEN_MARGIN = timedelta(minutes=5)  # renew a tenant token this long before it expires


class FeishuReplies:
    def __init__(self, clock: Clock, app_id: str, app_secret: str, domain: str, cfg: GuanjiaConfig) -> None:
        self._clock = clock
        self._app_id = app_id
        self._app_secret = app_secret
        self._domain = domain.rstrip("/")
        self._cfg = cfg
        self._token: tuple[str, datetime] | None = None

    async def send(self, message_id: str, outcome: Outcome) -> bool:
        """True when every reply was accepted (or there was none); failures are logged."""
        if not outcome.replies:
            return True
        try:
            async with httpx.AsyncClient(timeout=10) as client:
                token = await self._tenant_token(client)
                for n, reply in enumerate(outcome.replies):
                    url = f"{self._domain}/open-apis/im/v1/messages/{message_id}/reply"
                    body = self.body(reply)
                    body["uuid"] = f"{message_id}:{n}"[-50:]  # Feishu caps uuid at 50 characters
                    response = await client.post(url, json=body, headers={"Authorization": f"Bearer {token}"})
                    code = _code(response)
                    if code != 0:
                        if code in (99991663, 99991664, 99991661):  # token invalid or expired
                            self._token = None
                        log.warning(
                            "feishu reply to %s refused: HTTP %s code %s", message_id, response.status_code, code
                        )
                        return False
        except httpx.HTTPError as exc:
            log.warning("feishu reply to %s failed: %s: %s", message_id, type(exc).__name__, exc)
            return False
        return True

    def body(self, reply: Reply) -> dict[str, str]:
        """A reply with buttons goes as a card (`interactive`, content = the card JSON as a string,
        as the message API takes it); one without as text with <at> tags."""
        if not reply.cards:
            return {"msg_type": "text", "content": json.dumps({"text": self._text(reply)}, ensure_ascii=False)}
        who = mentions_for(self._cfg, "feishu", reply.mentions)
        names = " ".join(f"@{n}" for n in who.without_id)
        text = no_mass_mentions(reply.text) + (f"\n{names}" if names else "")
        title = "工单 " + "、".join(f"#{c.ticket_id}" for c in reply.cards)
        card = reply_card_json(text, reply.cards, title, who.user_ids)
        return {"msg_type": "interactive", "content": json.dumps(card, ensure_ascii=False)}

    def _text(self, reply: Reply) -> str:
        who = mentions_for(self._cfg, "feishu", reply.mentions)
        tags = [f'<at user_id="{echo(u)}"></at>' for u in who.user_ids] + [f"@{echo(n)}" for n in who.without_id]
        return no_mass_mentions(reply.text) + ("\n" + " ".join(tags) if tags else "")

    async def _tenant_token(self, client: httpx.AsyncClient) -> str:
        now = self._clock.now()
        if self._token is not None and now < self._token[1]:
            return self._token[0]
        url = f"{self._domain}/open-apis/auth/v3/tenant_access_token/internal"
        response = await client.post(url, json={"app_id": self._app_id, "app_secret": self._app_secret})
        data = response.json() if response.headers.get("content-type", "").startswith("application/json") else {}
        token = data.get("tenant_access_token")
        if data.get("code") != 0 or not isinstance(token, str) or not token:
            raise httpx.HTTPError(f"tenant_access_token refused: code {data.get('code')}: {data.get('msg')}")
        expire = timedelta(seconds=int(data.get("expire") or 7200))
        self._token = (token, now + max(expire - TOKEN_MARGIN, timedelta(seconds=30)))
        return token


def _code(response: httpx.Response) -> int:
    try:
        data = response.json()
    except ValueError:
        return -1
    return int(data.get("code", -1)) if isinstance(data, dict) else -1
