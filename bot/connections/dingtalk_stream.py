"""DingTalk Stream mode: the bot dials DingTalk, so no public callback address is needed.

The documented protocol, not the `dingtalk-stream` SDK: the SDK's client loops over reconnects
forever inside `start()` (our runner owns reconnects, backoff and the lease) and acknowledges a
callback from its own handler signature, which does not let us hold the ack until the intake has
committed. The protocol is small:

1. POST {endpoint}/v1.0/gateway/connections/open {clientId, clientSecret, subscriptions}
   → {endpoint, ticket};
2. websocket to `endpoint?ticket=…`; each frame is JSON
   {specVersion, type: SYSTEM|EVENT|CALLBACK, headers: {topic, messageId, …}, data: "<json>"};
3. every frame is answered {code: 200, headers: {contentType, messageId}, message: "OK", data}.
   SYSTEM `ping` echoes its data; SYSTEM `disconnect` ends the connection (the runner reconnects).

A robot message (CALLBACK `/v1.0/im/bot/messages/get`) carries the same JSON as the HTTP robot
callback, so bot/adapters/dingtalk.py translates it and it goes through the same intake. The ack
is sent only after the intake returned; a frame redelivered after a drop is answered from the
intake's record and sends no second reply. A card click (CALLBACK `/v1.0/card/instances/callback`)
runs the command it stands for (bot/connections/dingtalk_cards.py); its ack carries the card.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from functools import partial
from typing import Any
from urllib.parse import urlencode

import httpx
from sqlalchemy.orm import Session
from websockets.asyncio.client import ClientConnection, connect

from bot.adapters import dingtalk, dingtalk_cards
from bot.app_services import AppServices
from bot.chat.intake import Effect
from bot.chat.messages import IncomingMessage, Outcome
from bot.connections import dingtalk_replies
from bot.connections.dingtalk_cards import DingTalkCards
from bot.media import downloads

log = logging.getLogger(__name__)

BOT_MESSAGE_TOPIC = "/v1.0/im/bot/messages/get"
USER_AGENT = "guanjia/0.1 (dingtalk stream protocol)"


class GatewayRefused(RuntimeError):
    """The connection-ticket request failed: wrong app credentials or an unreachable gateway."""


def ack(headers: dict[str, Any], data: str) -> str:
    """The answer to one frame; DingTalk redelivers a CALLBACK that is not answered."""
    return json.dumps(
        {
            "code": 200,
            "headers": {"contentType": "application/json", "messageId": str(headers.get("messageId") or "")},
            "message": "OK",
            "data": data,
        },
        ensure_ascii=False,
    )


class DingTalkStream:
    """One Stream connection for the app whose key/secret are GUANJIA_DINGTALK_APP_KEY/_SECRET."""

    name = "dingtalk-stream"

    def __init__(self, services: AppServices, http: httpx.AsyncClient | None = None) -> None:
        self.services = services
        self._http = http
        self._background: set[asyncio.Task[object]] = set()
        key, secret = services.settings.dingtalk_app_key, services.settings.dingtalk_app_secret
        self.cards = DingTalkCards(services, key, secret.get_secret_value()) if key and secret else None

    async def _card_click(
        self, websocket: ClientConnection, http: httpx.AsyncClient, headers: dict[str, Any], data: Any
    ) -> None:
        """A card button pressed: run it as the clicker, then ack with the card redrawn.

        The frame's messageId is the click's id: a callback DingTalk pushes again keeps it, and
        the intake answers it from its record.
        """
        answer: dict[str, Any] | None = None
        try:
            payload = json.loads(data) if isinstance(data, str) else None
        except ValueError:
            payload = None
        frame_id = headers.get("messageId")
        if isinstance(payload, dict) and self.cards is not None and isinstance(frame_id, str) and frame_id:
            answer = await self.cards.click(http, payload, f"dingtalk-card:{frame_id}")
        if answer is None:
            log.warning("dingtalk-stream: a card callback without a clicker, acknowledged")
        await websocket.send(ack(headers, json.dumps(answer or {}, ensure_ascii=False)))

    async def open_ticket(self, http: httpx.AsyncClient) -> str:
        """The websocket address with its one-time ticket."""
        settings = self.services.settings
        if settings.dingtalk_app_key is None or settings.dingtalk_app_secret is None:
            raise GatewayRefused("GUANJIA_DINGTALK_APP_KEY and GUANJIA_DINGTALK_APP_SECRET are required")
        body = {
            "clientId": settings.dingtalk_app_key,
            "clientSecret": settings.dingtalk_app_secret.get_secret_value(),
            "subscriptions": [
                {"type": "CALLBACK", "topic": BOT_MESSAGE_TOPIC},
                {"type": "CALLBACK", "topic": dingtalk_cards.CALLBACK_TOPIC},
            ],
            "ua": USER_AGENT,
            "localIp": "",
        }
        response = await http.post(f"{settings.dingtalk_stream_endpoint}/v1.0/gateway/connections/open", json=body)
        if response.status_code != 200:
            raise GatewayRefused(f"connections/open answered {response.status_code}: {response.text[:200]}")
        answer = response.json()
        endpoint, ticket = answer.get("endpoint"), answer.get("ticket")
        if not isinstance(endpoint, str) or not isinstance(ticket, str) or not endpoint or not ticket:
            raise GatewayRefused("connections/open answered without endpoint and ticket")
        return f"{endpoint}{'&' if '?' in endpoint else '?'}{urlencode({'ticket': ticket})}"

    async def run_once(self, stop: asyncio.Event) -> None:
        async with contextlib.AsyncExitStack() as stack:
            http = self._http
            if http is None:
                http = await stack.enter_async_context(httpx.AsyncClient(timeout=10))
            url = await self.open_ticket(http)
            websocket = await stack.enter_async_context(connect(url, max_size=1024 * 1024))
            log.info("dingtalk-stream: connected")
            await self._serve(websocket, http, stop)

    async def _serve(self, websocket: ClientConnection, http: httpx.AsyncClient, stop: asyncio.Event) -> None:
        stopping = asyncio.create_task(stop.wait())
        try:
            while True:
                receiving = asyncio.create_task(websocket.recv())
                done, _pending = await asyncio.wait({receiving, stopping}, return_when=asyncio.FIRST_COMPLETED)
                if receiving not in done:
                    receiving.cancel()
                    return  # stop: the context manager closes the websocket
                raw = receiving.result()  # ConnectionClosed propagates: the runner reconnects
                if await self._frame(websocket, http, raw) == "disconnect":
                    return
        finally:
            stopping.cancel()

    async def _frame(self, websocket: ClientConnection, http: httpx.AsyncClient, raw: str | bytes) -> str | None:
        try:
            frame = json.loads(raw)
            headers = frame.get("headers") or {}
            kind, topic = frame.get("type"), headers.get("topic")
        except (ValueError, AttributeError):
            log.warning("dingtalk-stream: a frame that is not a JSON object, ignored")
            return None
        if kind == "SYSTEM" and topic == "disconnect":
            log.info("dingtalk-stream: the gateway asks us to reconnect")
            return "disconnect"
        if kind == "SYSTEM":  # ping: echo its data
            await websocket.send(ack(headers, str(frame.get("data") or "")))
            return None
        if kind == "CALLBACK" and topic == BOT_MESSAGE_TOPIC:
            await self._bot_message(websocket, http, headers, frame.get("data"))
            return None
        if kind == "CALLBACK" and topic == dingtalk_cards.CALLBACK_TOPIC:
            await self._card_click(websocket, http, headers, frame.get("data"))
            return None
        log.info("dingtalk-stream: %s frame on %r acknowledged and ignored", kind, topic)
        await websocket.send(ack(headers, json.dumps({"status": "SUCCESS", "message": "ignored"})))
        return None

    async def _bot_message(
        self, websocket: ClientConnection, http: httpx.AsyncClient, headers: dict[str, Any], data: Any
    ) -> None:
        services = self.services
        try:
            payload = json.loads(data) if isinstance(data, str) else None
            if not isinstance(payload, dict):
                raise dingtalk.NotAMessage("data must be a JSON object")
            message = dingtalk.to_incoming(payload, services.cfg)
        except (ValueError, dingtalk.NotAMessage) as exc:
            # Not readable now, not readable on redelivery either: acknowledged, logged, dropped.
            log.warning("dingtalk-stream: unreadable robot message (%s), acknowledged", exc)
            await websocket.send(ack(headers, json.dumps({"response": None})))
            return
        if message is None:  # a type with nothing to read
            await websocket.send(ack(headers, json.dumps({"response": None})))
            return
        first: list[bool] = []
        effects: list[Effect] = [_mark_first(first), dingtalk_replies.keep_for_group_robot]
        if message.media:
            refs = message.media
            effects.append(lambda session, _m, _o, now: downloads.queue(session, now, refs))
        outcome = await asyncio.to_thread(partial(services.intake.handle, message.incoming, tuple(effects)))
        await websocket.send(ack(headers, json.dumps({"response": None})))  # recorded: now DingTalk may forget it
        if message.media:  # fetched beside the connection (the scheduler's worker retries what fails)
            worker = downloads.worker(services.settings, services.session_factory, services.clock)
            task = asyncio.create_task(asyncio.to_thread(worker.run_once))
            self._background.add(task)
            task.add_done_callback(self._background.discard)
        if first:  # a redelivered frame was answered the first time
            await dingtalk_replies.deliver(services, http, payload, message.incoming, outcome, self.cards)


def _mark_first(first: list[bool]) -> Effect:
    """Runs only in the transaction that records the message, never for a redelivery."""

    def mark(_session: Session, _incoming: IncomingMessage, _outcome: Outcome, _now: Any) -> None:
        first.append(True)

    return mark
