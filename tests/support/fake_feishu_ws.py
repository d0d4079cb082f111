"""A fake Feishu on 127.0.0.1 for the 长连接 mode: endpoint, websocket of pbbp2 frames, reply API.

It speaks what lark-oapi's ws client speaks (the endpoint POST, protobuf frames built with the
SDK's own `pbbp2_pb2.Frame`, ping/pong with a ClientConfig, split payloads) and what the open
API answers (tenant_access_token, message reply with `uuid` de-duplication, as Feishu does).
Tests wait on its asyncio conditions, never on time.
"""

from __future__ import annotations

import asyncio
import json
import re
import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from websockets.asyncio.server import ServerConnection, serve

from bot.connections.feishu_ws import frame_class, headers_of

APP_ID, APP_SECRET, TOKEN = "cli_test", "app-secret", "t-tenant-token"
SERVICE_ID = 7


@dataclass
class FakeFeishu:
    base: str = ""
    ws_url: str = ""
    replies: list[dict[str, Any]] = field(default_factory=list)  # accepted (one per uuid)
    refused: list[str] = field(default_factory=list)  # why a reply's content was refused
    reply_calls: int = 0
    pings: int = 0
    connections: int = 0
    acks: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _changed: asyncio.Condition = field(default_factory=asyncio.Condition)
    _current: ServerConnection | None = None
    _log_id: int = 0

    # --- what a test does --------------------------------------------------------------

    async def wait_for(self, what: str, count: int) -> None:
        async with self._changed:
            await self._changed.wait_for(lambda: getattr(self, what) >= count)

    async def push(self, event: dict[str, Any], *, parts: int = 1, kind: str = "event", lose_ack: bool = False) -> Any:
        """Send one data frame (or `parts` frames) and return the client's answer once it comes.

        lose_ack: the answer is lost on the way and the connection drops, so Feishu pushes again.
        """
        message_id = f"frame-{self._log_id + 1}"
        payload = json.dumps(event, ensure_ascii=False).encode()
        size = -(-len(payload) // parts)
        before = len(self.acks.get(message_id, []))
        assert self._current is not None, "no client connected"
        for seq in range(parts):
            self._log_id += 1
            frame = frame_class()(SeqID=self._log_id, LogID=self._log_id, service=SERVICE_ID, method=1)
            for key, value in (("type", kind), ("message_id", message_id), ("sum", str(parts)), ("seq", str(seq))):
                frame.headers.add(key=key, value=value)
            frame.headers.add(key="trace_id", value=f"trace-{message_id}")
            frame.payload = payload[seq * size : (seq + 1) * size]
            await self._current.send(frame.SerializeToString())
        async with self._changed:
            await self._changed.wait_for(lambda: len(self.acks.get(message_id, [])) > before)
        if lose_ack:
            await self._current.close()
            return None
        return self.acks[message_id][-1]

    async def send_raw(self, data: bytes | str) -> None:
        """Bytes that are not a well-formed event: what a broken or hostile peer could send."""
        assert self._current is not None, "no client connected"
        await self._current.send(data)

    async def drop(self) -> None:
        if self._current is not None:
            await self._current.close()

    # --- the websocket ----------------------------------------------------------------

    async def _serve(self, ws: ServerConnection) -> None:
        query = ws.request.path.split("?", 1)[-1] if ws.request else ""
        if f"service_id={SERVICE_ID}" not in query or "device_id=" not in query:
            await ws.close(4003, "bad query")
            return
        self._current = ws
        await self._bump("connections")
        async for raw in ws:
            frame = frame_class()()
            frame.ParseFromString(raw)
            headers = headers_of(frame)
            if frame.method == 0 and headers.get("type") == "ping":
                pong = frame_class()(SeqID=0, LogID=0, service=SERVICE_ID, method=0)
                pong.headers.add(key="type", value="pong")
                pong.payload = json.dumps({"PingInterval": 60}).encode()
                await ws.send(pong.SerializeToString())
                await self._bump("pings")
            elif frame.method == 1:
                async with self._changed:
                    self.acks.setdefault(headers["message_id"], []).append(json.loads(frame.payload))
                    self._changed.notify_all()

    async def _bump(self, what: str) -> None:
        async with self._changed:
            setattr(self, what, getattr(self, what) + 1)
            self._changed.notify_all()

    # --- the HTTP API (a thread; the client calls it with httpx) ------------------------

    def handle_http(self, path: str, body: dict[str, Any], auth: str | None) -> tuple[int, dict[str, Any]]:
        if path == "/callback/ws/endpoint":
            if body.get("AppID") != APP_ID or body.get("AppSecret") != APP_SECRET:
                return 200, {"code": 1000040344, "msg": "invalid app credentials"}
            config = {"ReconnectCount": -1, "ReconnectInterval": 120, "ReconnectNonce": 30, "PingInterval": 120}
            url = f"{self.ws_url}/ws?device_id=dev-1&service_id={SERVICE_ID}"
            return 200, {"code": 0, "msg": "ok", "data": {"URL": url, "ClientConfig": config}}
        if path == "/open-apis/auth/v3/tenant_access_token/internal":
            if body.get("app_id") != APP_ID or body.get("app_secret") != APP_SECRET:
                return 200, {"code": 10014, "msg": "app secret invalid"}
            return 200, {"code": 0, "msg": "ok", "tenant_access_token": TOKEN, "expire": 7200}
        found = re.fullmatch(r"/open-apis/im/v1/messages/([^/]+)/reply", path)
        if found:
            if auth != f"Bearer {TOKEN}":
                return 401, {"code": 99991663, "msg": "Invalid access token"}
            problem = content_problem(body)
            if problem is not None:
                with self._lock:
                    self.refused.append(problem)
                return 400, {"code": 230001, "msg": f"Your request contains an invalid request parameter: {problem}"}
            with self._lock:
                self.reply_calls += 1
                if all(r["uuid"] != body.get("uuid") for r in self.replies) or not body.get("uuid"):
                    self.replies.append(body | {"message_id": found.group(1)})
            return 200, {"code": 0, "msg": "success", "data": {"message_id": f"om_reply_{len(self.replies)}"}}
        return 404, {"code": 404, "msg": "not found"}


def content_problem(body: dict[str, Any]) -> str | None:
    """What Feishu's message API would refuse in a reply body: `content` is a JSON *string*; for
    `text` an object with `text`, for `interactive` a card with `elements` whose `action` rows hold
    buttons, each with a text and a value."""
    content = body.get("content")
    if not isinstance(content, str):
        return "content must be a string"
    try:
        data = json.loads(content)
    except ValueError:
        return "content is not JSON"
    if body.get("msg_type") == "text":
        return None if isinstance(data, dict) and isinstance(data.get("text"), str) else "text content needs text"
    if body.get("msg_type") != "interactive":
        return f"msg_type {body.get('msg_type')!r} not supported here"
    if not isinstance(data, dict) or not isinstance(data.get("elements"), list) or not data["elements"]:
        return "card needs elements"
    for element in data["elements"]:
        if element.get("tag") == "action":
            for button in element.get("actions") or [None]:
                if not isinstance(button, dict) or button.get("tag") != "button":
                    return "action row holds a non-button"
                if not (button.get("text") or {}).get("content") or not isinstance(button.get("value"), dict):
                    return "button needs text.content and a value object"
        elif element.get("tag") not in ("div", "hr", "note", "markdown"):
            return f"unknown card element {element.get('tag')!r}"
    return None


def card_buttons(card: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    """(label, value) of every button on a card."""
    rows = [e for e in card.get("elements", []) if e.get("tag") == "action"]
    return [(b["text"]["content"], b["value"]) for row in rows for b in row["actions"]]


def click_event(event_id: str, ticket: Any, action: str, open_id: str) -> dict[str, Any]:
    """A card.action.trigger as the long connection pushes it (no verification token over ws)."""
    return {
        "schema": "2.0",
        "header": {"event_id": event_id, "event_type": "card.action.trigger", "create_time": "1700000000000"},
        "event": {
            "operator": {"open_id": open_id, "user_id": f"u-{open_id}"},
            "token": "c-update-token",
            "action": {"tag": "button", "value": {"ticket": ticket, "action": action}},
            "host": "im_message",
            "context": {"open_message_id": "om_reply_1", "open_chat_id": "oc_demo"},
        },
    }


def _http_handler(fake: FakeFeishu) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = json.loads(self.rfile.read(length) or b"{}")
            status, answer = fake.handle_http(self.path.split("?")[0], body, self.headers.get("Authorization"))
            data = json.dumps(answer).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json; charset=utf-8")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *_args: Any) -> None:
            pass

    return Handler


@asynccontextmanager
async def fake_feishu() -> AsyncIterator[FakeFeishu]:
    fake = FakeFeishu()
    http = ThreadingHTTPServer(("127.0.0.1", 0), _http_handler(fake))
    thread = threading.Thread(target=http.serve_forever, daemon=True)
    thread.start()
    fake.base = f"http://127.0.0.1:{http.server_address[1]}"
    try:
        async with serve(fake._serve, "127.0.0.1", 0) as server:
            port = next(iter(server.sockets)).getsockname()[1]
            fake.ws_url = f"ws://127.0.0.1:{port}"
            yield fake
    finally:
        http.shutdown()
        http.server_close()
