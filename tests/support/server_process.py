"""Run servers as real processes (fault tests, benchmarks): start, wait for readiness, kill -9."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class ServerProcess:
    process: subprocess.Popen[str]
    port: int
    log: ServerLog | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def kill(self) -> None:
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=30)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=60)


class ServerLog:
    """The server's stderr, read on a thread; tests wait for a line instead of sleeping."""

    def __init__(self, lines: list[str]) -> None:
        self.lines = list(lines)
        self._changed = threading.Condition()

    def follow(self, stream: Iterable[str]) -> None:
        for line in stream:
            with self._changed:
                self.lines.append(line)
                self._changed.notify_all()

    def wait_for(self, text: str, count: int = 1, timeout: float = 60) -> None:
        with self._changed:
            if not self._changed.wait_for(lambda: sum(text in line for line in self.lines) >= count, timeout):
                raise AssertionError(f"server never logged {text!r} x{count}:\n" + "".join(self.lines[-20:]))


def start_process(command: Sequence[str], env: dict[str, str], port: int, workers: int = 1) -> ServerProcess:
    """Start a uvicorn-based server and block until every worker reports startup (no polling)."""
    process = subprocess.Popen(
        list(command), cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True
    )
    assert process.stderr is not None
    seen: list[str] = []
    started = 0
    listening = False
    for line in process.stderr:
        seen.append(line)
        started += "Application startup complete" in line
        listening = listening or "Uvicorn running on" in line or "Serving on http" in line
        if listening and started >= workers:
            break
    else:
        raise RuntimeError("server did not start:\n" + "".join(seen[-20:]))
    log = ServerLog(seen)
    threading.Thread(target=log.follow, args=(process.stderr,), daemon=True).start()  # never block on a full pipe
    return ServerProcess(process, port, log)


def start_server(
    database_url: str, port: int | None = None, workers: int = 1, extra_env: dict[str, str] | None = None
) -> ServerProcess:
    """`guanjia serve` on the given database, without the scheduler (tests drive time themselves)."""
    port = port or free_port()
    env = dict(os.environ, GUANJIA_DATABASE_URL=database_url, GUANJIA_RUN_SCHEDULER="false")
    env.pop("GUANJIA_CONFIG", None)
    env.pop("GUANJIA_GENERIC_SECRET", None)
    env.update(extra_env or {})
    command = [sys.executable, "-m", "bot.cli", "serve", "--port", str(port), "--workers", str(workers)]
    return start_process(command, env, port, workers)


def capture_serve(monkeypatch: Any, database_url: str) -> dict[str, Any]:
    """Make `guanjia serve` runnable in this process: uvicorn.run only records what it was
    given (the app and its options, in the returned dict); the settings a non-dev serve demands
    (secrets, no scheduler) come from the environment."""
    import uvicorn

    ran: dict[str, Any] = {}
    monkeypatch.setattr(uvicorn, "run", lambda app, **options: ran.update(options, app=app))
    monkeypatch.setenv("GUANJIA_DATABASE_URL", database_url)
    monkeypatch.setenv("GUANJIA_RUN_SCHEDULER", "false")
    for name in ("GUANJIA_WEB_SECRET_KEY", "GUANJIA_API_TOKEN", "GUANJIA_GENERIC_SECRET"):
        monkeypatch.setenv(name, "a-long-test-secret-value")
    return ran
