"""Run `guanjia serve` as a real process for fault tests: start, wait for readiness, kill -9."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class ServerProcess:
    process: subprocess.Popen[str]
    port: int

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def kill(self) -> None:
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=30)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=30)


def start_server(database_url: str, port: int | None = None, *extra: str) -> ServerProcess:
    """Start the server and block until uvicorn reports it is serving (no polling, no sleeps)."""
    port = port or free_port()
    env = dict(os.environ, GUANJIA_DATABASE_URL=database_url, GUANJIA_RUN_SCHEDULER="false")
    env.pop("GUANJIA_CONFIG", None)
    env.pop("GUANJIA_GENERIC_SECRET", None)
    process = subprocess.Popen(
        [sys.executable, "-m", "bot.cli", "serve", "--port", str(port), *extra],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert process.stderr is not None
    seen = []
    for line in process.stderr:
        seen.append(line)
        if "Uvicorn running on" in line:
            break
    else:
        raise RuntimeError("server did not start:\n" + "".join(seen[-20:]))
    # Keep draining stderr so the server never blocks on a full pipe.
    drain = process.stderr
    import threading

    threading.Thread(target=lambda: [None for _ in drain], daemon=True).start()
    return ServerProcess(process, port)
