"""Issue 14 findings 5, 6 and 21: no blank secret, no open production server, nothing public that
tells an outsider more than "up".

Each test is what an attacker tries (a blank bearer token, an unsigned request to a server on a
public address, /docs, /metrics, the database file as another local user) and what they get.
"""

from __future__ import annotations

import os
import sqlite3
import stat
import sys
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
import yaml
from fastapi.testclient import TestClient
from pydantic import SecretStr, ValidationError
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from bot.app import create_app
from bot.app_services import AppServices
from bot.cli.backup import backup_sqlite
from bot.cli.main import main
from bot.cli.serve_guard import is_loopback, refusal
from bot.core.db import make_engine
from bot.web.accounts.users import create_user
from config import load_config
from config.loader import ConfigError, parse_config
from config.settings import Settings
from tests.support.server_process import ROOT, ServerProcess, free_port, start_process

SECRET_SETTINGS = [
    "generic_secret",
    "api_token",
    "dingtalk_app_secret",
    "wecom_token",
    "wecom_aes_key",
    "feishu_encrypt_key",
    "feishu_verification_token",
    "feishu_app_secret",
    "web_secret_key",
]
PRODUCTION = ("GUANJIA_GENERIC_SECRET", "GUANJIA_API_TOKEN", "GUANJIA_WEB_SECRET_KEY")


# --- finding 5: an empty secret is a configuration error, never "set" -----------------------


@pytest.mark.parametrize("name", SECRET_SETTINGS)
@pytest.mark.parametrize("blank", ["", "   ", "\t\n"])
def test_a_blank_secret_is_a_configuration_error_naming_it(name: str, blank: str) -> None:
    with pytest.raises(ValidationError) as refused:
        Settings(**{name: blank})  # type: ignore[arg-type]
    assert f"GUANJIA_{name.upper()} is set but empty" in str(refused.value)


def test_blank_secret_in_the_environment_stops_every_command_with_one_clear_line(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("GUANJIA_API_TOKEN", "")
    monkeypatch.setenv("GUANJIA_GENERIC_SECRET", " ")
    assert main(["serve", "--host", "127.0.0.1", "--port", "1"]) == 2
    err = capsys.readouterr().err
    assert "GUANJIA_API_TOKEN is set but empty" in err and "GUANJIA_GENERIC_SECRET is set but empty" in err
    assert "Traceback" not in err


@pytest.mark.parametrize("header", ["Bearer ", "Bearer", "bearer  ", "Bearer  t0ken-8842", "Basic t0ken-8842", ""])
def test_a_blank_or_wrong_bearer_token_reads_nothing(services: AppServices, header: str) -> None:
    services.settings = services.settings.model_copy(update={"api_token": SecretStr("t0ken-8842")})
    with TestClient(create_app(services)) as client:
        for path in ("/api/tickets", "/api/export.xlsx", "/metrics"):
            response = client.get(path, headers={"Authorization": header} if header else {})
            assert response.status_code == 401, (path, header)
        assert client.get("/api/tickets", headers={"Authorization": "Bearer t0ken-8842"}).status_code == 200


# --- finding 6: a server on a public address does not start open ---------------------------


@pytest.mark.parametrize("host", ["0.0.0.0", "::", "192.168.1.20", "guanjia.example.org"])
def test_serve_on_a_public_address_without_the_secrets_refuses_to_start(
    host: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    for name in PRODUCTION:
        monkeypatch.delenv(name, raising=False)
    assert main(["serve", "--host", host, "--port", "1"]) == 2
    lines = capsys.readouterr().err.splitlines()
    assert host in lines[0] and "--insecure-dev" in lines[-1]
    for name in PRODUCTION:  # one line per missing setting
        assert len([line for line in lines if line.strip().startswith(f"- {name}")]) == 1


def test_each_missing_setting_is_named_and_only_those() -> None:
    full = Settings(generic_secret=SecretStr("g"), api_token=SecretStr("a"), web_secret_key=SecretStr("w"), config=None)
    assert refusal("0.0.0.0", full) is None
    no_token = full.model_copy(update={"api_token": None})
    assert "GUANJIA_API_TOKEN" in (refusal("0.0.0.0", no_token) or "")
    assert "GUANJIA_GENERIC_SECRET" not in (refusal("0.0.0.0", no_token) or "")
    generic_off = full.model_copy(update={"generic_secret": None, "generic_webhook_enabled": False})
    assert refusal("0.0.0.0", generic_off) is None  # the unsigned intake is off, so nothing to sign
    assert refusal("127.0.0.1", Settings(config=None)) is None  # the quick start stays as it is


def test_loopback_is_only_this_machine() -> None:
    assert all(is_loopback(h) for h in ("127.0.0.1", "127.0.0.2", "::1", "[::1]", "localhost"))
    assert not any(is_loopback(h) for h in ("0.0.0.0", "", "::", "10.0.0.1", "example.org", "127.0.0.1.nip.io"))


def test_generic_webhook_turned_off_answers_404_and_stores_nothing(services: AppServices) -> None:
    services.settings = services.settings.model_copy(update={"generic_webhook_enabled": False})
    body = {"msg_id": "x", "group_id": "demo", "sender_id": "ccb_wang", "sender_name": "王", "text": "撤销 1 无效"}
    with TestClient(create_app(services)) as client:
        assert client.post("/webhook/generic", json=body).status_code == 404
        assert client.get("/api/tickets").json()["total"] == 0


def test_docker_compose_requires_every_production_secret() -> None:
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text(encoding="utf-8"))
    env = compose["services"]["guanjia"]["environment"]
    for name in PRODUCTION:
        assert ":?" in str(env[name]), f"{name} must be required (${{{name}:?…}})"


def _serve(database_url: str, extra: dict[str, str], *flags: str) -> ServerProcess:
    port = free_port()
    env = dict(os.environ, GUANJIA_DATABASE_URL=database_url, GUANJIA_RUN_SCHEDULER="false", **extra)
    for name in (*PRODUCTION, "GUANJIA_CONFIG", "GUANJIA_WEB_SECURE_COOKIES"):
        if name not in extra:
            env.pop(name, None)
    command = [sys.executable, "-m", "bot.cli", "serve", "--host", "0.0.0.0", "--port", str(port), *flags]
    return start_process(command, env, port)


@pytest.mark.faults
def test_insecure_dev_starts_with_a_loud_warning(database_url: str, engine: Engine) -> None:
    server = _serve(database_url, {}, "--insecure-dev")
    try:
        assert server.log is not None
        server.log.wait_for("WARNING: --insecure-dev")
    finally:
        server.stop()


@pytest.mark.faults
def test_public_server_sets_secure_cookies_and_hides_its_internals(database_url: str, engine: Engine) -> None:
    cfg = load_config(None)
    with Session(engine) as session, session.begin():
        create_user(
            session, cfg, username="wang", password="correct-horse-9", role="supervisor", unit=None,
            now=datetime.now(UTC),
        )  # fmt: skip
    secrets = {"GUANJIA_GENERIC_SECRET": "g-5521", "GUANJIA_API_TOKEN": "a-5521", "GUANJIA_WEB_SECRET_KEY": "w-5521"}
    server = _serve(database_url, secrets)
    try:
        with httpx.Client(base_url=server.url, timeout=30) as client:
            login = client.post("/login", data={"username": "wang", "password": "correct-horse-9"})
            cookies = login.headers.get_list("set-cookie")
            assert cookies and all("secure" in c.lower() for c in cookies)
            for path in ("/docs", "/openapi.json", "/redoc"):
                assert client.get(path).status_code == 404
            assert client.get("/metrics").status_code == 401
            assert client.get("/api/tickets").status_code == 401
            assert "worker" not in client.get("/healthz").json()
    finally:
        server.stop()


# --- finding 21: nothing public says more than "up"; files are the owner's -----------------


def test_docs_and_schema_are_off_unless_a_dev_setting(services: AppServices) -> None:
    with TestClient(create_app(services)) as client:
        for path in ("/docs", "/redoc", "/openapi.json"):
            assert client.get(path).status_code == 404
    services.settings = services.settings.model_copy(update={"dev_docs": True})
    with TestClient(create_app(services)) as client:
        assert client.get("/openapi.json").status_code == 200


def test_metrics_need_the_api_token(services: AppServices) -> None:
    services.settings = services.settings.model_copy(update={"api_token": SecretStr("t0ken-8842")})
    with TestClient(create_app(services)) as client:
        anonymous = client.get("/metrics")
        assert anonymous.status_code == 401 and "guanjia_" not in anonymous.text
        allowed = client.get("/metrics", headers={"Authorization": "Bearer t0ken-8842"})
        assert allowed.status_code == 200 and "guanjia_" in allowed.text


def test_healthz_does_not_give_strangers_the_process_id(services: AppServices) -> None:
    services.settings = services.settings.model_copy(update={"api_token": SecretStr("t0ken-8842")})
    with TestClient(create_app(services)) as client:
        answer = client.get("/healthz").json()
        assert answer == {"status": "ok", "database": "ok"}
        operator = client.get("/healthz", headers={"Authorization": "Bearer t0ken-8842"}).json()
        assert operator["worker"] == os.getpid()


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_a_new_sqlite_database_and_its_backup_are_owner_only(tmp_path: Path) -> None:
    old = os.umask(0o022)  # the usual umask, which alone gives 0644
    try:
        database = tmp_path / "var" / "guanjia.db"
        engine = make_engine(f"sqlite:///{database}")
        with engine.begin() as connection:
            connection.exec_driver_sql("CREATE TABLE tickets (id INTEGER PRIMARY KEY)")
        engine.dispose()
        assert _mode(database) == 0o600
        backup = tmp_path / "backups" / "copy.db"
        backup_sqlite(database, backup)
        assert _mode(backup) == 0o600
        with sqlite3.connect(backup) as copy:
            assert copy.execute("SELECT count(*) FROM tickets").fetchone() == (0,)
    finally:
        os.umask(old)


@pytest.mark.parametrize("outbound", [{"secret": " "}, {"secret_env": "GUANJIA_TEST_ROBOT_SECRET"}])
def test_a_blank_robot_secret_is_a_config_error(outbound: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GUANJIA_TEST_ROBOT_SECRET", "")
    data = yaml.safe_load((ROOT / "config" / "guanjia.yaml").read_text(encoding="utf-8"))
    data["groups"]["demo"]["outbound"] = {"platform": "dingtalk", "url": "https://oapi.example/robot", **outbound}
    with pytest.raises(ConfigError) as refused:
        parse_config(data, "test")
    assert "empty" in str(refused.value)
