"""The WeCom 智能机器人 长连接: the robot's messages come down a websocket the bot dials out.

Protocol as Tencent's `wecom-aibot-python-sdk` speaks it (JSON text frames, each with
`headers.req_id`): we send `aibot_subscribe` {bot_id, secret} and then `ping` on an interval;
WeCom pushes `aibot_msg_callback` (the body is the same JSON as the HTTP callback's decrypted
plaintext, so bot/adapters/wecom.py reads it) and `aibot_event_callback`; we answer a message
with `aibot_respond_msg` carrying the callback's own req_id. Every frame we send is answered
by one with the same req_id and an `errcode`.

Why the documented protocol and not the SDK: the SDK owns its reconnect loop and timers
(run forever, sleep between attempts), while the runner must own reconnects, backoff and the
lease, and tests must drive heartbeats without sleeping. The frames here are the SDK's.

The protocol has no separate acknowledgement of a pushed message: the answer is the reply,
sent only after the intake has recorded the message, and always as a finished stream (a form
the robot displays). A message redelivered after a drop is answered from the intake's record.
A reply with buttons is followed by a template card per ticket, and a click on one
(`aibot_event_callback`, event `template_card_event`) is answered by redrawing the card
(bot/connections/wecom_bot_cards.py, formats in bot/adapters/wecom_bot_cards.py).
"""

from __future__ import annotations

import asyncio
import json
import logging
import secrets
from collections.abc import Coroutine, Sequence
from datetime import datetime
from functools import partial
from typing import Any, Protocol

from anyio import CapacityLimiter, to_thread
from sqlalchemy.orm import Session
from websockets.asyncio.client import ClientConnection, connect

from bot.adapters import wecom, wecom_bot_cards
from bot.adapters.identity import MediaRef, PlatformMessage
from bot.app_services import AppServices
from bot.chat.intake import Effect
from bot.chat.messages import IncomingMessage, Outcome
from bot.connections.base import LongConnection
from bot.connections.wecom_bot_cards import WeComBotCards
from bot.media import downloads

log = logging.getLogger(__name__)

NAME = "wecom-bot-ws"
SUBSCRIBE, PING, CALLBACK, EVENT, RESPOND = (
    "aibot_subscribe",
    "ping",
    "aibot_msg_callback",
    "aibot_event_callback",
    "aibot_respond_msg",
)
HEARTBEAT_SECONDS = 30.0  # the SDK's interval
SUBSCRIBE_TIMEOUT_SECONDS = 10.0
MAX_FRAME_BYTES = 1024 * 1024


class SubscribeRefused(RuntimeError):
    """WeCom answered aibot_subscribe with an error (wrong BotID or Secret, robot not in 长连接 mode)."""


class HeartbeatLost(ConnectionError):
    """Pings went unanswered: the connection is half-open, so it is given up and redialled."""


class Pacer(Protocol):
    async def wait(self) -> None:
        """Return when the next heartbeat is due."""
        ...


class IntervalPacer:
    """A heartbeat every `seconds` (production); tests inject a pacer they release themselves."""

    def __init__(self, seconds: float = HEARTBEAT_SECONDS) -> None:
        self.seconds = seconds

    async def wait(self) -> None:
        await asyncio.sleep(self.seconds)


def _req_id(cmd: str) -> str:
    return f"{cmd}_{secrets.token_hex(8)}"


def _frame(cmd: str, req_id: str, body: dict[str, Any] | None = None) -> str:
    frame: dict[str, Any] = {"cmd": cmd, "headers": {"req_id": req_id}}
    if body is not None:
        frame["body"] = body
    return json.dumps(frame, ensure_ascii=False)


def _queue_photos(refs: Sequence[MediaRef]) -> Effect:
    def queue(session: Session, _msg: IncomingMessage, _outcome: Outcome, now: datetime) -> None:
        downloads.queue(session, now, refs)

    return queue


class WeComBotConnection:
    """One robot's long connection; `run_once` serves one websocket until it drops or `stop` is set."""

    def __init__(
        self,
        services: AppServices,
        bot_id: str,
        secret: str,
        url: str,
        pacer: Pacer | None = None,
    ) -> None:
        self.services = services
        self.bot_id = bot_id
        self._secret = secret
        self.url = url
        self.pacer = pacer or IntervalPacer()
        self._limiter: CapacityLimiter | None = None
        self._pings: set[str] = set()
        self.cards = WeComBotCards(services, secret) if services.settings.wecom_bot_ws_cards else None

    @property
    def name(self) -> str:
        return NAME

    async def run_once(self, stop: asyncio.Event) -> None:
        async with connect(self.url, ping_interval=None, max_size=MAX_FRAME_BYTES) as ws:
            await self._subscribe(ws)
            log.info("%s: subscribed as %s", NAME, self.bot_id)
            self._pings.clear()
            handlers: set[asyncio.Task[Any]] = set()
            tasks = [
                asyncio.create_task(self._read(ws, handlers)),
                asyncio.create_task(self._heartbeat(ws)),
                asyncio.create_task(stop.wait()),
            ]
            try:
                done, _ = await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
                # Replies already being written finish before the socket closes.
                if handlers:
                    await asyncio.gather(*handlers, return_exceptions=True)
                for task in done:
                    if not task.cancelled() and (error := task.exception()) is not None:
                        raise error
            finally:
                for task in tasks:
                    task.cancel()
                await asyncio.gather(*tasks, return_exceptions=True)

    async def _subscribe(self, ws: ClientConnection) -> None:
        req_id = _req_id(SUBSCRIBE)
        await ws.send(_frame(SUBSCRIBE, req_id, {"bot_id": self.bot_id, "secret": self._secret}))
        async with asyncio.timeout(SUBSCRIBE_TIMEOUT_SECONDS):
            while True:
                answer = _parse(await ws.recv())
                if answer is not None and (answer.get("headers") or {}).get("req_id") == req_id:
                    break
        if answer.get("errcode", 0) != 0:
            raise SubscribeRefused(f"aibot_subscribe refused: {answer.get('errcode')} {answer.get('errmsg', '')}")

    async def _heartbeat(self, ws: ClientConnection) -> None:
        while True:
            await self.pacer.wait()
            if len(self._pings) >= 2:
                raise HeartbeatLost(f"{len(self._pings)} pings unanswered")
            req_id = _req_id(PING)
            self._pings.add(req_id)
            await ws.send(_frame(PING, req_id))

    async def _read(self, ws: ClientConnection, handlers: set[asyncio.Task[Any]]) -> None:
        async for raw in ws:
            frame = _parse(raw)
            if frame is None:
                log.warning("%s: a frame that is not a JSON object was ignored", NAME)
                continue
            cmd, req_id = frame.get("cmd"), str((frame.get("headers") or {}).get("req_id") or "")
            if cmd == CALLBACK:
                self._spawn(handlers, self._answer(ws, req_id, frame.get("body")))
            elif cmd == EVENT:
                event = ((frame.get("body") or {}).get("event") or {}).get("eventtype")
                if event == wecom_bot_cards.CLICK_EVENT and self.cards is not None and req_id:
                    self._spawn(handlers, self.cards.click(partial(self._send, ws), req_id, frame.get("body")))
                elif event == "disconnected_event":
                    # Another connection subscribed as this robot; WeCom keeps only the newest.
                    log.warning("%s: WeCom closed this connection for a newer one", NAME)
                    return
            elif cmd is None:
                self._answered(req_id, frame)
            # Other pushes (types WeCom may add) need no answer.

    @staticmethod
    def _spawn(handlers: set[asyncio.Task[Any]], work: Coroutine[Any, Any, Any]) -> None:
        """Handle a push on its own task, so a slow database never holds up reading frames."""
        task = asyncio.create_task(work)
        handlers.add(task)

        def done(finished: asyncio.Task[Any]) -> None:
            handlers.discard(finished)
            if not finished.cancelled() and (error := finished.exception()) is not None:
                log.error("%s: handling a push failed", NAME, exc_info=error)

        task.add_done_callback(done)

    async def _send(self, ws: ClientConnection, cmd: str, req_id: str | None, body: dict[str, Any]) -> None:
        await ws.send(_frame(cmd, req_id or _req_id(cmd), body))

    def _answered(self, req_id: str, frame: dict[str, Any]) -> None:
        if req_id in self._pings:
            self._pings.discard(req_id)
        elif frame.get("errcode", 0) != 0:
            log.warning("%s: %s refused: %s %s", NAME, req_id, frame.get("errcode"), frame.get("errmsg", ""))

    async def _answer(self, ws: ClientConnection, req_id: str, body: Any) -> None:
        """Record the message, then reply on its req_id: a drop before the reply means WeCom redelivers."""
        if not isinstance(body, dict) or not req_id:
            log.warning("%s: a callback without a body or req_id was ignored", NAME)
            return
        try:
            message = wecom.to_incoming(json.dumps(body).encode(), "json", self.services.cfg)
        except wecom.NotAMessage as exc:
            log.warning("%s: callback %s ignored: %s", NAME, req_id, exc)
            return
        if message is None:
            return  # a type with nothing to read: no reply, nothing recorded
        try:
            outcome = await self._take_in(message)
        except Exception:  # the database is down, say: unanswered, so WeCom may push it again
            log.exception("%s: message %s not recorded; left unanswered", NAME, message.incoming.msg_id)
            return
        if outcome.replies:
            reply = wecom.stream_reply(outcome, self.services.cfg, f"gj-{message.incoming.msg_id}")
            await ws.send(_frame(RESPOND, req_id, reply))
            if self.cards is not None:
                await self.cards.push(partial(self._send, ws), body, message.incoming.msg_id, outcome)
        if message.media:
            worker = downloads.worker(self.services.settings, self.services.session_factory, self.services.clock)
            await to_thread.run_sync(worker.run_once)

    async def _take_in(self, message: PlatformMessage) -> Outcome:
        if self._limiter is None:  # created inside the running loop, like the HTTP intake's
            self._limiter = CapacityLimiter(self.services.settings.intake_threads)
        effects = (_queue_photos(message.media),) if message.media else ()
        handle = partial(self.services.intake.handle, message.incoming, effects)
        outcome: Outcome = await to_thread.run_sync(handle, limiter=self._limiter)
        return outcome


def _parse(raw: str | bytes) -> dict[str, Any] | None:
    try:
        data = json.loads(raw)
    except (UnicodeDecodeError, json.JSONDecodeError):
        return None
    return data if isinstance(data, dict) else None


def build(services: AppServices) -> LongConnection | None:
    """The robot's long connection when GUANJIA_WECOM_BOT_MODE is ws (the default once BotID and Secret are set)."""
    settings = services.settings
    if settings.wecom_bot_effective_mode() != "ws" or not settings.wecom_bot_id or settings.wecom_bot_secret is None:
        return None
    return WeComBotConnection(
        services, settings.wecom_bot_id, settings.wecom_bot_secret.get_secret_value(), settings.wecom_bot_ws_url
    )
