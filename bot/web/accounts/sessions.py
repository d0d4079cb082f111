"""Server-side web sessions: the cookie holds a random token, the row says who it is.

Logout deletes the row, so a copied cookie stops working at once (issue 14, finding 9); a
password change, a disabled or a removed user delete all of the user's rows. Only the
token's SHA-256 is stored.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from models import User, WebSession


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass(frozen=True)
class NewSession:
    token: str  # for the cookie; never stored
    csrf: str


def start(session: Session, user: User, now: datetime, lifetime: timedelta) -> NewSession:
    """A new session row for `user`; expired rows of everyone are deleted on the way."""
    session.execute(delete(WebSession).where(WebSession.expires_at <= now))
    token, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(24)
    session.add(
        WebSession(token_hash=token_hash(token), user_id=user.id, csrf=csrf, created_at=now, expires_at=now + lifetime)
    )
    return NewSession(token, csrf)


def find(session: Session, token: str | None, now: datetime) -> tuple[User, str] | None:
    """The active user and CSRF token of an unexpired session, or None."""
    if not token or len(token) > 128:
        return None
    row = session.scalar(
        select(WebSession).where(WebSession.token_hash == token_hash(token), WebSession.expires_at > now)
    )
    if row is None:
        return None
    user = session.get(User, row.user_id)
    if user is None or not user.active:
        return None
    return user, row.csrf


def end(session: Session, token: str | None) -> None:
    if token:
        session.execute(delete(WebSession).where(WebSession.token_hash == token_hash(token)))


def end_all(session: Session, user_id: int) -> None:
    session.execute(delete(WebSession).where(WebSession.user_id == user_id))
