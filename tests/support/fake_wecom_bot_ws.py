"""A fake WeCom 智能机器人 long-connection gateway on 127.0.0.1, speaking the aibot JSON frames.

Like WeCom's: the first frame must be `aibot_subscribe` with the right BotID and Secret (else
an error answer and the socket closed); every frame the client sends is answered on its req_id;
`aibot_respond_msg` is accepted once per pushed callback's req_id and refused for any other.
A callback not answered when its connection drops is pushed again, with a new req_id, to the
next connection. Tests wait on `until(...)`, never on time.
"""

from __future__ import annotations

import asyncio
import itertools
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from websockets.asyncio.server import Server, ServerConnection, serve
from websockets.exceptions import ConnectionClosed

BAD_CREDENTIALS = 853000  # what WeCom answers a wrong BotID or Secret
UNKNOWN_REQ_ID = 846605


@dataclass
class FakeWeComBotGateway:
    bot_id: str = "bot-1"
    secret: str = "bot-secret"
    answer_pings: bool = True
    drop_on_next_reply: bool = False  # close the socket on the next reply, as if it never arrived
    subscribes: int = 0
    pings: list[str] = field(default_factory=list)
    replies: list[dict[str, Any]] = field(default_factory=list)
    refused: list[dict[str, Any]] = field(default_factory=list)
    closed_connections: int = 0
    _pending: dict[str, dict[str, Any]] = field(default_factory=dict)  # req_id -> callback body
    _ws: ServerConnection | None = None
    _server: Server | None = None
    _changed: asyncio.Condition = field(default_factory=asyncio.Condition)
    _ids: itertools.count[int] = field(default_factory=itertools.count)

    @property
    def url(self) -> str:
        assert self._server is not None
        port = self._server.sockets[0].getsockname()[1]
        return f"ws://127.0.0.1:{port}/"

    async def __aenter__(self) -> FakeWeComBotGateway:
        self._server = await serve(self._serve, "127.0.0.1", 0)
        return self

    async def __aexit__(self, *_exc: object) -> None:
        assert self._server is not None
        self._server.close()
        await self._server.wait_closed()

    async def until(self, predicate: Callable[[], bool], timeout: float = 10.0) -> None:
        """Wait until the gateway's state satisfies `predicate` (a bound against hanging, not a pause)."""
        async with asyncio.timeout(timeout), self._changed:
            await self._changed.wait_for(predicate)

    async def _touch(self) -> None:
        async with self._changed:
            self._changed.notify_all()

    async def push(self, body: dict[str, Any]) -> str:
        """Push one message callback down the live connection; returns its req_id."""
        assert self._ws is not None, "no client connected"
        req_id = f"callback-{next(self._ids)}"
        self._pending[req_id] = body
        await self._ws.send(json.dumps({"cmd": "aibot_msg_callback", "headers": {"req_id": req_id}, "body": body}))
        return req_id

    async def push_event(self, event: dict[str, Any]) -> None:
        assert self._ws is not None, "no client connected"
        frame = {"cmd": "aibot_event_callback", "headers": {"req_id": f"event-{next(self._ids)}"}, "body": event}
        await self._ws.send(json.dumps(frame))

    async def send_raw(self, text: str) -> None:
        assert self._ws is not None, "no client connected"
        await self._ws.send(text)

    async def _serve(self, ws: ServerConnection) -> None:
        try:
            first = json.loads(await ws.recv())
            headers = {"req_id": first.get("headers", {}).get("req_id", "")}
            body = first.get("body") or {}
            if first.get("cmd") != "aibot_subscribe" or (body.get("bot_id"), body.get("secret")) != (
                self.bot_id,
                self.secret,
            ):
                await ws.send(json.dumps({"headers": headers, "errcode": BAD_CREDENTIALS, "errmsg": "invalid"}))
                await ws.close()
                return
            await ws.send(json.dumps({"headers": headers, "errcode": 0, "errmsg": "ok"}))
            self._ws = ws
            self.subscribes += 1
            await self._redeliver(ws)
            await self._touch()
            async for raw in ws:
                if not await self._on_frame(ws, json.loads(raw)):
                    break
        except ConnectionClosed:
            pass
        finally:
            if self._ws is ws:
                self._ws = None
            self.closed_connections += 1
            await self._touch()

    async def _redeliver(self, ws: ServerConnection) -> None:
        unanswered, self._pending = list(self._pending.values()), {}
        for body in unanswered:
            req_id = f"callback-{next(self._ids)}"
            self._pending[req_id] = body
            await ws.send(json.dumps({"cmd": "aibot_msg_callback", "headers": {"req_id": req_id}, "body": body}))

    async def _on_frame(self, ws: ServerConnection, frame: dict[str, Any]) -> bool:
        req_id = frame.get("headers", {}).get("req_id", "")
        if frame.get("cmd") == "ping":
            self.pings.append(req_id)
            if self.answer_pings:
                await ws.send(json.dumps({"headers": {"req_id": req_id}, "errcode": 0, "errmsg": "ok"}))
        elif frame.get("cmd") == "aibot_respond_msg":
            if self.drop_on_next_reply:
                self.drop_on_next_reply = False
                await ws.close()
                return False
            if req_id not in self._pending:
                self.refused.append(frame)
                answer = {"headers": {"req_id": req_id}, "errcode": UNKNOWN_REQ_ID, "errmsg": "unknown req_id"}
                await ws.send(json.dumps(answer))
            else:
                del self._pending[req_id]
                self.replies.append(frame)
                await ws.send(json.dumps({"headers": {"req_id": req_id}, "errcode": 0, "errmsg": "ok"}))
        await self._touch()
        return True

    async def drop(self) -> None:
        """Close the client's connection from the gateway's side."""
        if self._ws is not None:
            await self._ws.close()
