"""A size limit on every request body: larger → 413 before any route reads it.

This is the one body-size check: the webhooks read `request.body()` knowing it is bounded,
and the same limit holds for every route with a body (web forms, anything added later),
whether the client declares Content-Length or streams chunks. Bodies are small (≤ 64 KiB by default),
so the body is read here and handed on.
"""

from __future__ import annotations

import json
from collections.abc import Callable

from starlette.types import ASGIApp, Message, Receive, Scope, Send

LimitOf = Callable[[Scope], int]


async def _too_large(send: Send, limit: int) -> None:
    body = json.dumps({"error": "body_too_large", "message": f"body is larger than {limit} bytes"}).encode()
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    await send({"type": "http.response.start", "status": 413, "headers": headers})
    await send({"type": "http.response.body", "body": body})


def settings_limit(scope: Scope) -> int:
    """The running app's `max_body_bytes` (GUANJIA_MAX_BODY_BYTES)."""
    limit: int = scope["app"].state.services.settings.max_body_bytes
    return limit


class BodyLimitMiddleware:
    def __init__(self, app: ASGIApp, limit: LimitOf = settings_limit) -> None:
        self.app = app
        self.limit = limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] in ("GET", "HEAD", "OPTIONS"):
            await self.app(scope, receive, send)
            return
        limit = self.limit(scope)
        declared = dict(scope["headers"]).get(b"content-length", b"")
        if declared.isdigit() and int(declared) > limit:
            await _too_large(send, limit)
            return
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] != "http.request":  # the client went away
                return
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > limit:
                await _too_large(send, limit)
                return
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": b"".join(chunks), "more_body": False}
            return await receive()

        await self.app(scope, replay, send)
