"""A signature used once binds to the message it came with (see models/webhook_nonce.py).

Why in the database: every worker process must see the same record, and a restart must not
forget it, or a replay would only need to reach another worker or wait for a deploy.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from bot.core.db import insert_unless_present
from models import WebhookNonce


def bind_nonce(session: Session, platform: str, nonce: str, msg_id: str, now: datetime, window: timedelta) -> bool:
    """True when `nonce` is new or came before with this same `msg_id` (the platform's retry).

    False: the nonce was already used for another message, which only a replay does. Rows
    older than `window` are removed first; the platform's timestamp check refuses them anyway.
    """
    session.execute(delete(WebhookNonce).where(WebhookNonce.seen_at < now - window))
    values = {"platform": platform, "nonce": nonce[:128], "msg_id": msg_id[:200], "seen_at": now}
    if insert_unless_present(session, WebhookNonce, values, ["platform", "nonce"]) is not None:
        return True
    first = session.scalar(
        select(WebhookNonce.msg_id).where(WebhookNonce.platform == platform, WebhookNonce.nonce == nonce[:128])
    )
    return first == msg_id[:200]
