"""迎检's daily escalation as a scheduler producer: each day of a campaign period, from
`campaign.escalation_time` on, one list of the overdue tickets @-ing the leaders.

Why like the digests (bot/schedule/digest_jobs.py): the outbox row carries a dedupe key
(day, group), so a second sweep, a restart or a second process never sends it twice. It is
due for WINDOW after its time, so a scheduler that was down at 09:00 still sends it when it
comes back that morning, but a ticket going overdue in the afternoon does not make a second
"morning" list. A group with nothing overdue gets nothing (leaders hear only of work to chase).
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session, sessionmaker

from bot.outbound.outbox import enqueue
from bot.reports.digests import listing, overdue_lines
from bot.tickets.campaign import ActivePeriod, countdown_line, day_text, period_at
from config.schema import GuanjiaConfig

NAME = "迎检督办"
# How long after campaign.escalation_time the day's list may still go out.
WINDOW = timedelta(hours=2)


def _key(day: date, group_id: str) -> str:
    return f"campaign:escalation:{day.isoformat()}:{group_id}"


def escalation_targets(cfg: GuanjiaConfig) -> list[tuple[str, str | None]]:
    """(group, whose tickets: None = the whole district) the daily list goes to."""
    district = cfg.campaign.escalation_groups or cfg.digests.district_groups
    if district:
        return [(group_id, None) for group_id in district]
    return [(group_id, group_id) for group_id in cfg.groups]


def escalation_text(cfg: GuanjiaConfig, period: ActivePeriod, total: int, lines: list[str], now: datetime) -> str:
    local = now.astimezone(ZoneInfo(cfg.timezone))
    head = f"🚨 迎检督办 {day_text(local.date())}：{period.name}期间超时超期工单{total}条，请领导督促相关单位立即整改"
    return "\n".join([head, *listing("超时超期", total, lines)[1:], countdown_line(cfg, period, now)])


def queue_escalations(session: Session, cfg: GuanjiaConfig, now: datetime) -> list[str]:
    """Queue today's list for each target group if a period is on and its time has come."""
    local = now.astimezone(ZoneInfo(cfg.timezone))
    due = datetime.combine(local.date(), cfg.campaign.escalation_time, tzinfo=local.tzinfo)
    if not due <= local < due + WINDOW:
        return []
    period = period_at(session, cfg, now)
    if period is None:
        return []
    mentions = list(cfg.leaders) + [s for s in cfg.supervisors if s not in cfg.leaders]
    queued: list[str] = []
    for group_id, scope in escalation_targets(cfg):
        total, lines = overdue_lines(session, cfg, now, scope, limit=cfg.campaign.escalation_top)
        if not total:
            continue
        message_id = enqueue(
            session,
            group_id=group_id,
            kind="campaign",
            text=escalation_text(cfg, period, total, lines, now),
            mentions=mentions,
            now=now,
            dedupe_key=_key(local.date(), group_id),
        )
        if message_id is not None:
            queued.append(f"{NAME} {group_id}")
    return queued


class CampaignEscalationProducer:
    """Fits `bot.schedule.scheduler.DueProducer`; one transaction, its own."""

    name = NAME

    def __call__(self, session_factory: sessionmaker[Session], cfg: GuanjiaConfig, now: datetime) -> list[str]:
        with session_factory() as session, session.begin():
            return queue_escalations(session, cfg, now)
