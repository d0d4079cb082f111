"""Alembic environment: runs migrations on the database GUANJIA_DATABASE_URL names."""

from __future__ import annotations

from logging.config import fileConfig

import models
from alembic import context
from bot.core.db import make_engine
from config.settings import get_settings

config = context.config
if config.config_file_name and config.attributes.get("configure_logger", True):
    fileConfig(config.config_file_name)

target_metadata = models.Base.metadata


def _include_object(obj: object, name: str | None, type_: str, reflected: bool, compare_to: object) -> bool:
    """The ledger's search index (migration 0014) is dialect-specific SQL, not a model: not drift."""
    if type_ == "table" and (name or "").startswith("ticket_search"):
        return False
    if type_ == "column" and name == "search_body":
        return False
    return not (type_ == "index" and name == "ix_tickets_search_trgm")


def _database_url() -> str:
    return config.get_main_option("sqlalchemy.url") or get_settings().database_url


def run_migrations_offline() -> None:
    context.configure(url=_database_url(), target_metadata=target_metadata, literal_binds=True)
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    engine = make_engine(_database_url())
    with engine.connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=target_metadata,
            render_as_batch=connection.dialect.name == "sqlite",
            compare_type=True,
            include_object=_include_object,
        )
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
