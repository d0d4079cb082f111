"""A fake outbound target on 127.0.0.1: answers from a script of status codes and records bodies."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class FakeTarget:
    url: str = ""
    # Status codes for the next requests, in order; 200 once the script runs out.
    script: list[int] = field(default_factory=list)
    retry_after: str | None = None
    received: list[dict[str, Any]] = field(default_factory=list)
    accepted: list[dict[str, Any]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)


@contextmanager
def running_target(script: list[int] | None = None, retry_after: str | None = None) -> Iterator[FakeTarget]:
    target = FakeTarget(script=list(script or []), retry_after=retry_after)

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            with target.lock:
                target.received.append(body)
                status = target.script.pop(0) if target.script else 200
                if status == 200:
                    target.accepted.append(body)
            self.send_response(status)
            if status == 429 and target.retry_after:
                self.send_header("Retry-After", target.retry_after)
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"{}")

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    target.url = f"http://127.0.0.1:{server.server_address[1]}/robot"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield target
    finally:
        server.shutdown()
        server.server_close()
