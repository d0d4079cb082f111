"""Delivers the outbox: retries with exponential backoff, a per-robot rate limit, and leases.

Each message is taken with a short transaction that sets a lease (next_attempt_at in the
future), sent with no transaction open (a slow robot must not hold the database), then
marked. Another sender skips leased and row-locked messages; a sender that dies mid-way
leaves a lease that expires, so nothing is lost.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from bot.core.clock import Clock
from bot.outbound.delivery import DeliveryResult, OutboundMessage, Transport
from config.schema import GuanjiaConfig, OutboundConfig
from models import OutboxMessage, OutboxStatus

log = logging.getLogger(__name__)

LEASE = timedelta(seconds=60)
RATE_WINDOW = timedelta(seconds=60)
_UNLIMITED_PLATFORMS = {"console"}


def target_key(target: OutboundConfig) -> str:
    digest = hashlib.sha256(f"{target.platform}|{target.url or ''}".encode()).hexdigest()[:16]
    return f"{target.platform}:{digest}"


@dataclass
class SendReport:
    sent: int = 0
    retried: int = 0
    failed: int = 0
    deferred: int = 0
    errors: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class _Claimed:
    id: int
    target: OutboundConfig
    message: OutboundMessage
    attempts: int


class OutboxSender:
    def __init__(
        self,
        session_factory: sessionmaker[Session],
        cfg: GuanjiaConfig,
        clock: Clock,
        transports: dict[str, Transport],
    ) -> None:
        self.session_factory = session_factory
        self.cfg = cfg
        self.clock = clock
        self.transports = transports

    def run_once(self, limit: int = 200) -> SendReport:
        """Send what is due now, up to `limit` messages; the scheduler calls this every few seconds."""
        report = SendReport()
        for _ in range(limit):
            claimed = self._claim_next(report)
            if claimed is None:
                break
            transport = self.transports.get(claimed.target.platform)
            if transport is None:
                result = DeliveryResult(ok=False, error=f"no transport for {claimed.target.platform}", permanent=True)
            else:
                try:
                    result = transport.send(claimed.target, claimed.message, self.cfg)
                except Exception as exc:  # a transport bug must not stop the other messages
                    log.exception("transport %s raised", claimed.target.platform)
                    result = DeliveryResult(ok=False, error=f"{type(exc).__name__}: {exc}")
            self._record(claimed, result, report)
        return report

    # --- internals -------------------------------------------------------------------

    def _claim_next(self, report: SendReport) -> _Claimed | None:
        now = self.clock.now()
        with self.session_factory() as session, session.begin():
            query = (
                select(OutboxMessage)
                .where(OutboxMessage.status == OutboxStatus.PENDING, OutboxMessage.next_attempt_at <= now)
                .order_by(OutboxMessage.next_attempt_at, OutboxMessage.id)
                .limit(20)
                .with_for_update(skip_locked=True)
            )
            for row in session.scalars(query):
                group = self.cfg.groups.get(row.group_id)
                if group is None:
                    row.status = OutboxStatus.FAILED
                    row.last_error = f"group {row.group_id!r} is not configured (groups.<id>.outbound)"
                    log.error("outbox %s: %s", row.id, row.last_error)
                    report.failed += 1
                    continue
                target = group.outbound
                free_at = self._rate_limited_until(session, target, now)
                if free_at is not None:
                    row.next_attempt_at = free_at
                    report.deferred += 1
                    continue
                row.next_attempt_at = now + LEASE
                row.attempts += 1
                message = OutboundMessage(
                    group_id=row.group_id,
                    text=row.text,
                    mentions=tuple(row.mentions or ()),
                    image_png_base64=row.image_png_base64,
                )
                return _Claimed(row.id, target, message, row.attempts)
        return None

    def _rate_limited_until(self, session: Session, target: OutboundConfig, now: datetime) -> datetime | None:
        if target.platform in _UNLIMITED_PLATFORMS:
            return None
        key = target_key(target)
        window_start = now - RATE_WINDOW
        recent = select(OutboxMessage.sent_at).where(
            OutboxMessage.target_key == key, OutboxMessage.sent_at > window_start
        )
        count = session.scalar(select(func.count()).select_from(recent.subquery())) or 0
        if count < self.cfg.outbox.rate_per_minute:
            return None
        oldest = session.scalar(select(func.min(recent.subquery().c.sent_at)))
        return (oldest or now) + RATE_WINDOW

    def _record(self, claimed: _Claimed, result: DeliveryResult, report: SendReport) -> None:
        now = self.clock.now()
        settings = self.cfg.outbox
        with self.session_factory() as session, session.begin():
            row = session.get(OutboxMessage, claimed.id, with_for_update=True)
            if row is None:
                return
            if result.ok:
                row.status = OutboxStatus.SENT
                row.sent_at = now
                row.target_key = target_key(claimed.target)
                row.last_error = None
                report.sent += 1
                return
            row.last_error = result.error
            report.errors.append(f"#{row.id}: {result.error}")
            if result.permanent or claimed.attempts >= settings.max_attempts:
                row.status = OutboxStatus.FAILED
                log.error(
                    "ALERT outbox message %s to group %s (%s) given up after %s attempt(s): %s",
                    row.id, row.group_id, claimed.target.platform, claimed.attempts, result.error,
                )  # fmt: skip
                report.failed += 1
                return
            backoff = min(settings.first_retry_seconds * 2 ** (claimed.attempts - 1), settings.max_retry_seconds)
            wait = max(backoff, result.retry_after_seconds or 0)
            row.next_attempt_at = now + timedelta(seconds=wait)
            log.warning(
                "outbox %s attempt %s failed (%s); retry in %.0f s", row.id, claimed.attempts, result.error, wait
            )
            report.retried += 1
