"""Writing to the outbox: always inside the caller's transaction, so a message exists iff its cause does."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from models import OutboxMessage, OutboxStatus


def enqueue(
    session: Session,
    *,
    group_id: str,
    kind: str,
    text: str,
    now: datetime,
    mentions: Sequence[str] = (),
    image_png_base64: str | None = None,
    dedupe_key: str | None = None,
) -> int | None:
    """Queue one message; with a dedupe_key already queued, queue nothing and return None."""
    values = {
        "group_id": group_id,
        "kind": kind,
        "text": text,
        "mentions": list(mentions),
        "image_png_base64": image_png_base64,
        "dedupe_key": dedupe_key,
        "status": OutboxStatus.PENDING,
        "attempts": 0,
        "next_attempt_at": now,
        "created_at": now,
    }
    if dedupe_key is None:
        message = OutboxMessage(**values)
        session.add(message)
        session.flush()
        return message.id
    dialect = session.get_bind().dialect.name
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    statement = (
        insert(OutboxMessage)
        .values(**values)
        .on_conflict_do_nothing(index_elements=["dedupe_key"])
        .returning(OutboxMessage.id)
    )
    return session.execute(statement).scalar_one_or_none()


def pending_count(session: Session) -> int:
    query = select(func.count()).select_from(OutboxMessage).where(OutboxMessage.status == OutboxStatus.PENDING)
    return session.scalar(query) or 0
