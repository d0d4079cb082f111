"""`guanjia demo`: seed weeks of realistic history so a newcomer's first run shows everything.

Why: an empty database shows empty digests, rankings and charts. The history is played through
the real intake (see demo/history.py), ending at the wall clock, so `guanjia digest weekly` right
after covers the last full week. It refuses a database that already has tickets unless --force:
the demo must never mix invented problems into a district's real ledger by accident.
"""

from __future__ import annotations

import argparse
import random
from datetime import datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, select

from bot.cli import startup
from bot.core.clock import ManualClock

SUMMARY_ORDER = (
    "上报",
    "认领",
    "认领（超时）",
    "退回",
    "转派",
    "延期",
    "完成",
    "完成（超时）",
    "验收通过",
    "验收不通过",
    "满意",
    "不满意",
    "督查",
    "回头看合格",
    "回头看反弹",
    "未完成",
)


class _Archive:
    """A transport that records messages as delivered without posting them anywhere.

    Why: the history's reminders and digests are past; posting hundreds of them to a real
    group (or the console) when the demo runs would be noise, and leaving them queued would
    flood the group at the next `make run`.
    """

    def send(self, target: Any, message: Any, cfg: Any) -> Any:
        from bot.outbound.delivery import DeliveryResult

        return DeliveryResult.success()


def week_start(now: datetime, timezone: str, weeks: int) -> datetime:
    """Monday 00:00 `weeks` weeks before the current week, so each digest week is complete."""
    local = now.astimezone(ZoneInfo(timezone))
    monday = local.date() - timedelta(days=local.weekday() + 7 * weeks)
    return datetime.combine(monday, time(0, 0), tzinfo=ZoneInfo(timezone))


def seed(services: Any, clock: ManualClock, end: datetime, weeks: int, scale: str, seed_value: int = 16) -> Any:
    """Plan the reports and rounds day by day from `clock.now()` to `end`, then play them."""
    from bot.cli.demo.history import HOTSPOTS, PLACES, PROBLEMS, REPORTERS, SCALES, DemoHistory

    history = DemoHistory(services, clock, seed_value)
    rng = random.Random(seed_value)
    weekday_n, weekend_n = SCALES[scale]
    categories = sorted(c for c in PROBLEMS if c in services.cfg.categories)
    points = sorted(services.cfg.points.list.values(), key=lambda p: p.name)
    start = clock.now()
    history.start(start, history.sweeper(end))
    day = planned = 0
    while (midnight := start + timedelta(days=day)) < end:
        weekend = midnight.weekday() >= 5
        for _ in range(weekend_n if weekend else weekday_n):
            # every category once first, then at random, so each one has history
            category = categories[planned] if planned < len(categories) else rng.choice(categories)
            planned += 1
            text = rng.choice(PROBLEMS[category]).format(p=rng.choice(PLACES))
            at = midnight + timedelta(hours=rng.uniform(7.5, 19))
            history.start(at, _once(history.report, text, rng.choice(REPORTERS)))
        if day % 3 == 0:  # the 顽疾: the same problem at the same place every few days
            place, category = HOTSPOTS[(day // 3) % len(HOTSPOTS)]
            text = rng.choice(PROBLEMS[category]).format(p=place)
            at = midnight + timedelta(hours=rng.uniform(8, 18))
            history.start(at, _once(history.report, text, "wgy_li"))
        if not weekend and points:
            for _ in range(2 if scale == "default" else 1):
                point = rng.choice(points)
                inspector = ("wgy_sun", "ccb_zhao")[rng.randint(0, 1)]
                at = midnight + timedelta(hours=rng.uniform(9, 16))
                history.start(at, history.inspection(point.name, point.type, inspector))
        day += 1
    for k in range(4):  # the last hours' reports, so the board has work in hand right now
        text = rng.choice(PROBLEMS[rng.choice(categories)]).format(p=rng.choice(PLACES))
        history.start(end - timedelta(hours=0.2 + 1.1 * k), _once(history.report, text, "wgy_li"))
    history.run(end)
    return history.tally


def _once(action: Any, *args: Any) -> Any:
    """A one-step story: do the action, then stop (a generator that yields nothing)."""
    action(*args)
    yield from ()


def cmd_demo(args: argparse.Namespace) -> int:
    from bot.app_services import build_services
    from config.settings import get_settings
    from models import Ticket

    settings = get_settings()
    cfg = startup.load_or_exit(settings)
    startup.migrate(settings)
    now: datetime = args.clock.now()
    clock = ManualClock(week_start(now, cfg.timezone, args.weeks))
    transports: dict[str, Any] = {name: _Archive() for name in ("console", "generic", "dingtalk", "wecom", "feishu")}
    services = build_services(settings, cfg, clock=clock, transports=transports)
    with services.session_factory() as session:
        existing = session.scalar(select(func.count()).select_from(Ticket)) or 0
    if existing and not args.force:
        print(f"数据库里已有 {existing} 张工单，演示数据不会混进真实台账；确需追加请加 --force")
        return 1
    tally = seed(services, clock, now, args.weeks, args.scale)
    services.engine.dispose()
    done = "，".join(f"{key} {tally.counts[key]}" for key in SUMMARY_ORDER if tally.counts[key])
    print(f"已生成 {args.weeks} 周演示历史：{done}")
    print("接着试试：guanjia digest weekly，或 make run 后打开网页台账")
    return 0


def add_demo_command(sub: Any) -> None:
    demo = sub.add_parser("demo", help="seed weeks of realistic demo history (refuses a non-empty database)")
    demo.add_argument("--weeks", type=int, default=4, choices=range(1, 9), metavar="N", help="weeks (1-8, default 4)")
    demo.add_argument("--scale", choices=["small", "default"], default="default", help="reports per day")
    demo.add_argument("--force", action="store_true", help="add the demo history even if tickets exist")
    demo.set_defaults(func=cmd_demo)
