"""Writing to the outbox: always inside the caller's transaction, so a message exists iff its cause does."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import update
from sqlalchemy.orm import Session

from bot.chat.messages import IncomingMessage, Outcome
from bot.core.db import insert_unless_present
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
    not_before: datetime | None = None,
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
        "next_attempt_at": not_before or now,
        "created_at": now,
    }
    if dedupe_key is None:
        message = OutboxMessage(**values)
        session.add(message)
        session.flush()
        return message.id
    return insert_unless_present(session, OutboxMessage, values, ["dedupe_key"])


def _reply_key(incoming: IncomingMessage, n: int) -> str:
    return f"reply:{incoming.platform}:{incoming.msg_id}:{n}"[:200]


def enqueue_replies(
    session: Session,
    incoming: IncomingMessage,
    outcome: Outcome,
    now: datetime,
    head: str = "",
    not_before: datetime | None = None,
) -> None:
    """Queue a message's replies for its group's robot, each once: the dedupe key is the
    platform message id and the reply's index, so a retried message or a redelivered frame
    queues nothing new. `head` prefixes each text (whose private report is announced).
    `not_before`: kept back until then, for a reply that is first tried another way (settle_replies)."""
    for n, reply in enumerate(outcome.replies):
        enqueue(
            session,
            group_id=incoming.group_id,
            kind="reply",
            text=head + reply.text,
            mentions=reply.mentions,
            now=now,
            dedupe_key=_reply_key(incoming, n),
            not_before=not_before,
        )


def settle_replies(session: Session, incoming: IncomingMessage, count: int, now: datetime, delivered: bool) -> None:
    """The other way's result for replies queued with `not_before`: delivered, the queued copies are
    superseded and never sent; not delivered, the group robot sends them now instead of later."""
    keys = [_reply_key(incoming, n) for n in range(count)]
    pending = (OutboxMessage.dedupe_key.in_(keys)) & (OutboxMessage.status == OutboxStatus.PENDING)
    change = {"status": OutboxStatus.SUPERSEDED, "sent_at": now} if delivered else {"next_attempt_at": now}
    session.execute(update(OutboxMessage).where(pending).values(**change))


def announce_click(session: Session, incoming: IncomingMessage, outcome: Outcome, now: datetime) -> None:
    """A card click that did something is told to the group too (who claimed, who verified), like
    a typed command's reply; a refused click is told to the clicker alone, by the card's answer."""
    if outcome.tickets:
        enqueue_replies(session, incoming, outcome, now)
