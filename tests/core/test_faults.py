"""Faults: the server killed mid-load, the database gone, a sweep killed mid-way."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, event, func, select
from sqlalchemy.exc import OperationalError

from bot.app import create_app
from bot.app_services import AppServices, build_services
from bot.core.db import make_engine
from config.settings import Settings
from models import InboundMessage, Ticket, TicketReminder
from tests.support.server_process import ROOT, start_server

pytestmark = pytest.mark.faults
SH = ZoneInfo("Asia/Shanghai")
ROADS = "东西南北前后新老红绿青白金银铜铁春夏秋冬"


def messages(count: int) -> list[dict[str, Any]]:
    out = []
    for i in range(count):
        text = "收到，马上安排" if i % 3 == 2 else f"{ROADS[i % len(ROADS)]}{i}路与光明大街交叉口垃圾桶满溢没人清"
        # Many field staff: one sender's quick second message would be read as a follow-up.
        out.append(
            {
                "msg_id": f"load-{i}",
                "group_id": "demo",
                "sender_id": f"wgy_{i}",
                "sender_name": f"网格员{i}",
                "text": text,
            }
        )
    return out


def test_server_killed_mid_load_loses_and_doubles_nothing(database_url: str, engine: Engine) -> None:
    load = messages(120)
    first_answers: dict[str, dict[str, Any]] = {}
    lock = threading.Lock()
    enough = threading.Event()
    server = start_server(database_url)

    def send(client: httpx.Client, body: dict[str, Any]) -> None:
        try:
            response = client.post(f"{server.url}/webhook/generic", json=body)
        except httpx.HTTPError:
            return  # not acknowledged: the platform will retry it
        if response.status_code == 200:
            with lock:
                first_answers[body["msg_id"]] = response.json()
                if len(first_answers) >= 40:
                    enough.set()

    with httpx.Client(timeout=30) as client, ThreadPoolExecutor(8) as pool:
        futures = [pool.submit(send, client, body) for body in load]
        enough.wait(timeout=120)
        server.kill()
        for future in futures:
            future.result()
    acknowledged = dict(first_answers)
    assert 40 <= len(acknowledged) < len(load)

    server = start_server(database_url)
    try:
        with httpx.Client(timeout=30) as client:
            second = {b["msg_id"]: client.post(f"{server.url}/webhook/generic", json=b) for b in load}
    finally:
        server.stop()
    assert {r.status_code for r in second.values()} == {200}
    for msg_id, answer in acknowledged.items():
        assert second[msg_id].json() == answer, msg_id  # a retry gets the first answer back

    with engine.connect() as connection:
        stored = connection.execute(select(InboundMessage.msg_id)).scalars().all()
        tickets = connection.execute(select(Ticket.source_msg_id)).scalars().all()
    assert sorted(stored) == sorted(b["msg_id"] for b in load)  # every message once
    reports = [b["msg_id"] for b in load if "垃圾" in b["text"]]
    assert sorted(t for t in tickets if t) == sorted(reports)  # one ticket per report, none twice


def test_sweep_killed_mid_way_then_rerun_reminds_each_ticket_once(
    database_url: str, engine: Engine, services: AppServices, chat: Any
) -> None:
    for i in range(30):
        chat.report(
            f"{ROADS[i % len(ROADS)]}环路与{ROADS[i // len(ROADS)]}光大街交叉口垃圾桶满溢没人清", sender=f"wgy_{i}"
        )
    later = (services.clock.now() + timedelta(days=3)).astimezone(SH).strftime("%Y-%m-%dT10:00")
    env = dict(os.environ, GUANJIA_DATABASE_URL=database_url)
    env.pop("GUANJIA_CONFIG", None)
    args = [sys.executable, "-m", "bot.cli", "sweep", "--now", later]
    victim = subprocess.Popen(args, cwd=ROOT, env=env, stdout=subprocess.PIPE, text=True)
    assert victim.stdout is not None
    victim.send_signal(signal.SIGKILL)  # wherever it is: starting, migrating or mid-sweep
    victim.wait(timeout=30)
    done = subprocess.run(args, cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    again = subprocess.run(args, cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert "提醒 0 条" in again.stdout
    with engine.connect() as connection:
        rows = connection.execute(select(TicketReminder.ticket_id, TicketReminder.kind)).all()
    # Fix alarm and 二次督办, once each (past the fix deadline the claim alarm is not due).
    assert len(rows) == len(set(rows)) == 30 * 2


def test_database_unreachable_answers_503_so_the_platform_retries(settings: Settings) -> None:
    down = settings.model_copy(update={"database_url": "postgresql+psycopg://postgres@127.0.0.1:1/none"})
    services = build_services(down)
    with TestClient(create_app(services)) as client:
        body = messages(1)[0]
        response = client.post("/webhook/generic", json=body)
        assert response.status_code == 503
        assert response.headers["retry-after"] == "5"
        assert response.json() == {"error": "database_unavailable", "message": "数据库暂时不可用，请稍后重试"}
        assert client.get("/healthz").status_code == 503
    services.engine.dispose()


def test_connection_lost_mid_transaction_leaves_nothing_half_written(services: AppServices) -> None:
    broken = {"armed": True}

    def drop_connection(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if broken["armed"] and statement.lstrip().upper().startswith("INSERT INTO TICKET_EVENTS"):
            broken["armed"] = False
            raise OperationalError(statement, None, Exception("server closed the connection unexpectedly"))

    event.listen(services.engine, "before_cursor_execute", drop_connection)
    body = messages(1)[0]
    with TestClient(create_app(services)) as client:
        assert client.post("/webhook/generic", json=body).status_code == 503
        with services.session_factory() as session:
            assert session.scalar(select(func.count()).select_from(Ticket)) == 0
            assert session.scalar(select(func.count()).select_from(InboundMessage)) == 0
        retried = client.post("/webhook/generic", json=body)
    assert retried.status_code == 200 and len(retried.json()["tickets"]) == 1
    event.remove(services.engine, "before_cursor_execute", drop_connection)


def test_serve_refuses_workers_on_sqlite(tmp_path: Any) -> None:
    env = dict(os.environ, GUANJIA_DATABASE_URL=f"sqlite:///{tmp_path}/w.db")
    result = subprocess.run(
        [sys.executable, "-m", "bot.cli", "serve", "--workers", "2"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert result.returncode == 2
    assert "SQLite 是单进程嵌入式数据库，不能开多个 worker" in result.stderr


def test_only_one_scheduler_leads_and_a_dead_leader_is_replaced(database_url: str, engine: Engine) -> None:
    from bot.schedule.lease import SchedulerLease

    if engine.dialect.name != "postgresql":
        assert SchedulerLease(engine).held()  # the one embedded process always leads
        return
    holder = subprocess.Popen(
        [sys.executable, "-c", _HOLD_LEASE, database_url],
        cwd=ROOT, stdout=subprocess.PIPE, stdin=subprocess.PIPE, text=True,
    )  # fmt: skip
    assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
    other_engine = make_engine(database_url)
    other = SchedulerLease(other_engine)
    try:
        assert not other.held()
        holder.send_signal(signal.SIGKILL)
        holder.wait(timeout=30)
        assert other.acquire_blocking(timeout_seconds=60)
        assert other.held()
        third = SchedulerLease(engine)
        assert not third.held()
    finally:
        other.release()
        other_engine.dispose()


_HOLD_LEASE = """
import sys
from bot.core.db import make_engine
from bot.schedule.lease import SchedulerLease
lease = SchedulerLease(make_engine(sys.argv[1]))
assert lease.held()
print("held", flush=True)
sys.stdin.read()
"""
