"""The digests as a scheduler producer: queue each one in the outbox once, when its time comes.

`queue_due_digests(session, cfg, now)` fits `bot.schedule.scheduler.DueProducer`; `run_due(now)` calls
it every sweep. A digest is due from its configured local time on its day until midnight;
its outbox row carries a dedupe key (kind, day, group), so a second sweep, a restart or a
second process never sends it twice.
"""

from __future__ import annotations

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.outbound.outbox import enqueue
from bot.reports.digests import DigestKind, scheduled_digests
from config.schema import GuanjiaConfig
from models import OutboxMessage

NAMES = {"daily": "日报", "weekly": "周报", "monthly": "月报"}


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


def queue_due_digests(session: Session, cfg: GuanjiaConfig, now: datetime) -> list[str]:
    """Queue what is due and not yet queued; returns what was queued, e.g. ["日报 demo"]."""
    queued = []
    for kind, day in due_kinds(cfg, now):
        keys = [_key(kind, day, g) for g in cfg.groups]
        known = set(session.scalars(select(OutboxMessage.dedupe_key).where(OutboxMessage.dedupe_key.in_(keys))))
        if not keys or known.issuperset(keys):
            continue
        for group_id, result in scheduled_digests(session, cfg, kind, now):
            key = _key(kind, day, group_id)
            if key in known:
                continue
            message_id = enqueue(
                session,
                group_id=group_id,
                kind="digest",
                text=result.text,
                now=now,
                image_png_base64=result.image_png_base64,
                dedupe_key=key,
            )
            if message_id is not None:
                queued.append(f"{NAMES[kind]} {group_id}")
    return queued
