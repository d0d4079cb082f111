"""The digests as scheduler producers: queue each one in the outbox once, when its time comes.

One producer per kind (日报, 周报, 月报, `digest_producers`), each in transactions of its own, so
one failing leaves the others' output (and the reminders) in place. A producer reads what is
due and not yet queued, closes that transaction, draws the charts (matplotlib takes a while;
on SQLite an open transaction holds the write lock), then queues the digests in a second one.
A digest is due from its configured local time on its day until midnight; its outbox row
carries a dedupe key (kind, day, group), so a second sweep, a restart or a second process
racing between the two transactions never sends it twice.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from bot.outbound.outbox import enqueue
from bot.reports.digest_format import Digest
from bot.reports.digests import DigestKind, scheduled_digests
from bot.reports.summaries import with_chart
from config.schema import GuanjiaConfig
from models import OutboxMessage

NAMES = {"daily": "日报", "weekly": "周报", "monthly": "月报"}
KINDS: tuple[DigestKind, ...] = ("daily", "weekly", "monthly")


def due_kinds(cfg: GuanjiaConfig, now: datetime) -> list[tuple[DigestKind, date]]:
    local = now.astimezone(ZoneInfo(cfg.timezone))
    today, clock = local.date(), local.time().replace(tzinfo=None)
    settings = cfg.digests
    due: list[tuple[DigestKind, date]] = []

    def reached(at: time) -> bool:
        return clock >= at

    if reached(settings.daily_time):
        due.append(("daily", today))
    if today.weekday() == settings.weekly_weekday and reached(settings.weekly_time):
        due.append(("weekly", today))
    if today.day == settings.monthly_day and reached(settings.monthly_time):
        due.append(("monthly", today))
    return due


def _key(kind: str, day: date, group_id: str) -> str:
    return f"digest:{kind}:{day.isoformat()}:{group_id}"


@dataclass(frozen=True)
class DigestProducer:
    """Queues one kind of digest when due; fits `bot.schedule.scheduler.DueProducer`."""

    kind: DigestKind

    @property
    def name(self) -> str:
        return NAMES[self.kind]

    def __call__(self, session_factory: sessionmaker[Session], cfg: GuanjiaConfig, now: datetime) -> list[str]:
        """Queue this kind if due and not yet queued; returns what was queued, e.g. ["日报 demo"]."""
        day = next((d for k, d in due_kinds(cfg, now) if k == self.kind), None)
        keys = {g: _key(self.kind, day, g) for g in cfg.groups} if day is not None else {}
        if not keys:
            return []
        with session_factory() as session, session.begin():
            known = set(
                session.scalars(select(OutboxMessage.dedupe_key).where(OutboxMessage.dedupe_key.in_(keys.values())))
            )
            if known.issuperset(keys.values()):
                return []
            pending = [
                (group_id, result)
                for group_id, result in scheduled_digests(session, cfg, self.kind, now, chart=False)
                if keys[group_id] not in known
            ]
        drawn: dict[int, Digest] = {}  # the weekly/monthly digest is one object for every group: drawn once
        for _group_id, result in pending:
            if id(result) not in drawn:
                drawn[id(result)] = with_chart(cfg, result)
        ready = [(group_id, drawn[id(result)]) for group_id, result in pending]
        queued = []
        with session_factory() as session, session.begin():
            for group_id, result in ready:
                message_id = enqueue(
                    session,
                    group_id=group_id,
                    kind="digest",
                    text=result.text,
                    now=now,
                    image_png_base64=result.image_png_base64,
                    dedupe_key=keys[group_id],
                )
                if message_id is not None:
                    queued.append(f"{self.name} {group_id}")
        return queued


def digest_producers() -> list[DigestProducer]:
    return [DigestProducer(kind) for kind in KINDS]


def queue_due_digests(session_factory: sessionmaker[Session], cfg: GuanjiaConfig, now: datetime) -> list[str]:
    """Every kind that is due, each in its own transactions (what one scheduler sweep queues)."""
    return [queued for produce in digest_producers() for queued in produce(session_factory, cfg, now)]
