"""A fake DingTalk Stream gateway on 127.0.0.1, speaking the real protocol, inside the test's loop.

- POST /v1.0/gateway/connections/open checks clientId/clientSecret and the CALLBACK subscription
  and answers {endpoint, ticket}; a ticket opens one websocket, once.
- The websocket carries the real JSON frames; `push` sends one, `ack_for` awaits its answer.
- POST /robot/sendBySession?session=… is the messages' sessionWebhook: replies land in `replies`.
- The OpenAPI's interactive cards: POST /v1.0/oauth2/accessToken (appKey/appSecret → accessToken),
  POST /v1.0/im/v1.0/robot/interactiveCards/send (a StandardCard; the body is checked as DingTalk
  does and lands in `cards`), PUT /v1.0/im/robots/interactiveCards (lands in `card_updates`).
  `cards_allowed=False` answers 403 as for an app without the 互动卡片 permission.
- `push_card_click` sends a card callback frame as DingTalk does (topic /v1.0/card/instances/callback).

Everything is awaited on asyncio conditions: a test never sleeps to wait.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import secrets
from typing import Any
from urllib.parse import parse_qs, urlsplit

from websockets.asyncio.server import Server, ServerConnection, serve
from websockets.exceptions import ConnectionClosed

TOPIC = "/v1.0/im/bot/messages/get"
CARD_TOPIC = "/v1.0/card/instances/callback"


class FakeDingTalkStream:
    def __init__(self, client_id: str, client_secret: str, cards_allowed: bool = True) -> None:
        self.client_id = client_id
        self.client_secret = client_secret
        self.tickets: set[str] = set()
        self.refused_opens: list[dict[str, Any]] = []
        self.connections_opened = 0
        self.open_sockets = 0
        self.acks: dict[str, dict[str, Any]] = {}
        self.replies: list[dict[str, Any]] = []
        self.cards: list[dict[str, Any]] = []
        self.card_updates: list[dict[str, Any]] = []
        self.card_refusals: list[str] = []
        self.cards_allowed = cards_allowed
        self.subscriptions: list[dict[str, Any]] = []
        self._token = ""
        self.changed = asyncio.Condition()
        self._socket: ServerConnection | None = None
        self._ids = itertools.count(1)
        self._http: asyncio.Server | None = None
        self._ws: Server | None = None
        self.endpoint = ""
        self.ws_url = ""

    async def __aenter__(self) -> FakeDingTalkStream:
        self._http = await asyncio.start_server(self._serve_http, "127.0.0.1", 0)
        self._ws = await serve(self._serve_ws, "127.0.0.1", 0)
        self.endpoint = f"http://127.0.0.1:{self._http.sockets[0].getsockname()[1]}"
        self.ws_url = f"ws://127.0.0.1:{next(iter(self._ws.sockets)).getsockname()[1]}/connect"
        return self

    async def __aexit__(self, *_exc: object) -> None:
        assert self._http is not None and self._ws is not None
        self._ws.close()
        await self._ws.wait_closed()
        self._http.close()
        await self._http.wait_closed()

    def session_webhook(self, session: str) -> str:
        return f"{self.endpoint}/robot/sendBySession?session={session}"

    # --- what a test drives ----------------------------------------------------------------

    async def wait_for(self, predicate: Any) -> None:
        async with self.changed:
            await asyncio.wait_for(self.changed.wait_for(predicate), timeout=10)

    async def connected(self, count: int) -> None:
        """Wait until `count` websockets have been opened in all and one is open now."""
        await self.wait_for(lambda: self.connections_opened >= count and self._socket is not None)

    async def push(self, kind: str, topic: str, data: Any, message_id: str | None = None) -> str:
        """Send one frame as DingTalk does; returns its messageId."""
        assert self._socket is not None, "no client connected"
        message_id = message_id or f"frame-{next(self._ids)}"
        frame = {
            "specVersion": "1.0",
            "type": kind,
            "headers": {
                "appId": "app-1",
                "connectionId": "conn-1",
                "contentType": "application/json",
                "messageId": message_id,
                "time": "1700000000000",
                "topic": topic,
            },
            "data": data if isinstance(data, str) else json.dumps(data, ensure_ascii=False),
        }
        await self._socket.send(json.dumps(frame, ensure_ascii=False))
        return message_id

    async def push_bot_message(self, payload: dict[str, Any], message_id: str | None = None) -> str:
        return await self.push("CALLBACK", TOPIC, payload, message_id)

    async def push_card_click(
        self, card: dict[str, Any], button: str, user_id: str, message_id: str | None = None
    ) -> str:
        """`user_id` pressed the button labelled `button` on a card the bot sent (as DingTalk pushes it)."""
        assert {"type": "CALLBACK", "topic": CARD_TOPIC} in self.subscriptions, "card callbacks not subscribed"
        [pressed] = [b["id"] for b in card_buttons(card["card"]) if b["label"]["text"] == button]
        return await self.push_card_action(card["cardBizId"], pressed, user_id, message_id)

    async def push_card_action(self, card_id: str, button_id: str, user_id: str, message_id: str | None = None) -> str:
        content = json.dumps({"cardPrivateData": {"actionIds": [button_id], "params": {}}})
        data = {
            "extension": "{}",
            "corpId": "ding-corp",
            "spaceType": "IM_GROUP",
            "spaceId": "cid-demo",
            "userIdType": 1,
            "type": "actionCallback",
            "userId": user_id,
            "content": content,
            "value": content,
            "outTrackId": card_id,
        }
        return await self.push("CALLBACK", CARD_TOPIC, data, message_id)

    async def ack_for(self, message_id: str) -> dict[str, Any]:
        await self.wait_for(lambda: message_id in self.acks)
        return self.acks[message_id]

    async def drop(self) -> None:
        """The network drops the connection (no disconnect frame)."""
        assert self._socket is not None
        socket, self._socket = self._socket, None
        await socket.close(code=1011)

    # --- the gateway ---------------------------------------------------------------------------

    async def _notify(self) -> None:
        async with self.changed:
            self.changed.notify_all()

    async def _serve_ws(self, socket: ServerConnection) -> None:
        query = parse_qs(urlsplit(socket.request.path if socket.request else "").query)
        ticket = (query.get("ticket") or [""])[0]
        if ticket not in self.tickets:
            await socket.close(code=1008, reason="invalid ticket")
            return
        self.tickets.discard(ticket)
        self._socket = socket
        self.connections_opened += 1
        self.open_sockets += 1
        await self._notify()
        try:
            with contextlib.suppress(ConnectionClosed):  # a drop ends the loop like a close
                async for raw in socket:
                    answer = json.loads(raw)
                    self.acks[answer["headers"]["messageId"]] = answer
                    await self._notify()
        finally:
            self.open_sockets -= 1
            if self._socket is socket:
                self._socket = None
            await self._notify()

    async def _serve_http(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        request_line = (await reader.readline()).decode()
        headers: dict[str, str] = {}
        while (line := (await reader.readline()).decode().strip()) != "":
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
        body = await reader.readexactly(int(headers.get("content-length", "0")))
        method, target, _version = request_line.split(" ", 2)
        status, answer = self._route(method, target, headers, json.loads(body or b"{}"))
        payload = json.dumps(answer).encode()
        writer.write(
            f"HTTP/1.1 {status} X\r\nContent-Type: application/json\r\nContent-Length: {len(payload)}\r\n"
            "Connection: close\r\n\r\n".encode()
            + payload
        )
        await writer.drain()
        writer.close()
        await self._notify()

    def _route(self, method: str, target: str, headers: dict[str, str], body: dict[str, Any]) -> tuple[int, Any]:
        path = urlsplit(target)
        if path.path.startswith(("/v1.0/oauth2/", "/v1.0/im/")):
            return self._card_api(method, path.path, headers, body)
        if path.path == "/v1.0/gateway/connections/open":
            self.subscriptions = list(body.get("subscriptions", []))
            subscribed = {"type": "CALLBACK", "topic": TOPIC} in body.get("subscriptions", [])
            if body.get("clientId") != self.client_id or body.get("clientSecret") != self.client_secret:
                self.refused_opens.append(body)
                return 401, {"code": "Unauthorized", "message": "clientId or clientSecret is wrong"}
            if not subscribed:
                self.refused_opens.append(body)
                return 400, {"code": "InvalidSubscription", "message": "no subscriptions"}
            ticket = secrets.token_hex(8)
            self.tickets.add(ticket)
            return 200, {"endpoint": self.ws_url, "ticket": ticket}
        if path.path == "/robot/sendBySession":
            session = (parse_qs(path.query).get("session") or [""])[0]
            self.replies.append({"session": session, **body})
            return 200, {"errcode": 0, "errmsg": "ok"}
        return 404, {"errcode": 404, "errmsg": "not found"}

    def _card_api(self, method: str, path: str, headers: dict[str, str], body: dict[str, Any]) -> tuple[int, Any]:
        if path == "/v1.0/oauth2/accessToken" and method == "POST":
            if body.get("appKey") != self.client_id or body.get("appSecret") != self.client_secret:
                return 400, {"code": "invalidClientIdOrSecret", "message": "无效的clientId或者clientSecret"}
            self._token = secrets.token_hex(8)
            return 200, {"accessToken": self._token, "expireIn": 7200}
        if not self._token or headers.get("x-acs-dingtalk-access-token") != self._token:
            return 401, {"code": "InvalidAuthentication", "message": "不合法的access_token"}
        if not self.cards_allowed:
            return 403, {
                "code": "Forbidden.AccessDenied.AccessTokenPermissionDenied",
                "message": "没有调用该接口的权限",
            }
        problem = card_problem(body, sending=method == "POST")
        if problem is not None:
            self.card_refusals.append(problem)
            return 400, {"code": "InvalidParameter", "message": problem}
        card = json.loads(body["cardData"])
        if method == "POST" and path == "/v1.0/im/v1.0/robot/interactiveCards/send":
            self.cards.append(body | {"card": card})
            return 200, {"processQueryKey": f"pqk-{len(self.cards)}"}
        if method == "PUT" and path == "/v1.0/im/robots/interactiveCards":
            self.card_updates.append(body | {"card": card})
            return 200, {"success": True, "result": True}
        return 404, {"code": "NotFound", "message": path}


def card_buttons(card: dict[str, Any]) -> list[dict[str, Any]]:
    return [b for c in card.get("contents", []) if c.get("type") == "action" for b in c.get("actions", [])]


def card_problem(body: dict[str, Any], sending: bool) -> str | None:
    """What DingTalk would refuse: cardData a JSON string of a StandardCard whose request buttons
    have ids; for a send, the template, robot, card id and exactly one receiver."""
    if not isinstance(body.get("cardBizId"), str) or not body["cardBizId"]:
        return "cardBizId is required"
    try:
        card = json.loads(body.get("cardData") or "")
    except (TypeError, ValueError):
        return "cardData must be a JSON string"
    if not isinstance(card, dict) or not isinstance(card.get("contents"), list) or "header" not in card:
        return "cardData is not a card (header, contents)"
    for button in card_buttons(card):
        if button.get("actionType") != "request" or not button.get("id") or not button.get("label", {}).get("text"):
            return "a request button needs an id and a label"
    if not sending:
        return None
    if body.get("cardTemplateId") != "StandardCard" or not body.get("robotCode"):
        return "cardTemplateId StandardCard and robotCode are required"
    if ("openConversationId" in body) == ("singleChatReceiver" in body):
        return "exactly one of openConversationId and singleChatReceiver"
    ats = body.get("sendOptions", {}).get("atUserListJson")
    if ats is not None and not all("userId" in a for a in json.loads(ats)):
        return "atUserListJson entries need userId"
    return None
