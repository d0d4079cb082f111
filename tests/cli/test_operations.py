"""Operations: request size limits, /metrics, JSON logs without secrets, `guanjia db backup`."""

from __future__ import annotations

import io
import json
import logging
import sqlite3
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from fastapi.testclient import TestClient
from prometheus_client.parser import text_string_to_metric_families
from pydantic import SecretStr
from sqlalchemy import select

from bot.app_services import AppServices
from bot.cli import main as cli
from bot.core.clock import ManualClock
from bot.core.log_setup import logging_config
from config.settings import Settings
from models import OutboxMessage
from tests.support.chat import Chat

POST_ROUTES = [
    "/webhook/generic",
    "/webhook/dingtalk",
    "/webhook/wecom",
    "/webhook/feishu",
    "/login",
    "/logout",
    "/share",
    "/tickets/1/act",
]


# --- request size limits --------------------------------------------------------------


@pytest.mark.parametrize("path", POST_ROUTES)
def test_every_post_route_refuses_a_body_over_the_limit(client: TestClient, services: AppServices, path: str) -> None:
    limit = services.settings.max_body_bytes
    declared = client.post(path, content=b"x" * (limit + 1), headers={"content-type": "application/json"})
    assert declared.status_code == 413, declared.text
    assert declared.json()["error"] == "body_too_large"

    def chunks() -> Iterator[bytes]:  # no Content-Length: counted as it streams
        for _ in range(limit // 1024 + 2):
            yield b"y" * 1024

    streamed = client.post(path, content=chunks(), headers={"content-type": "application/x-www-form-urlencoded"})
    assert streamed.status_code == 413, streamed.text


def test_a_body_within_the_limit_still_reaches_the_route(client: TestClient) -> None:
    body = {"msg_id": "ok-1", "group_id": "demo", "sender_id": "wgy_li", "sender_name": "李网格", "text": "你好"}
    assert client.post("/webhook/generic", json=body).status_code == 200
    assert client.post("/login", data={"username": "nobody", "password": "x"}).status_code != 413


# --- /metrics ---------------------------------------------------------------------------


def scrape(client: TestClient) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    response = client.get("/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(response.text)
        for sample in family.samples
    }


def post(client: TestClient, msg_id: str, text: str, sender: str = "wgy_li") -> None:
    body = {"msg_id": msg_id, "group_id": "demo", "sender_id": sender, "sender_name": "x", "text": text}
    assert client.post("/webhook/generic", json=body).status_code == 200


def test_metrics_move_as_messages_come_in(client: TestClient, services: AppServices, clock: ManualClock) -> None:
    before = scrape(client)
    generic = ("guanjia_messages_received_total", (("platform", "generic"),))
    latency = ("guanjia_webhook_latency_seconds_count", (("platform", "generic"),))
    dispatched = ("guanjia_tickets", (("status", "dispatched"),))
    assert before.get(generic, 0) == 0 and before[dispatched] == 0
    assert before[("guanjia_outbox_pending", ())] == 0 and before[("guanjia_reminder_lag_seconds", ())] == 0

    post(client, "m-1", "府前街与南环路交叉口西北角垃圾堆了两天了")
    post(client, "m-2", "东关大街与北环路交叉口有辆白色轿车停在人行道上")
    post(client, "m-3", "认领 2", sender="jtzd_zhou")
    post(client, "m-3", "认领 2", sender="jtzd_zhou")  # a retry: not a new message
    after = scrape(client)
    assert after[generic] == 3
    assert after[latency] - before.get(latency, 0) == 4
    assert after[dispatched] == 1 and after[("guanjia_tickets", (("status", "claimed"),))] == 1
    assert after[("guanjia_webhook_latency_seconds_bucket", (("le", "+Inf"), ("platform", "generic")))] >= 4

    clock.advance(timedelta(hours=1, minutes=45))  # the claim reminder of #1 is due, not yet sent
    services.scheduler.run_due(clock.now())
    with services.session_factory() as session:
        assert session.scalars(select(OutboxMessage).where(OutboxMessage.kind == "reminder")).first()
    clock.advance(timedelta(minutes=10))
    queued = scrape(client)
    assert queued[("guanjia_outbox_pending", ())] >= 1
    assert queued[("guanjia_reminder_lag_seconds", ())] >= 600


# --- JSON logs --------------------------------------------------------------------------


@pytest.fixture
def restore_logging() -> Iterator[None]:
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    yield
    root.handlers[:] = handlers
    root.setLevel(level)


def capture_logs(settings: Settings) -> io.StringIO:
    config = logging_config(settings)
    buffer = io.StringIO()
    config["handlers"]["stderr"]["stream"] = buffer
    logging.config.dictConfig(config)
    return buffer


def test_json_log_lines_never_carry_a_secret(database_url: str, restore_logging: None) -> None:
    secret, password, token = "gen-Secret-8842", "pg-Pass-7731", "robot-Token-5590"
    settings = Settings(
        database_url=f"postgresql+psycopg://guanjia:{password}@db/guanjia",
        generic_secret=SecretStr(secret),
        dingtalk_app_secret=SecretStr("ding-Secret-1203"),
        log_format="json",
    )
    buffer = capture_logs(settings)
    log = logging.getLogger("guanjia.test")
    log.info("signing with %s for %s", secret, settings.database_url)
    log.warning("posting to https://oapi.dingtalk.com/robot/send?access_token=%s&x=1", token)
    try:
        raise RuntimeError(f"bad secret {secret} / ding-Secret-1203")
    except RuntimeError:
        log.exception("failed")
    logging.getLogger("uvicorn.access").info('%s - "%s %s HTTP/%s" %d', "1.2.3.4", "POST", "/webhook/x", "1.1", 200)
    lines = buffer.getvalue().splitlines()
    assert len(lines) == 4
    records = [json.loads(line) for line in lines]
    assert {"ts", "level", "logger", "message", "pid"} <= set(records[0])
    assert records[2]["level"] == "ERROR" and "RuntimeError" in records[2]["exc"]
    assert records[3]["logger"] == "uvicorn.access"
    text = buffer.getvalue()
    for leaked in (secret, password, token, "ding-Secret-1203"):
        assert leaked not in text
    assert "***" in records[0]["message"] and "access_token=***" in records[1]["message"]


def test_text_logs_are_masked_too(database_url: str, restore_logging: None) -> None:
    settings = Settings(database_url=database_url, generic_secret=SecretStr("gen-Secret-8842"))
    buffer = capture_logs(settings)
    logging.getLogger("guanjia.test").warning("secret is gen-Secret-8842")
    assert buffer.getvalue().strip().endswith("secret is ***")


# --- guanjia db backup ------------------------------------------------------------------


def test_sqlite_backup_opens_and_holds_the_tickets(
    chat: Chat, database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    if not database_url.startswith("sqlite"):
        pytest.skip("the online backup is SQLite's; the PostgreSQL answer is tested below")
    ids = [chat.report("府前街与南环路交叉口西北角垃圾堆了两天了"), chat.report("东关大街有辆白色轿车停在人行道上")]
    monkeypatch.setenv("GUANJIA_DATABASE_URL", database_url)
    target = tmp_path / "backups" / "guanjia.db"
    assert cli.main(["db", "backup", "-o", str(target)]) == 0
    assert "2张工单" in capsys.readouterr().out
    with sqlite3.connect(target) as copy:
        assert copy.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        rows = copy.execute("SELECT id, status FROM tickets ORDER BY id").fetchall()
    assert [r[0] for r in rows] == ids
    assert not list(target.parent.glob("*.partial"))


def test_backup_without_a_name_is_stamped_with_the_injected_clock(
    chat: Chat, database_url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    if not database_url.startswith("sqlite"):
        pytest.skip("the online backup is SQLite's")
    chat.report("府前街与南环路交叉口西北角垃圾堆了两天了")
    monkeypatch.setenv("GUANJIA_DATABASE_URL", database_url)
    at = datetime(2026, 11, 23, 9, 30, 5, tzinfo=ZoneInfo("Asia/Shanghai"))
    assert cli.main(["db", "backup"], clock=ManualClock(at)) == 0
    source = Path(database_url.removeprefix("sqlite:///"))
    expected = source.with_name(f"guanjia-backup-{at.astimezone():%Y%m%d-%H%M%S}.db")
    assert f"已备份到 {expected}（1张工单）" in capsys.readouterr().out
    assert expected.exists()


def test_postgres_backup_prints_pg_dump_without_the_password(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("GUANJIA_DATABASE_URL", "postgresql+psycopg://guanjia:pg-Pass-7731@dbhost:5433/guanjia")
    assert cli.main(["db", "backup"]) == 0
    out = capsys.readouterr().out
    assert "pg_dump" in out and "postgresql://guanjia@dbhost:5433/guanjia" in out
    assert "pg-Pass-7731" not in out
