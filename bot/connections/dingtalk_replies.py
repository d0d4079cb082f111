"""Where a Stream message's replies go: its `sessionWebhook`, else the group's robot (outbox).

DingTalk gives each robot message a `sessionWebhook` valid until `sessionWebhookExpiredTime`
(ms); posting there needs no signing and reaches the conversation the message came from, with
`at.atUserIds` @-ing the people named in the outcome.

The replies are also queued in the outbox for the group's robot, in the transaction that
records the message, held back for FALLBACK_DELAY (`keep_for_group_robot`). After the commit
they are posted to the sessionWebhook (or sent as a card); delivered, the queued copies are
superseded; refused, expired or unreachable, the robot sends them at once. A crash between the
commit and the post leaves them queued, and the robot sends them after the delay: a reply is
never lost, and sent twice only if the process dies between the post and its settling.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from sqlalchemy.orm import Session

from bot.adapters import dingtalk
from bot.app_services import AppServices
from bot.chat.messages import IncomingMessage, Outcome
from bot.connections.dingtalk_cards import DingTalkCards
from bot.outbound.outbox import enqueue_replies, settle_replies

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


# Longer than a post to the sessionWebhook can take (httpx's timeout), short enough that a reply
# lost to a crash still reaches the group while the report is fresh.
FALLBACK_DELAY = timedelta(minutes=2)


def keep_for_group_robot(session: Session, incoming: IncomingMessage, outcome: Outcome, now: datetime) -> None:
    """An intake effect: the replies, queued for the group robot but held back (see the module doc)."""
    enqueue_replies(session, incoming, outcome, now, not_before=now + FALLBACK_DELAY)


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
    delivered = await _post(services, http, payload, incoming, outcome, cards)
    await asyncio.to_thread(_settle, services, incoming, outcome, delivered)


async def _post(
    services: AppServices,
    http: httpx.AsyncClient,
    payload: dict[str, Any],
    incoming: IncomingMessage,
    outcome: Outcome,
    cards: DingTalkCards | None,
) -> bool:
    if cards is not None and await cards.send(http, payload, incoming.msg_id, outcome):
        return True
    url = session_webhook(payload, services.clock.now())
    if url is None:
        return False
    body = dingtalk.render_outcome(outcome, services.cfg)
    try:
        response = await http.post(url, json=body)
        answer = response.json() if response.status_code == 200 else {}
        if answer.get("errcode", 0) == 0 and response.status_code == 200:
            return True
        log.warning("dingtalk-stream: sessionWebhook refused the reply (%s), using the group robot", answer)
    except (httpx.HTTPError, ValueError) as exc:
        log.warning("dingtalk-stream: sessionWebhook unreachable (%s), using the group robot", exc)
    return False


def _settle(services: AppServices, incoming: IncomingMessage, outcome: Outcome, delivered: bool) -> None:
    now = services.clock.now()
    with services.session_factory.begin() as session:
        settle_replies(session, incoming, len(outcome.replies), now, delivered)
