"""Login throttling kept in the database: shared by every worker, kept across restarts.

Two keys per attempt: the client ("client:<address>") and the account as seen from that
client ("acct:<name>|<address>"). Because the account key includes the client, a stranger
failing from their address never locks the user out of theirs; the client key stops one
address from spraying many accounts.

An attempt is *claimed* before the password is checked: the claim counts it and, from the
limit on, pushes the key's `locked_until` out (1, 2, 4, … minutes, capped). The claim reads
and writes the key's row in one transaction holding the row's lock (the upsert locks it on
PostgreSQL; SQLite takes the write lock at BEGIN IMMEDIATE), so 60 concurrent guesses get
at most `limit` password checks, not 44. A successful login gives its claims back.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import ScalarResult, delete, select, update
from sqlalchemy.orm import Session

from bot.core.db import insert_unless_present
from models import LoginThrottle


@dataclass(frozen=True)
class ThrottlePolicy:
    account_limit: int = 5  # free attempts per account and client
    client_limit: int = 20  # free attempts per client, over all accounts
    first_delay: timedelta = timedelta(minutes=1)
    max_delay: timedelta = timedelta(hours=1)
    forget_after: timedelta = timedelta(hours=6)  # a key untouched this long starts afresh

    def delay(self, attempts: int, limit: int) -> timedelta:
        """The wait after the `attempts`-th attempt: none below the limit, then doubling."""
        if attempts < limit:
            return timedelta(0)
        steps = min(attempts - limit, 20)
        return min(self.first_delay * (2**steps), self.max_delay)


def account_key(username: str, client: str) -> str:
    return f"acct:{username.strip().lower()}|{client}"[:255]


def client_key(client: str) -> str:
    return f"client:{client}"[:255]


def _row_for_update(session: Session, key: str) -> ScalarResult[LoginThrottle]:
    query = select(LoginThrottle).where(LoginThrottle.key == key).with_for_update()
    return session.scalars(query.execution_options(populate_existing=True))


def _locked_row(session: Session, key: str, now: datetime) -> LoginThrottle:
    """The key's row, created if missing, locked for this transaction."""
    insert_unless_present(session, LoginThrottle, {"key": key, "attempts": 0, "updated_at": now}, ["key"])
    row = session.scalars(
        select(LoginThrottle)
        .where(LoginThrottle.key == key)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).one()
    return row


def claim(session: Session, keys: list[tuple[str, int]], policy: ThrottlePolicy, now: datetime) -> timedelta | None:
    """Count one attempt on every (key, limit); None if it may go ahead, else how long to wait.

    Rows are locked in the order given (always client first), so two logins never deadlock;
    a refused attempt counts on no key.
    """
    rows = [(_locked_row(session, key, now), limit) for key, limit in keys]
    waits = [row.locked_until - now for row, _ in rows if row.locked_until is not None and row.locked_until > now]
    if waits:
        return max(waits)
    for row, limit in rows:
        if row.updated_at < now - policy.forget_after:
            row.attempts = 0
        row.attempts += 1
        wait = policy.delay(row.attempts, limit)
        row.locked_until = now + wait if wait else None
        row.updated_at = now
    return None


def give_back(session: Session, key: str, limit: int) -> None:
    """A successful login: its claim on the client key was not a failure."""
    row = session.scalars(
        select(LoginThrottle)
        .where(LoginThrottle.key == key)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).one_or_none()
    if row is None:
        return
    row.attempts = max(0, row.attempts - 1)
    if row.attempts < limit:
        row.locked_until = None


def forget(session: Session, key: str) -> None:
    """A successful login clears the account key: the right password ends the suspicion."""
    session.execute(delete(LoginThrottle).where(LoginThrottle.key == key))


def prune(session: Session, policy: ThrottlePolicy, now: datetime) -> int:
    """Delete keys nobody touched for `forget_after` whose lock has run out (bounded table).

    Rows another login holds are skipped (SKIP LOCKED on PostgreSQL), so pruning never waits
    for, or deadlocks with, a claim.
    """
    stale = (
        select(LoginThrottle.id)
        .where(LoginThrottle.updated_at < now - policy.forget_after)
        .where((LoginThrottle.locked_until.is_(None)) | (LoginThrottle.locked_until < now))
        .limit(1000)
        .with_for_update(skip_locked=True)
    )
    ids = list(session.scalars(stale))
    if ids:
        session.execute(delete(LoginThrottle).where(LoginThrottle.id.in_(ids)))
    return len(ids)


def unlock(session: Session, username: str) -> int:
    """`guanjia user enable` helps a user who locked themselves out: their account keys go."""
    prefix = f"acct:{username.strip().lower()}|"
    result = session.execute(
        update(LoginThrottle)
        .where(LoginThrottle.key.startswith(prefix, autoescape=True))
        .values(attempts=0, locked_until=None)
        .execution_options(synchronize_session=False)
    )
    return int(getattr(result, "rowcount", 0) or 0)
