"""A fake WeCom 智能机器人 long-connection gateway on 127.0.0.1, speaking the aibot JSON frames.

Like WeCom's: the first frame must be `aibot_subscribe` with the right BotID and Secret (else
an error answer and the socket closed); every frame the client sends is answered on its req_id;
`aibot_respond_msg` is accepted once per pushed callback's req_id and refused for any other.
A callback not answered when its connection drops is pushed again, with a new req_id, to the
next connection. Tests wait on `until(...)`, never on time.

Template cards are checked as WeCom documents them (模板卡片类型, path/101031): an
`aibot_send_msg` card needs a chat that has messaged the robot, chat_type 1 or 2, and a valid
`button_interaction` card whose task_id is new for the robot; a pushed `template_card_event`
is answered once, on its req_id, by `aibot_respond_update_msg` with the same task_id (any other
command on that req_id is refused, as WeCom answers 846605).
"""

from __future__ import annotations

import asyncio
import itertools
import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from websockets.asyncio.server import Server, ServerConnection, serve
from websockets.exceptions import ConnectionClosed

BAD_CREDENTIALS = 853000  # what WeCom answers a wrong BotID or Secret
UNKNOWN_REQ_ID = 846605
INVALID_CARD = 40058  # the fake's answer to a card WeCom's rules refuse (WeCom's "invalid parameter")
_TASK_ID = re.compile(r"[A-Za-z0-9_\-@]{1,128}")


def card_problems(card: Any) -> list[str]:
    """What WeCom's rules for a `button_interaction` template card find wrong with `card`."""
    if not isinstance(card, dict):
        return ["template_card is not an object"]
    problems = []
    if card.get("card_type") != "button_interaction":
        problems.append("card_type must be button_interaction")
    title = (card.get("main_title") or {}).get("title") if isinstance(card.get("main_title"), dict) else None
    if not title and not card.get("sub_title_text"):
        problems.append("main_title.title or sub_title_text is required")
    if not isinstance(card.get("task_id"), str) or not _TASK_ID.fullmatch(card["task_id"]):
        problems.append("task_id: 1-128 of [A-Za-z0-9_-@]")
    buttons = card.get("button_list")
    if not isinstance(buttons, list) or not 1 <= len(buttons) <= 6:
        return [*problems, "button_list: 1 to 6 buttons"]
    keys = [b.get("key") if isinstance(b, dict) else None for b in buttons]
    if any(not isinstance(k, str) or not k or len(k.encode()) > 1024 for k in keys) or len(set(keys)) != len(keys):
        problems.append("button keys: unique, 1-1024 bytes")
    if any(not isinstance(b, dict) or not b.get("text") or b.get("style", 1) not in (1, 2, 3, 4) for b in buttons):
        problems.append("buttons need text and a style of 1-4")
    return problems


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
    cards: list[dict[str, Any]] = field(default_factory=list)  # aibot_send_msg bodies accepted
    updates: list[dict[str, Any]] = field(default_factory=list)  # aibot_respond_update_msg frames accepted
    _pending: dict[str, dict[str, Any]] = field(default_factory=dict)  # req_id -> callback body
    _clicks: dict[str, str] = field(default_factory=dict)  # unanswered click req_id -> its task_id
    _task_ids: set[str] = field(default_factory=set)
    _chats: set[str] = field(default_factory=set)  # chats that have messaged the robot
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
        self._chats.add(
            body.get("chatid") if body.get("chattype") == "group" else (body.get("from") or {}).get("userid")
        )
        await self._ws.send(json.dumps({"cmd": "aibot_msg_callback", "headers": {"req_id": req_id}, "body": body}))
        return req_id

    async def push_click(
        self, task_id: str, key: str, user: str, msg_id: str | None = None, chat_id: str = "wr-demo"
    ) -> str:
        """Push a `template_card_event` for a click on button `key` of card `task_id`; returns its req_id.
        The same `msg_id` twice is WeCom delivering one click again."""
        assert self._ws is not None, "no client connected"
        req_id = f"event-{next(self._ids)}"
        self._clicks[req_id] = task_id
        body = {
            "msgid": msg_id or f"click-{req_id}",
            "create_time": 1700000000,
            "aibotid": self.bot_id,
            "chatid": chat_id,
            "chattype": "group",
            "from": {"userid": user},
            "msgtype": "event",
            "event": {
                "eventtype": "template_card_event",
                "template_card_event": {"card_type": "button_interaction", "event_key": key, "task_id": task_id},
            },
        }
        await self._ws.send(json.dumps({"cmd": "aibot_event_callback", "headers": {"req_id": req_id}, "body": body}))
        return req_id

    def update_for(self, req_id: str) -> dict[str, Any]:
        """The accepted aibot_respond_update_msg body answering click `req_id`."""
        [found] = [u["body"] for u in self.updates if u["headers"]["req_id"] == req_id]
        return found

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
        elif frame.get("cmd") == "aibot_send_msg":
            await self._answer(ws, frame, self._send_problems(frame.get("body")), self.cards)
        elif frame.get("cmd") == "aibot_respond_update_msg":
            task = self._clicks.pop(req_id, None)
            if task is None:
                self.refused.append(frame)
                answer = {"headers": {"req_id": req_id}, "errcode": UNKNOWN_REQ_ID, "errmsg": "unknown req_id"}
                await ws.send(json.dumps(answer))
            else:
                await self._answer(ws, frame, self._update_problems(frame.get("body"), task), self.updates)
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

    def _send_problems(self, body: Any) -> list[str]:
        if not isinstance(body, dict) or body.get("msgtype") != "template_card":
            return ["the fake takes template cards only"]
        problems = card_problems(body.get("template_card"))
        if body.get("chat_type") not in (1, 2) or body.get("chatid") not in self._chats:
            problems.append("chatid must be a chat that has messaged the robot; chat_type 1 or 2")
        task = (body.get("template_card") or {}).get("task_id")
        if not problems and task in self._task_ids:
            problems.append(f"task_id {task} already used")
        if not problems:
            self._task_ids.add(task)
        return problems

    @staticmethod
    def _update_problems(body: Any, task: str) -> list[str]:
        if not isinstance(body, dict) or body.get("response_type") != "update_template_card":
            return ["response_type must be update_template_card"]
        problems = card_problems(body.get("template_card"))
        if (body.get("template_card") or {}).get("task_id") != task:
            problems.append("task_id must be the clicked card's")
        userids = body.get("userids", [])
        if not isinstance(userids, list) or not all(isinstance(u, str) and u for u in userids):
            problems.append("userids: a list of userids")
        return problems

    async def _answer(
        self, ws: ServerConnection, frame: dict[str, Any], problems: list[str], accepted: list[dict[str, Any]]
    ) -> None:
        headers = {"req_id": frame.get("headers", {}).get("req_id", "")}
        if problems:
            self.refused.append(frame | {"problems": problems})
            await ws.send(json.dumps({"headers": headers, "errcode": INVALID_CARD, "errmsg": "; ".join(problems)}))
        else:
            accepted.append(frame["body"] if frame["cmd"] == "aibot_send_msg" else frame)
            await ws.send(json.dumps({"headers": headers, "errcode": 0, "errmsg": "ok"}))

    async def drop(self) -> None:
        """Close the client's connection from the gateway's side."""
        if self._ws is not None:
            await self._ws.close()
