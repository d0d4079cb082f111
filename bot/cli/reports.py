"""`guanjia digest` and `guanjia export`: the digests and the Excel ledger from the command line."""

from __future__ import annotations

import argparse
import base64
from datetime import date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from bot.cli import startup


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date (YYYY-MM-DD): {text!r}") from None


def _instant(text: str) -> datetime:
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not an ISO time: {text!r}") from None


def _now(args: argparse.Namespace, timezone: str) -> datetime:
    if args.now is None:
        wall: datetime = args.clock.now()  # `main` injects the clock
        return wall
    now: datetime = args.now
    return now.replace(tzinfo=ZoneInfo(timezone)) if now.tzinfo is None else now


def _open(args: argparse.Namespace) -> tuple[Any, Any]:
    from bot.core.db import make_engine, make_session_factory
    from config.settings import get_settings

    settings = get_settings()
    cfg = startup.load_or_exit(settings)
    startup.migrate(settings)
    return cfg, make_session_factory(make_engine(settings.database_url))


def cmd_digest(args: argparse.Namespace) -> int:
    from bot.reports.digests import digest
    from bot.reports.summaries import with_chart

    cfg, session_factory = _open(args)
    now = _now(args, cfg.timezone)
    with session_factory() as session:
        result = digest(session, cfg, args.kind, now, on=args.date, group_id=args.group, chart=False)
    if args.chart:  # drawn with the session closed: on SQLite it would hold the write lock
        result = with_chart(cfg, result)
    print(result.text)
    if args.chart and result.image_png_base64:
        Path(args.chart).write_bytes(base64.b64decode(result.image_png_base64))
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    from bot.reports.ledger_export import write_ledger

    cfg, session_factory = _open(args)
    now = _now(args, cfg.timezone)
    with session_factory() as session, open(args.output, "wb") as out:
        count = write_ledger(session, cfg, out, now, since=args.since, until=args.until)
    print(f"已导出 {count} 张工单 → {args.output}")
    return 0


def add_report_commands(sub: Any) -> None:
    digest = sub.add_parser("digest", help="print the daily digest, weekly summary or monthly 通报")
    digest.add_argument("kind", choices=("daily", "weekly", "monthly"))
    digest.add_argument("--date", type=_day, help="local date (default today); weekly/monthly: the period before it")
    digest.add_argument("--group", help="daily: one group's digest (default: district-wide)")
    digest.add_argument("--chart", metavar="FILE.png", help="weekly/monthly: also write the bar chart")
    digest.add_argument("--now", type=_instant, help="measure as of this ISO time (default: now)")
    digest.set_defaults(func=cmd_digest)
    export = sub.add_parser("export", help="write the ticket ledger (台账) as an Excel file")
    export.add_argument("--since", type=_day, help="first local date reported (inclusive)")
    export.add_argument("--until", type=_day, help="last local date reported (inclusive)")
    export.add_argument("-o", "--output", default="台账.xlsx")
    export.add_argument("--now", type=_instant, help="measure overdue as of this ISO time (default: now)")
    export.set_defaults(func=cmd_export)
