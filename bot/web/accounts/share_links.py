"""Share links as rows: made, listed and revoked one at a time (issue 14, finding 18).

The link carries a random token; only its SHA-256 is stored. A link works while it is
unexpired, unrevoked and its creator is active: a password change or disabling the creator
revokes their links, removing the creator deletes them.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from bot.core.errors import InvalidArgument
from bot.web.accounts.sessions import token_hash
from models import ShareLink, User


@dataclass(frozen=True)
class ListedLink:
    id: int
    creator: str
    created_at: datetime
    expires_at: datetime


def create(session: Session, creator: User, now: datetime, expires: datetime) -> tuple[int, str]:
    """(id, token) of a new link; the token is shown once and never stored."""
    token = secrets.token_urlsafe(24)
    link = ShareLink(token_hash=token_hash(token), created_by=creator.id, created_at=now, expires_at=expires)
    session.add(link)
    session.flush()
    return link.id, token


def find(session: Session, token: str, now: datetime) -> ShareLink | None:
    if not token or len(token) > 128:
        return None
    link = session.scalar(select(ShareLink).where(ShareLink.token_hash == token_hash(token)))
    if link is None or link.revoked_at is not None or link.expires_at <= now:
        return None
    creator = session.get(User, link.created_by)
    return link if creator is not None and creator.active else None


def active(session: Session, now: datetime) -> list[ListedLink]:
    query = (
        select(ShareLink.id, User.username, ShareLink.created_at, ShareLink.expires_at)
        .join(User, User.id == ShareLink.created_by)
        .where(ShareLink.revoked_at.is_(None), ShareLink.expires_at > now, User.active.is_(True))
        .order_by(ShareLink.id.desc())
    )
    return [ListedLink(*row) for row in session.execute(query)]


def revoke(session: Session, link_id: int, now: datetime) -> None:
    link = session.get(ShareLink, link_id)
    if link is None or link.revoked_at is not None:
        raise InvalidArgument(f"没有这条有效的分享链接：{link_id}")
    link.revoked_at = now


def revoke_all_of(session: Session, user_id: int, now: datetime) -> None:
    session.execute(
        update(ShareLink)
        .where(ShareLink.created_by == user_id, ShareLink.revoked_at.is_(None))
        .values(revoked_at=now)
        .execution_options(synchronize_session=False)
    )
