"""Fake DingTalk, WeCom and Feishu robot servers on 127.0.0.1 that enforce the sending side's rules.

Each checks what the real robot checks — signature and its freshness, message formats and
size limits, 20 messages a minute per robot — and answers with the real error codes. Time
comes from the injected clock, so a test moves the minute along instead of sleeping.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

from bot.core.clock import Clock


@dataclass
class Robot:
    secret: str | None = None
    per_minute: int = 20
    keyword: str | None = None
    received: list[dict[str, Any]] = field(default_factory=list)
    sent_at: list[datetime] = field(default_factory=list)
    refused: list[tuple[int, str]] = field(default_factory=list)


class FakePlatforms:
    """Robots by (platform, token): /dingtalk/robot/send?access_token=T, /wecom/webhook/send?key=T,
    /feishu/open-apis/bot/v2/hook/T."""

    def __init__(self, clock: Clock) -> None:
        self.clock = clock
        self.robots: dict[tuple[str, str], Robot] = {}
        self.base = ""

    def add(self, platform: str, token: str, **options: Any) -> str:
        self.robots[(platform, token)] = Robot(**options)
        paths = {
            "dingtalk": f"/dingtalk/robot/send?access_token={token}",
            "wecom": f"/wecom/webhook/send?key={token}",
            "feishu": f"/feishu/open-apis/bot/v2/hook/{token}",
        }
        return self.base + paths[platform]

    def robot(self, platform: str, token: str) -> Robot:
        return self.robots[(platform, token)]

    # --- the rules ---------------------------------------------------------------------

    def _rate_limited(self, robot: Robot, now: datetime) -> bool:
        recent = [t for t in robot.sent_at if t > now - timedelta(seconds=60)]
        return len(recent) >= robot.per_minute

    def dingtalk(self, token: str, query: dict[str, str], body: dict[str, Any]) -> dict[str, Any]:
        robot = self.robots.get(("dingtalk", token))
        if robot is None:
            return {"errcode": 300001, "errmsg": "token is not exist"}
        now = self.clock.now()
        if robot.secret is not None:
            ts, sign = query.get("timestamp", ""), query.get("sign", "")
            expected = base64.b64encode(
                hmac.new(robot.secret.encode(), f"{ts}\n{robot.secret}".encode(), hashlib.sha256).digest()
            ).decode()
            fresh = ts.isdigit() and abs(now.timestamp() * 1000 - int(ts)) <= 3600 * 1000
            if not fresh or not hmac.compare_digest(sign, expected):
                return self._refuse(robot, 310000, "sign not match")
        text = json.dumps(body, ensure_ascii=False)
        if body.get("msgtype") not in ("text", "markdown"):
            return self._refuse(robot, 40035, "unsupported msgtype")
        if robot.keyword and robot.keyword not in text:
            return self._refuse(robot, 310000, "keywords not in content")
        if self._rate_limited(robot, now):
            return self._refuse(robot, 410100, "send too fast, exceed 20 times per minute")
        return self._accept(robot, now, body, {"errcode": 0, "errmsg": "ok"})

    def wecom(self, token: str, body: dict[str, Any]) -> dict[str, Any]:
        robot = self.robots.get(("wecom", token))
        if robot is None:
            return {"errcode": 93000, "errmsg": "invalid webhook url"}
        now = self.clock.now()
        kind = body.get("msgtype")
        if kind == "text":
            if len(str(body["text"].get("content", "")).encode()) > 2048:
                return self._refuse(robot, 40058, "content exceed max length 2048")
        elif kind == "markdown":
            if len(str(body["markdown"].get("content", "")).encode()) > 4096:
                return self._refuse(robot, 40058, "markdown.content exceed max length 4096")
        elif kind == "image":
            data = base64.b64decode(body["image"]["base64"])
            if len(data) > 2 * 1024 * 1024:
                return self._refuse(robot, 40009, "invalid image size")
            if hashlib.md5(data).hexdigest() != body["image"].get("md5"):
                return self._refuse(robot, 301019, "media md5 not match")
        else:
            return self._refuse(robot, 40008, "invalid message type")
        if self._rate_limited(robot, now):
            return self._refuse(robot, 45009, "api freq out of limit")
        return self._accept(robot, now, body, {"errcode": 0, "errmsg": "ok"})

    def feishu(self, token: str, body: dict[str, Any]) -> dict[str, Any]:
        robot = self.robots.get(("feishu", token))
        if robot is None:
            return {"code": 19001, "msg": "param invalid: incoming webhook access token invalid"}
        now = self.clock.now()
        if robot.secret is not None:
            ts, sign = str(body.get("timestamp", "")), str(body.get("sign", ""))
            key = f"{ts}\n{robot.secret}".encode()
            expected = base64.b64encode(hmac.new(key, b"", hashlib.sha256).digest()).decode()
            fresh = ts.isdigit() and abs(now.timestamp() - int(ts)) <= 3600
            if not fresh or not hmac.compare_digest(sign, expected):
                return self._refuse(
                    robot, 19021, "sign match fail or timestamp is not within one hour from current time"
                )
        if body.get("msg_type") not in ("text", "post", "interactive", "image"):
            return self._refuse(robot, 9499, "Bad Request")
        if self._rate_limited(robot, now):
            return self._refuse(robot, 11232, "frequency limited")
        return self._accept(robot, now, body, {"code": 0, "msg": "success", "data": {}})

    @staticmethod
    def _refuse(robot: Robot, code: int, message: str) -> dict[str, Any]:
        robot.refused.append((code, message))
        key = "errcode" if code not in (19001, 19021, 9499, 11232) else "code"
        return {key: code, ("errmsg" if key == "errcode" else "msg"): message}

    @staticmethod
    def _accept(robot: Robot, now: datetime, body: dict[str, Any], answer: dict[str, Any]) -> dict[str, Any]:
        robot.received.append(body)
        robot.sent_at.append(now)
        return answer


def _handler(fake: FakePlatforms) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            parts = urlsplit(self.path)
            query = {k: v[0] for k, v in parse_qs(parts.query).items()}
            length = int(self.headers.get("content-length", "0"))
            body = json.loads(self.rfile.read(length) or b"{}")
            if parts.path == "/dingtalk/robot/send":
                answer = fake.dingtalk(query.get("access_token", ""), query, body)
            elif parts.path == "/wecom/webhook/send":
                answer = fake.wecom(query.get("key", ""), body)
            elif parts.path.startswith("/feishu/open-apis/bot/v2/hook/"):
                answer = fake.feishu(parts.path.rsplit("/", 1)[1], body)
            else:
                self.send_error(404)
                return
            data = json.dumps(answer).encode()
            self.send_response(200)  # the robots answer errors with 200 and an error code
            self.send_header("content-type", "application/json")
            self.send_header("content-length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    return Handler


@contextmanager
def running(clock: Clock) -> Iterator[FakePlatforms]:
    fake = FakePlatforms(clock)
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(fake))
    fake.base = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield fake
    finally:
        server.shutdown()
        server.server_close()
        thread.join()
