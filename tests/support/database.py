"""Test databases: a migrated SQLite file copied per test, or one PostgreSQL database truncated per test.

Tests commit for real (concurrency and retries need it), so isolation is by fresh data,
not by rolled-back transactions.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from sqlalchemy import Engine, inspect, text
from sqlalchemy.engine import make_url

import models
from bot.core.db import make_engine
from bot.core.migrations import upgrade_to_head

POSTGRES_HINT = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


def configured_url() -> str | None:
    return os.environ.get("GUANJIA_DATABASE_URL") or None


def is_postgres(url: str | None) -> bool:
    return bool(url) and make_url(url).get_backend_name() == "postgresql"  # type: ignore[arg-type]


def reset_postgres(url: str) -> None:
    """Drop whatever an earlier run left, then build the schema through the migrations."""
    engine = make_engine(url)
    with engine.begin() as connection:
        existing = set(inspect(connection).get_table_names())
        for table in reversed(models.Base.metadata.sorted_tables):
            if table.name in existing:
                connection.execute(text(f'DROP TABLE "{table.name}" CASCADE'))
        connection.execute(text("DROP TABLE IF EXISTS alembic_version"))
    engine.dispose()
    upgrade_to_head(url)


def truncate_all(engine: Engine) -> None:
    names = ", ".join(f'"{t.name}"' for t in models.Base.metadata.sorted_tables)
    with engine.begin() as connection:
        connection.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))


def make_sqlite_template(directory: Path) -> Path:
    template = directory / "template.db"
    upgrade_to_head(f"sqlite:///{template}")
    return template


def fresh_sqlite(template: Path, directory: Path) -> str:
    target = directory / "guanjia.db"
    shutil.copyfile(template, target)
    return f"sqlite:///{target}"
