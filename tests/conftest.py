"""Shared fixtures: a migrated database per test, an injected clock, the app and a chat helper."""

from __future__ import annotations

import gc
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from bot.app import create_app
from bot.app_services import AppServices, build_services
from bot.core.clock import ManualClock
from bot.core.db import make_engine
from config import GuanjiaConfig, load_config
from config.settings import Settings
from tests.support import database, network_guard
from tests.support.chat import START, Chat

# The suite reads messages with the model shipped in the repository, never with one a
# developer's `guanjia train` installed under var/ (that would make results machine-dependent).
os.environ["GUANJIA_PARSER_MODEL"] = str(Path(tempfile.gettempdir()) / "guanjia-tests" / "no-model-installed.npz")


def _database_line() -> str:
    url = database.configured_url()
    if database.is_postgres(url):
        return f"database: PostgreSQL ({url})"
    return (
        "database: SQLite only — PostgreSQL not tested "
        f"(set GUANJIA_DATABASE_URL={database.POSTGRES_HINT} to run the suite on it)"
    )


def pytest_sessionstart(session: pytest.Session) -> None:
    """Say which database runs, even under -q (which hides the report header)."""
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    if reporter is not None:
        reporter.write_line(_database_line())


@pytest.fixture(scope="session", autouse=True)
def _loopback_only() -> Iterator[None]:
    """No test reaches beyond 127.0.0.1: real platform APIs are replaced by fake servers."""
    with network_guard.loopback_only():
        yield


@pytest.fixture(autouse=True)
def _heap_as_found() -> Iterator[None]:
    """A test that runs `guanjia serve` in process freezes the heap (bot/core/heap.py); undo it,
    so the session's later garbage is collected as usual."""
    threshold = gc.get_threshold()
    yield
    if gc.get_freeze_count():
        gc.unfreeze()
    gc.set_threshold(*threshold)


@pytest.fixture(scope="session")
def _database_template(tmp_path_factory: pytest.TempPathFactory) -> Path | str:
    url = database.configured_url()
    if database.is_postgres(url):
        assert url is not None
        database.reset_postgres(url)
        return url
    return database.make_sqlite_template(tmp_path_factory.mktemp("template"))


@pytest.fixture
def database_url(_database_template: Path | str, tmp_path: Path) -> str:
    if isinstance(_database_template, str):
        return _database_template
    return database.fresh_sqlite(_database_template, tmp_path)


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    engine = make_engine(database_url)
    if database.is_postgres(database_url):
        database.truncate_all(engine)
    yield engine
    engine.dispose()


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(START)


@pytest.fixture(scope="session")
def cfg() -> GuanjiaConfig:
    return load_config(Path(__file__).resolve().parent.parent / "config" / "guanjia.yaml")


@pytest.fixture
def settings(database_url: str) -> Settings:
    return Settings(
        database_url=database_url, generic_secret=None, config=None, run_scheduler=False, web_secret_key="test-web-key"
    )


@pytest.fixture
def services(settings: Settings, cfg: GuanjiaConfig, clock: ManualClock, engine: Engine) -> AppServices:
    return build_services(settings, cfg, clock=clock, engine=engine)


@pytest.fixture
def client(services: AppServices) -> Iterator[TestClient]:
    with TestClient(create_app(services)) as test_client:
        yield test_client


@pytest.fixture
def chat(services: AppServices) -> Chat:
    return Chat(services)
