"""Time the web ledger over 100,000 tickets (SQLite file in a temp dir, through HTTP).

    .venv/bin/python bench/web_ledger.py [--tickets 100000]

Prints the median time of each ledger request; every page loads 50 rows and one count.
"""

from __future__ import annotations

import argparse
import random
import statistics
import tempfile
import time
from datetime import UTC, datetime, timedelta

from fastapi.testclient import TestClient
from sqlalchemy import insert

from bot.app import create_app
from bot.app_services import build_services
from bot.core.clock import ManualClock
from bot.core.migrations import upgrade_to_head
from bot.web.accounts.users import create_user
from config import load_config
from config.settings import PROJECT_ROOT, Settings
from models import Ticket

REQUESTS = (
    "/",
    "/?page=1000",
    "/?unit=hws",
    "/?status=open",
    "/?overdue=1",
    "/?category=parking&status=claimed",
    "/?area=延庆镇&urgent=1",
    "/?since=2026-11-01&until=2026-11-07",
    "/?sort=deadline",
    "/?q=府前街",
    "/?q=府前街 垃圾&unit=hws",
)


def fill(services, count: int, now: datetime) -> None:  # type: ignore[no-untyped-def]
    rng = random.Random(7)
    units = list(services.cfg.units)
    categories = list(services.cfg.categories)
    streets = ["府前街", "东关大街", "妫水北街", "高塔街", "百泉街", "南环路", "北环路", "东外大街"]
    statuses = ["dispatched", "claimed", "fixed", "closed", "closed", "closed", "cancelled", "triage"]
    rows = []
    for n in range(count):
        created = now - timedelta(minutes=5 * (count - n))
        street = rng.choice(streets)
        rows.append(
            {
                "status": rng.choice(statuses),
                "category": rng.choice(categories),
                "unit": rng.choice(units),
                "location": f"{street}{rng.randint(1, 200)}号",
                "area": rng.choice(["延庆镇", "儒林街道", "百泉街道", "香水园街道"]),
                "urgent": rng.random() < 0.03,
                "confidence": 1.0,
                "text": f"{street}附近{rng.choice(['垃圾堆了两天', '车辆违停', '小广告', '井盖缺失'])}",
                "reporter_id": "wgy_li",
                "reporter_name": "李网格",
                "group_id": "demo",
                "created_at": created,
                "dispatched_at": created,
                "claim_deadline": created + timedelta(hours=2),
                "fix_deadline": created + timedelta(hours=24),
            }
        )
    with services.session_factory() as session, session.begin():
        for start in range(0, count, 5000):
            session.execute(insert(Ticket), rows[start : start + 5000])


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--tickets", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    now = datetime(2026, 11, 30, 2, 0, tzinfo=UTC)
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{tmp}/bench.db"
        upgrade_to_head(url)
        settings = Settings(database_url=url, run_scheduler=False, web_secret_key="bench")
        services = build_services(settings, load_config(PROJECT_ROOT / "config" / "guanjia.yaml"), ManualClock(now))
        started = time.perf_counter()
        fill(services, args.tickets, now)
        print(f"inserted {args.tickets} tickets in {time.perf_counter() - started:.1f}s")
        with services.session_factory() as session, session.begin():
            create_user(
                session, services.cfg, username="b", password="bench-pass", role="supervisor", unit=None, now=now
            )
        with TestClient(create_app(services)) as client:
            client.post("/login", data={"username": "b", "password": "bench-pass"})
            for path in REQUESTS:
                times = []
                for _ in range(args.repeat):
                    started = time.perf_counter()
                    answer = client.get(path)
                    times.append(time.perf_counter() - started)
                    assert answer.status_code == 200, (path, answer.status_code)
                total = answer.text.split("共 <strong>")[1].split("<")[0]
                print(f"{statistics.median(times) * 1000:7.1f} ms  {total:>6} rows  {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
