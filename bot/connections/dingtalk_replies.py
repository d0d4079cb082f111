"""Where a Stream message's replies go: its `sessionWebhook`, else the group's robot (outbox).

DingTalk gives each robot message a `sessionWebhook` valid until `sessionWebhookExpiredTime`
(ms); posting there needs no signing and reaches the conversation the message came from, with
`at.atUserIds` @-ing the people named in the outcome. Once it has expired, or the post fails, the
replies go through the outbox to the group's configured robot, deduped by message id, so a reply
is never lost to a stale webhook nor sent twice by the fallback.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime
from typing import Any

import httpx

from bot.adapters import dingtalk
from bot.app_services import AppServices
from bot.chat.messages import IncomingMessage, Outcome
from bot.connections.dingtalk_cards import DingTalkCards
from bot.outbound.outbox import enqueue_replies

log = logging.getLogger(__name__)


def session_webhook(payload: dict[str, Any], now: datetime) -> str | None:
    """The message's reply address while it is valid, else None."""
    url = payload.get("sessionWebhook")
    expires = payload.get("sessionWebhookExpiredTime")
    if not isinstance(url, str) or not url.startswith(("https://", "http://")):
        return None
    if isinstance(expires, int | float) and datetime.fromtimestamp(expires / 1000, UTC) <= now:
        return None
    return url


async def deliver(
    services: AppServices,
    http: httpx.AsyncClient,
    payload: dict[str, Any],
    incoming: IncomingMessage,
    outcome: Outcome,
    cards: DingTalkCards | None = None,
) -> None:
    """A reply with buttons goes as an interactive card when the app can send one; else as text."""
    if not outcome.replies:
        return
    if cards is not None and await cards.send(http, payload, incoming.msg_id, outcome):
        return
    url = session_webhook(payload, services.clock.now())
    if url is not None:
        body = dingtalk.render_outcome(outcome, services.cfg)
        try:
            response = await http.post(url, json=body)
            answer = response.json() if response.status_code == 200 else {}
            if answer.get("errcode", 0) == 0 and response.status_code == 200:
                return
            log.warning("dingtalk-stream: sessionWebhook refused the reply (%s), using the group robot", answer)
        except (httpx.HTTPError, ValueError) as exc:
            log.warning("dingtalk-stream: sessionWebhook unreachable (%s), using the group robot", exc)
    await asyncio.to_thread(_queue_for_group_robot, services, incoming, outcome)


def _queue_for_group_robot(services: AppServices, incoming: IncomingMessage, outcome: Outcome) -> None:
    now = services.clock.now()
    with services.session_factory.begin() as session:
        enqueue_replies(session, incoming, outcome, now)
