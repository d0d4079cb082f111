"""Fake DingTalk, WeCom and Feishu *media* APIs on 127.0.0.1, enforcing the real rules.

Each hands out a token only for the right app credentials and a file only for that token and
a media id it knows, with the platform's own error shapes: DingTalk a JSON error and HTTP 400,
WeCom `errcode` JSON with HTTP 200, Feishu `code` JSON. Extra routes play the attacker: a
384 MiB body sent lazily (counting what actually left), and a redirect to anywhere.
"""

from __future__ import annotations

import json
import secrets
import ssl
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

HUGE_BYTES = 384 * 1024 * 1024


@dataclass
class FakeMedia:
    ding_app: tuple[str, str] = ("ding-key", "ding-secret")
    wecom_app: tuple[str, str] = ("corp-1", "corp-secret")
    feishu_app: tuple[str, str] = ("cli_app", "feishu-app-secret")
    files: dict[str, tuple[bytes, str]] = field(default_factory=dict)  # name → (body, content type)
    ding_codes: dict[str, str] = field(default_factory=dict)  # downloadCode → download URL
    wecom_media: dict[str, str] = field(default_factory=dict)  # media_id → file name
    feishu_images: dict[tuple[str, str], str] = field(default_factory=dict)  # (message id, key) → file
    tokens: set[str] = field(default_factory=set)
    requests: list[str] = field(default_factory=list)
    huge_sent: int = 0
    base: str = ""

    def add_file(self, name: str, body: bytes, content_type: str = "image/jpeg") -> str:
        self.files[name] = (body, content_type)
        return f"{self.base}/files/{name}"

    def _token(self) -> str:
        token = secrets.token_hex(8)
        self.tokens.add(token)
        return token


def _handler(fake: FakeMedia) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def _answer(self, status: int, body: bytes, content_type: str) -> None:
            self.send_response(status)
            self.send_header("content-type", content_type)
            self.send_header("content-length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def _json(self, data: dict[str, Any], status: int = 200) -> None:
            self._answer(status, json.dumps(data).encode(), "application/json; charset=UTF-8")

        def _file(self, name: str) -> None:
            if name not in fake.files:
                self._json({"code": "notFound"}, 404)
                return
            body, content_type = fake.files[name]
            self._answer(200, body, content_type)

        def _huge(self) -> None:
            # No Content-Length: the client cannot refuse up front, only while reading.
            self.send_response(200)
            self.send_header("content-type", "image/png")
            self.end_headers()
            chunk = b"\x89PNG" + b"\0" * (1024 * 1024 - 4)
            try:
                while fake.huge_sent < HUGE_BYTES:
                    self.wfile.write(chunk)
                    fake.huge_sent += len(chunk)
            except (BrokenPipeError, ConnectionResetError):
                pass

        def do_GET(self) -> None:
            parts = urlsplit(self.path)
            query = {k: v[0] for k, v in parse_qs(parts.query).items()}
            fake.requests.append(f"GET {parts.path}")
            if parts.path.startswith("/files/"):
                self._file(parts.path.removeprefix("/files/"))
            elif parts.path == "/huge":
                self._huge()
            elif parts.path == "/redirect":
                self.send_response(302)
                self.send_header("location", query.get("to", "/"))
                self.send_header("content-length", "0")
                self.end_headers()
            elif parts.path == "/cgi-bin/gettoken":
                if (query.get("corpid"), query.get("corpsecret")) != fake.wecom_app:
                    self._json({"errcode": 40001, "errmsg": "invalid credential"})
                else:
                    self._json({"errcode": 0, "errmsg": "ok", "access_token": fake._token(), "expires_in": 7200})
            elif parts.path == "/cgi-bin/media/get":
                if query.get("access_token") not in fake.tokens:
                    self._json({"errcode": 40014, "errmsg": "invalid access_token"})
                elif query.get("media_id") not in fake.wecom_media:
                    self._json({"errcode": 40007, "errmsg": "invalid media_id"})
                else:
                    self._file(fake.wecom_media[query["media_id"]])
            elif parts.path.startswith("/open-apis/im/v1/messages/"):
                self._feishu_resource(parts.path, query)
            else:
                self._json({"code": "notFound"}, 404)

        def _feishu_resource(self, path: str, query: dict[str, str]) -> None:
            pieces = path.removeprefix("/open-apis/im/v1/messages/").split("/")
            auth = self.headers.get("authorization", "")
            if not auth.startswith("Bearer ") or auth.removeprefix("Bearer ") not in fake.tokens:
                self._json({"code": 99991663, "msg": "Invalid access token for authorization."}, 400)
            elif len(pieces) != 3 or pieces[1] != "resources" or query.get("type") != "image":
                self._json({"code": 234001, "msg": "Invalid request param."}, 400)
            elif (pieces[0], pieces[2]) not in fake.feishu_images:
                self._json({"code": 234003, "msg": "File not in msg."}, 400)
            else:
                self._file(fake.feishu_images[(pieces[0], pieces[2])])

        def do_POST(self) -> None:
            parts = urlsplit(self.path)
            fake.requests.append(f"POST {parts.path}")
            body = json.loads(self.rfile.read(int(self.headers.get("content-length", "0"))) or b"{}")
            if parts.path == "/v1.0/oauth2/accessToken":
                if (body.get("appKey"), body.get("appSecret")) != fake.ding_app:
                    self._json({"code": "invalidClientIdOrSecret", "message": "无效的clientId或者clientSecret"}, 400)
                else:
                    self._json({"accessToken": fake._token(), "expireIn": 7200})
            elif parts.path == "/v1.0/robot/messageFiles/download":
                if self.headers.get("x-acs-dingtalk-access-token") not in fake.tokens:
                    self._json({"code": "InvalidAuthentication", "message": "不合法的access_token"}, 401)
                elif body.get("robotCode") != fake.ding_app[0] or body.get("downloadCode") not in fake.ding_codes:
                    self._json({"code": "invalidParameter", "message": "downloadCode无效"}, 400)
                else:
                    self._json({"downloadUrl": fake.ding_codes[body["downloadCode"]]})
            elif parts.path == "/open-apis/auth/v3/tenant_access_token/internal":
                if (body.get("app_id"), body.get("app_secret")) != fake.feishu_app:
                    self._json({"code": 10014, "msg": "app secret invalid"})
                else:
                    self._json({"code": 0, "msg": "ok", "tenant_access_token": fake._token(), "expire": 7200})
            else:
                self._json({"code": "notFound"}, 404)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    return Handler


@contextmanager
def running(tls: ssl.SSLContext | None = None, host: str = "127.0.0.1") -> Iterator[FakeMedia]:
    """The fake on 127.0.0.1; with `tls`, HTTPS and `fake.base` naming `host` (resolve it to 127.0.0.1)."""
    fake = FakeMedia()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(fake))
    if tls is not None:
        server.socket = tls.wrap_socket(server.socket, server_side=True)
    fake.base = f"{'https' if tls else 'http'}://{host}:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield fake
    finally:
        server.shutdown()
        server.server_close()
        thread.join()
