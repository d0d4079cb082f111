"""Operations commands: `guanjia sweep --now ISO` and `guanjia outbox [--send]`."""

from __future__ import annotations

import argparse
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import func, select

from bot.cli import startup
from bot.core.clock import FixedClock
from config.settings import get_settings
from models import OutboxMessage


def _instant(text: str, timezone: str) -> datetime:
    instant = datetime.fromisoformat(text)
    return instant if instant.tzinfo else instant.replace(tzinfo=ZoneInfo(timezone))


def cmd_sweep(args: argparse.Namespace) -> int:
    from bot.app_services import build_services

    settings = get_settings()
    cfg = startup.load_or_exit(settings)
    startup.migrate(settings)
    try:
        now = _instant(args.now, cfg.timezone) if args.now else args.clock.now()
    except ValueError:
        print(f"--now: not an ISO 8601 time: {args.now!r} (e.g. 2026-11-23T09:00+08:00)")
        return 2
    # Everything, the sender's backoff and rate limit included, runs as of that instant.
    services = build_services(settings, cfg, clock=FixedClock(now))
    report = services.scheduler.run_due(now)
    tickets = "、".join(f"#{t}" for t in dict.fromkeys(report.reminded_tickets))
    reminded = f"{len(report.reminded_tickets)} 条" + (f"（{tickets}）" if tickets else "")
    digests = "、".join(report.digests) or "无"
    print(f"截至 {now.astimezone(ZoneInfo(cfg.timezone)):%Y-%m-%d %H:%M}：提醒 {reminded}；摘要 {digests}")
    if report.failed:  # the rest was queued; the log has why, the next sweep retries
        print(f"失败：{'、'.join(report.failed)}（详见日志，下次运行会重试）")
    if args.send:
        sent = services.sender.run_once()
        print(f"发送：成功 {sent.sent}，重试 {sent.retried}，失败 {sent.failed}，限流顺延 {sent.deferred}")
    return 1 if report.failed else 0


def cmd_outbox(args: argparse.Namespace) -> int:
    from bot.app_services import build_services

    settings = get_settings()
    cfg = startup.load_or_exit(settings)
    startup.migrate(settings)
    services = build_services(settings, cfg, clock=args.clock)
    if args.send:
        sent = services.sender.run_once()
        print(f"发送：成功 {sent.sent}，重试 {sent.retried}，失败 {sent.failed}，限流顺延 {sent.deferred}")
    with services.session_factory() as session:
        rows = session.execute(select(OutboxMessage.status, func.count()).group_by(OutboxMessage.status)).all()
    print("发件箱：" + ("，".join(f"{status} {count}" for status, count in rows) or "空"))
    return 0


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    sweep = sub.add_parser("sweep", help="queue the reminders and digests due as of an instant")
    sweep.add_argument("--now", help="ISO 8601 instant (default: now); no offset means the config time zone")
    sweep.add_argument("--send", action="store_true", help="also deliver the outbox right away")
    sweep.set_defaults(func=cmd_sweep)
    outbox = sub.add_parser("outbox", help="outbox status; --send delivers what is due")
    outbox.add_argument("--send", action="store_true")
    outbox.set_defaults(func=cmd_outbox)
