"""`guanjia serve --workers N` on PostgreSQL: the workers share connections, and outlive faults."""

from __future__ import annotations

import os
import select
import signal
import subprocess
import sys
from collections.abc import Iterator

import httpx
import pytest
from sqlalchemy import Engine, func
from sqlalchemy import select as sql_select

from models import InboundMessage
from tests.support.server_process import ROOT, ServerProcess, start_server

pytestmark = pytest.mark.faults
API_TOKEN = "workers-test-token"


@pytest.fixture
def two_workers(database_url: str, engine: Engine) -> Iterator[ServerProcess]:
    if engine.dialect.name != "postgresql":
        pytest.skip("several workers need PostgreSQL (SQLite refusing them is tested in test_faults)")
    server = start_server(database_url, workers=2, extra_env={"GUANJIA_API_TOKEN": API_TOKEN})
    try:
        yield server
    finally:
        server.stop()


def answering_workers(server: ServerProcess, connections: int = 24) -> set[int]:
    """Which worker answers each of several new connections (a keep-alive client holds each one)."""
    workers = set()
    for _ in range(connections):
        with httpx.Client(base_url=server.url, timeout=30) as client:
            # The worker's pid is shown to the operator (API token) only.
            answer = client.get("/healthz", headers={"Authorization": f"Bearer {API_TOKEN}"})
            workers.add(answer.json()["worker"])
    return workers


def wait_exited(pid: int, timeout: float = 30) -> None:
    """Block until a process that is not our child exits (a pidfd turns readable)."""
    try:
        handle = os.pidfd_open(pid)
    except ProcessLookupError:
        return
    try:
        readable, _, _ = select.select([handle], [], [], timeout)
        assert readable, f"process {pid} still running after {timeout}s"
    finally:
        os.close(handle)


def test_connections_are_spread_over_the_workers(two_workers: ServerProcess, engine: Engine) -> None:
    # 24 connections all landing on one of two workers by chance: 2 * 0.5**24, about 1e-7.
    assert len(answering_workers(two_workers)) == 2
    # Both write to the one database: messages through separate connections all land once.
    bodies = [
        {"msg_id": f"w-{i}", "group_id": "demo", "sender_id": f"wgy_{i}", "sender_name": "网格员", "text": "收到"}
        for i in range(12)
    ]
    for body in bodies:
        with httpx.Client(base_url=two_workers.url, timeout=30) as client:
            assert client.post("/webhook/generic", json=body).status_code == 200
    with engine.connect() as connection:
        assert connection.scalar(sql_select(func.count()).select_from(InboundMessage)) == len(bodies)


def test_a_killed_worker_is_replaced(two_workers: ServerProcess) -> None:
    assert two_workers.log is not None
    victim, survivor = sorted(answering_workers(two_workers))
    os.kill(victim, signal.SIGKILL)
    two_workers.log.wait_for("starting a new one")
    two_workers.log.wait_for("Application startup complete", count=3)
    workers = answering_workers(two_workers)
    assert victim not in workers and survivor in workers and len(workers) == 2


def test_workers_stop_with_their_supervisor_even_when_it_is_killed(two_workers: ServerProcess) -> None:
    workers = answering_workers(two_workers)
    two_workers.kill()  # SIGKILL: no chance to stop them itself
    for pid in workers:
        wait_exited(pid)


def test_a_busy_port_is_refused_not_shared(two_workers: ServerProcess, database_url: str) -> None:
    env = dict(os.environ, GUANJIA_DATABASE_URL=database_url, GUANJIA_RUN_SCHEDULER="false")
    command = [sys.executable, "-m", "bot.cli", "serve", "--port", str(two_workers.port), "--workers", "2"]
    result = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert result.returncode == 1
    assert f"无法监听 127.0.0.1:{two_workers.port}" in result.stderr
    assert len(answering_workers(two_workers, connections=8)) >= 1  # the running one is untouched
