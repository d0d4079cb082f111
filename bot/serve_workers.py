"""`guanjia serve --workers N`: N server processes, each listening on the port with SO_REUSEPORT.

Why not uvicorn's own `--workers`: its workers share one listening socket, and whichever
worker wakes first accepts every waiting connection. A platform or a load balancer that
keeps a few connections alive then talks to one worker while the others idle (measured with
bench/ingest_bench.py: two workers served no more than one). With a socket per worker the
kernel spreads new connections over the workers.

This supervisor starts the workers, replaces one that dies, and on SIGTERM/SIGINT stops them
all (each finishes its requests in flight). Workers die with it if it is killed.
"""

from __future__ import annotations

import ctypes
import logging
import logging.config
import multiprocessing
import os
import signal
import socket
import sys
import time
from multiprocessing.connection import wait
from multiprocessing.process import BaseProcess
from typing import Any

log = logging.getLogger("uvicorn.error")  # configured by every log_config uvicorn accepts

STARTUP_FAILURE = 3  # uvicorn's exit code when the app cannot start
_PR_SET_PDEATHSIG = 1
_SHUTDOWN_SECONDS = 30


def port_problem(host: str, port: int) -> str | None:
    """Why the port cannot be served, or None. Bound without SO_REUSEPORT, so a running
    server (even another guanjia) makes this fail instead of silently sharing its port."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        try:
            probe.bind((host, port))
        except OSError as exc:
            return f"无法监听 {host}:{port}：{exc.strerror or exc}"
    return None


def listening_socket(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    sock.bind((host, port))
    return sock


def _die_with_parent(parent_pid: int) -> None:
    """Linux: SIGTERM this worker when the supervisor goes, even by SIGKILL."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)
    except (OSError, AttributeError):
        return
    if os.getppid() != parent_pid:  # it went before prctl took effect
        os.kill(os.getpid(), signal.SIGTERM)


def _run_worker(app: str, factory: bool, host: str, port: int, log_config: dict[str, Any], parent_pid: int) -> None:
    import uvicorn

    _die_with_parent(parent_pid)
    from bot.core.serving import UVICORN_PROXY_OPTIONS

    config = uvicorn.Config(app, factory=factory, host=host, port=port, log_config=log_config, **UVICORN_PROXY_OPTIONS)
    server = uvicorn.Server(config)
    server.run(sockets=[listening_socket(host, port)])
    if not server.started:
        sys.exit(STARTUP_FAILURE)


class WorkerPool:
    def __init__(self, app: str, factory: bool, host: str, port: int, workers: int, log_config: dict[str, Any]) -> None:
        self.app, self.factory = app, factory
        self.host, self.port, self.count, self.log_config = host, port, workers, log_config
        self.context = multiprocessing.get_context("spawn")
        self.processes: list[BaseProcess] = []
        self.stopping = False
        self._wake_read, self._wake_write = os.pipe()

    def _start_one(self) -> BaseProcess:
        process = self.context.Process(
            target=_run_worker,
            args=(self.app, self.factory, self.host, self.port, self.log_config, os.getpid()),
            name="guanjia-worker",
        )
        process.start()
        return process

    def _on_signal(self, signum: int, _frame: Any) -> None:
        self.stopping = True
        os.write(self._wake_write, b"x")

    def run(self) -> int:
        for signum in (signal.SIGTERM, signal.SIGINT):
            signal.signal(signum, self._on_signal)
        shown = f"[{self.host}]" if ":" in self.host else self.host
        log.info("Serving on http://%s:%d with %d workers (supervisor %d)", shown, self.port, self.count, os.getpid())
        self.processes = [self._start_one() for _ in range(self.count)]
        try:
            return self._supervise()
        finally:
            self._stop_all()

    def _supervise(self) -> int:
        while not self.stopping:
            ready = wait([self._wake_read, *(p.sentinel for p in self.processes)])
            if self.stopping:
                break
            for index, process in enumerate(self.processes):
                if process.sentinel not in ready:
                    continue
                process.join()
                if process.exitcode == STARTUP_FAILURE:
                    log.error("worker %s could not start; stopping", process.pid)
                    return STARTUP_FAILURE
                log.warning("worker %s exited with %s; starting a new one", process.pid, process.exitcode)
                self.processes[index] = self._start_one()
        return 0

    def _stop_all(self) -> None:
        for process in self.processes:
            if process.is_alive() and process.pid is not None:
                os.kill(process.pid, signal.SIGTERM)
        deadline = time.monotonic() + _SHUTDOWN_SECONDS
        for process in self.processes:
            process.join(max(0.0, deadline - time.monotonic()))
            if process.is_alive():
                log.warning("worker %s did not stop in %ds; killing it", process.pid, _SHUTDOWN_SECONDS)
                process.kill()
                process.join()


def serve_workers(
    host: str,
    port: int,
    workers: int,
    log_config: dict[str, Any],
    app: str = "bot.asgi:create",
    factory: bool = True,
) -> int:
    """Serve `app` (an import string; `factory`: call it for the app) from `workers` processes."""
    logging.config.dictConfig(log_config)
    problem = port_problem(host, port)
    if problem is not None:
        print(problem, file=sys.stderr)
        return 1
    return WorkerPool(app, factory, host, port, workers, log_config).run()
