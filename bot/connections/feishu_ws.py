"""Feishu 长连接 (event subscription over a websocket the bot dials): one connection per run_once.

Why not lark-oapi's `ws.Client`: it loops over reconnects itself, runs its own module-level
event loop, posts the endpoint request with blocking `requests`, and acknowledges an event
only after its dispatcher returns inside that loop, so it cannot be driven by our runner
(lease, backoff, stop) nor by a test. This module speaks the documented protocol instead and
uses the SDK only for what is the protocol: its generated protobuf class `pbbp2.Frame`
(imported lazily, the SDK package takes seconds to import).

The protocol, as lark-oapi implements it:
1. POST {domain}/callback/ws/endpoint {"AppID", "AppSecret"} -> {code, data: {URL, ClientConfig}}.
2. Websocket to URL (its query names device_id and service_id); frames are pbbp2.Frame.
3. method 0 = control (type ping / pong; a pong may carry a new ClientConfig), method 1 = data
   (type event / card; headers message_id, sum, seq, trace_id; payload = the event JSON, the
   same v2.0 body the HTTP callback gets). A payload in `sum` parts is reassembled first.
   Card clicks (`card.action.trigger`) come as type event too; lark-oapi drops type card.
4. A data frame is answered with the same frame whose payload is {"code": 200, ...}; a
   callback's answer (a click's toast and redrawn card) is JSON, base64-encoded, in `data`.

An event is answered only after the intake recorded it and its replies went out; until then
Feishu pushes it again, and the intake (keyed on message_id) and the reply API's `uuid`
(Feishu sends one reply per uuid an hour) keep a redelivered event answered once.
"""

from __future__ import annotations

import asyncio
import base64
import functools
import json
import logging
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
from sqlalchemy.orm import Session
from websockets.asyncio.client import ClientConnection, connect

from bot.adapters import feishu, feishu_cards
from bot.adapters.identity import PlatformMessage
from bot.app_services import AppServices
from bot.chat.cards import UNKNOWN_BUTTON
from bot.chat.intake import Effect
from bot.chat.messages import IncomingMessage, Outcome
from bot.connections import card_clicks
from bot.connections.feishu_replies import FeishuReplies
from bot.media import downloads

log = logging.getLogger(__name__)

CONTROL, DATA = 0, 1
FRAGMENT_TTL = timedelta(seconds=5)  # lark-oapi keeps parts 5 s
MAX_PENDING_FRAGMENTS = 64
MAX_EVENT_BYTES = 1024 * 1024


class FeishuWsError(RuntimeError):
    """The endpoint refused us (wrong app secret, no 长连接 subscription) or answered nonsense."""


@functools.cache
def frame_class() -> Any:
    from lark_oapi.ws.pb.pbbp2_pb2 import Frame

    return Frame


def headers_of(frame: Any) -> dict[str, str]:
    return {h.key: h.value for h in frame.headers}


class FeishuWs:
    """A LongConnection for Feishu; `services` gives the intake, the clock and the settings."""

    def __init__(self, services: AppServices, app_id: str, app_secret: str, domain: str) -> None:
        self.services = services
        self._app_id = app_id
        self._app_secret = app_secret
        self._domain = domain.rstrip("/")
        self._ping_seconds = 120.0
        self._parts: dict[str, tuple[datetime, list[bytes | None]]] = {}
        self.replies = FeishuReplies(services.clock, app_id, app_secret, self._domain, services.cfg)

    @property
    def name(self) -> str:
        return "feishu-ws"

    async def run_once(self, stop: asyncio.Event) -> None:
        await asyncio.to_thread(frame_class)  # the SDK's import takes seconds: not on the event loop
        url, service_id = await self._endpoint()
        async with connect(url, proxy=None, max_size=MAX_EVENT_BYTES, ping_interval=None) as ws:
            log.info("feishu-ws: connected (service %s)", service_id)
            tasks = {
                asyncio.create_task(self._read(ws)),
                asyncio.create_task(self._ping(ws, service_id)),
                asyncio.create_task(stop.wait()),
            }
            try:
                done, _ = await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
            finally:
                for task in tasks:
                    task.cancel()
                await asyncio.gather(*tasks, return_exceptions=True)
            for task in done:
                task.result()  # a read error ends this run with its reason; the runner reconnects

    async def _endpoint(self) -> tuple[str, int]:
        body = {"AppID": self._app_id, "AppSecret": self._app_secret}
        async with httpx.AsyncClient(timeout=10) as client:
            response = await client.post(f"{self._domain}/callback/ws/endpoint", json=body, headers={"locale": "zh"})
        try:
            data = response.json()
        except ValueError as exc:
            raise FeishuWsError(f"endpoint answered HTTP {response.status_code}, not JSON") from exc
        if response.status_code != 200 or data.get("code") != 0:
            raise FeishuWsError(
                f"endpoint refused: HTTP {response.status_code} code {data.get('code')}: {data.get('msg')}"
            )
        endpoint = data.get("data") or {}
        url = str(endpoint.get("URL") or "")
        query = parse_qs(urlsplit(url).query)
        if urlsplit(url).scheme not in ("ws", "wss") or not query.get("service_id", [""])[0].isdigit():
            raise FeishuWsError(f"endpoint gave no usable websocket URL: {url[:200]!r}")
        self._configure(endpoint.get("ClientConfig"))
        return url, int(query["service_id"][0])

    def _configure(self, config: Any) -> None:
        if isinstance(config, dict) and isinstance(config.get("PingInterval"), int) and config["PingInterval"] > 0:
            self._ping_seconds = float(config["PingInterval"])

    async def _ping(self, ws: ClientConnection, service_id: int) -> None:
        """A heartbeat timer (not a wait for a condition): Feishu drops a silent connection."""
        while True:
            frame = frame_class()(SeqID=0, LogID=0, service=service_id, method=CONTROL)
            frame.headers.add(key="type", value="ping")
            await ws.send(frame.SerializeToString())
            await asyncio.sleep(self._ping_seconds)

    async def _read(self, ws: ClientConnection) -> None:
        async for raw in ws:  # ends when the server closes; one frame at a time keeps the order
            if not isinstance(raw, bytes):
                log.warning("feishu-ws: ignored a text frame")
                continue
            frame = frame_class()()
            try:
                frame.ParseFromString(raw)
            except Exception:  # the SDK's vendored protobuf raises its own DecodeError
                log.warning("feishu-ws: ignored %d bytes that are not a pbbp2 frame", len(raw))
                continue
            answer = await self._frame(frame)
            if answer is not None:
                await ws.send(answer)

    async def _frame(self, frame: Any) -> bytes | None:
        """The bytes to send back, or None (control frames, a part of a split payload)."""
        headers = headers_of(frame)
        kind = headers.get("type", "")
        if frame.method == CONTROL:
            if kind == "pong" and frame.payload:
                try:
                    self._configure(json.loads(frame.payload))
                except ValueError:
                    log.warning("feishu-ws: pong carried a config that is not JSON")
            return None
        payload = self._assemble(headers, bytes(frame.payload))
        if payload is None:
            return None
        code, data = await self._event(payload) if kind == "event" else (200, None)
        # A callback's answer (a card click's toast and card) travels base64-encoded in `data`.
        encoded = base64.b64encode(json.dumps(data, ensure_ascii=False).encode()).decode() if data else None
        frame.payload = json.dumps({"code": code, "headers": {}, "data": encoded}).encode()
        return bytes(frame.SerializeToString())

    def _assemble(self, headers: dict[str, str], part: bytes) -> bytes | None:
        total, seq = int(headers.get("sum") or 1), int(headers.get("seq") or 0)
        if total <= 1:
            return part
        if not 0 <= seq < total <= 64:
            log.warning("feishu-ws: part %s of %s refused", seq, total)
            return None
        now = self.services.clock.now()
        self._parts = {k: v for k, v in self._parts.items() if now - v[0] < FRAGMENT_TTL}
        key = headers.get("message_id", "")
        if key not in self._parts and len(self._parts) >= MAX_PENDING_FRAGMENTS:
            log.warning("feishu-ws: too many split events pending; %s dropped (Feishu pushes it again)", key)
            return None
        _started, parts = self._parts.setdefault(key, (now, [None] * total))
        if len(parts) != total:
            return None
        parts[seq] = part
        if any(p is None for p in parts):
            return None
        del self._parts[key]
        return b"".join(p for p in parts if p is not None)

    async def _event(self, payload: bytes) -> tuple[int, dict[str, Any] | None]:
        """200 once the event is recorded and answered (or has nothing to read); 500: push it again.

        A card click (`card.action.trigger`, pushed as an event) is answered with its toast and card.
        """
        try:
            data = json.loads(payload)
            if not isinstance(data, dict):
                raise feishu.NotAMessage("event must be a JSON object")
            event = feishu.read_event(data, None)  # the connection is authenticated by the app secret
            if isinstance(event, feishu.Challenge):
                return 200, None
            if feishu_cards.is_click(event):
                return 200, await self._click(event)
            message = feishu.to_incoming(event, self.services.cfg)
        except (ValueError, PermissionError) as exc:
            log.warning("feishu-ws: event refused: %s", exc)
            return 400, None  # the same bytes will never read better
        if message is None:
            return 200, None  # a type with nothing to read: answered, so Feishu does not push it again
        try:
            outcome = await asyncio.to_thread(self.services.intake.handle, message.incoming, _effects(message))
        except Exception:
            log.exception("feishu-ws: intake failed for %s", message.incoming.msg_id)
            return 500, None
        if not await self.replies.send(message.incoming.msg_id, outcome):
            return 500, None  # recorded; the retry is answered from the record and replies with the same uuid
        if message.media:
            worker = downloads.worker(self.services.settings, self.services.session_factory, self.services.clock)
            asyncio.get_running_loop().run_in_executor(None, worker.run_once)
        return 200, None

    async def _click(self, event: dict[str, Any]) -> dict[str, Any]:
        """The toast and the card redrawn for the ticket's new state (Feishu waits 3 s for it)."""
        try:
            click = feishu_cards.read_click(event, self.services.cfg)
        except feishu.NotAMessage:
            return feishu_cards.click_answer(UNKNOWN_BUTTON, False, None)
        result = await card_clicks.run_click(self.services, click)
        if result is None:
            return feishu_cards.click_answer(UNKNOWN_BUTTON, False, None)
        view = result.view
        card = feishu_cards.card_json(view.text, view.card, view.title) if view is not None else None
        return feishu_cards.click_answer(result.text, result.done, card)


def _effects(message: PlatformMessage) -> Sequence[Effect]:
    if not message.media:
        return ()
    refs = message.media

    def queue_photos(session: Session, _msg: IncomingMessage, _outcome: Outcome, now: datetime) -> None:
        downloads.queue(session, now, refs)

    return (queue_photos,)


def build(services: AppServices) -> FeishuWs | None:
    """The Feishu connection when 长连接 mode is on (README "Feishu long connection"), else None."""
    settings = services.settings
    if not settings.feishu_ws_enabled() or settings.feishu_app_id is None or settings.feishu_app_secret is None:
        return None
    return FeishuWs(
        services, settings.feishu_app_id, settings.feishu_app_secret.get_secret_value(), settings.feishu_domain
    )
