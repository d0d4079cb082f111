"""Time the web ledger over a million tickets, on SQLite or PostgreSQL (through HTTP).

    .venv/bin/python bench/web_ledger.py [--tickets 1000000] [--reuse]
        [--database sqlite|sqlite:///FILE|postgresql+psycopg://…/bench_ledger]

Seeds the tickets (executemany on SQLite, COPY on PostgreSQL; the PostgreSQL database is
wiped, give it one of its own), ANALYZEs, then prints the median of `--repeat` requests of
each ledger page (50 rows and a count capped at 1,000). The search terms have 1, 2, 3, 5
characters and several words, common and rare. `--reuse` times a database an earlier run seeded
(a PostgreSQL URL or `sqlite:///FILE`) after migrating it to head, instead of seeding it again
(seeding a million takes minutes). With `--export-rss` it also measures the peak
memory of writing the xlsx of 10,000 and of 100,000 tickets (each in a fresh process).
"""

from __future__ import annotations

import argparse
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from fastapi.testclient import TestClient  # noqa: E402
from sqlalchemy import Engine, inspect, text  # noqa: E402
from sqlalchemy.orm import Session  # noqa: E402

from bot.app import create_app  # noqa: E402
from bot.app_services import build_services  # noqa: E402
from bot.core.clock import ManualClock  # noqa: E402
from bot.core.db import make_engine, make_session_factory  # noqa: E402
from bot.core.migrations import upgrade_to_head  # noqa: E402
from bot.tickets.search.index_upkeep import catch_up  # noqa: E402
from bot.web.accounts.users import create_user  # noqa: E402
from config import load_config  # noqa: E402
from config.settings import PROJECT_ROOT, Settings  # noqa: E402

NOW = datetime(2026, 11, 30, 2, 0, tzinfo=UTC)
REQUESTS = (
    "/",
    "/?page=1000",
    "/?unit=hws",
    "/?status=open",
    "/?overdue=1",
    "/?category=car_parking&status=claimed",
    "/?area=延庆镇&urgent=1",
    "/?since=2026-11-01&until=2026-11-07",
    "/?sort=deadline",
    "/?sort=old&page=500",
    "/?q=府前街",
    "/?q=府前街 垃圾&unit=hws",
    "/?q=垃",
    "/?q=井盖",
    "/?q=路灯",
    "/?q=高塔街17号",
    "/?q=没有这个词",
    "/?q=缺失 百泉街 8号",
)
STREETS = ["府前街", "东关大街", "妫水北街", "高塔街", "百泉街", "南环路", "北环路", "东外大街"]
PROBLEMS = ["垃圾堆了两天", "车辆违停", "小广告", "井盖缺失", "占道经营", "路灯不亮", "绿化带枯死", "共享单车乱放"]
STATUSES = ["dispatched", "claimed", "fixed", "closed", "closed", "closed", "cancelled", "triage"]
AREAS = ["延庆镇", "儒林街道", "百泉街道", "香水园街道"]
COLUMNS = [
    "status", "category", "unit", "location", "place_key", "area", "urgent", "confidence", "text", "reporter_id",
    "reporter_name", "group_id", "created_at", "dispatched_at", "claim_deadline", "fix_deadline",
]  # fmt: skip


def rows(cfg, count: int) -> Iterator[tuple[object, ...]]:  # type: ignore[no-untyped-def]
    """One report every 5 minutes up to NOW; the rare problems make the rare search terms."""
    rng = random.Random(7)
    units, categories = list(cfg.units), list(cfg.categories)
    for n in range(count):
        created = (NOW - timedelta(minutes=5 * (count - n))).replace(tzinfo=None)
        street = rng.choice(STREETS)
        problem = PROBLEMS[min(int(rng.expovariate(0.9)), len(PROBLEMS) - 1)]
        place = f"{street}{rng.randint(1, 200)}号"
        yield (
            rng.choice(STATUSES), rng.choice(categories), rng.choice(units), place, place, rng.choice(AREAS),
            rng.random() < 0.03, 1.0, f"{place}附近{problem}", "wgy_li", "李网格", "demo", created, created,
            created + timedelta(hours=2), created + timedelta(hours=24),
        )  # fmt: skip


def seed(url: str, cfg, count: int) -> Engine:  # type: ignore[no-untyped-def]
    engine = make_engine(url)
    if engine.dialect.name == "postgresql":
        with engine.begin() as connection:
            for name in [*inspect(connection).get_table_names(), "alembic_version"]:
                connection.execute(text(f'DROP TABLE IF EXISTS "{name}" CASCADE'))
    upgrade_to_head(url)
    raw = engine.raw_connection()
    try:
        cursor = raw.cursor()
        if engine.dialect.name == "postgresql":
            with cursor.copy(f"COPY tickets ({', '.join(COLUMNS)}) FROM STDIN") as copy:
                for row in rows(cfg, count):
                    copy.write_row(row)
            raw.commit()
            # What autovacuum does soon after a million inserts, done before the timing rather than
            # during it: the visibility map for index-only scans, the GIN pending list merged.
            raw.driver_connection.autocommit = True  # type: ignore[union-attr]
            cursor.execute("VACUUM ANALYZE tickets")
        else:
            sql = f"INSERT INTO tickets ({', '.join(COLUMNS)}) VALUES ({', '.join('?' * len(COLUMNS))})"
            batch: list[tuple[object, ...]] = []
            cursor.execute("BEGIN")
            for row in rows(cfg, count):
                batch.append(tuple(v.isoformat(sep=" ") if isinstance(v, datetime) else v for v in row))
                if len(batch) >= 50_000:
                    cursor.executemany(sql, batch)
                    batch = []
            cursor.executemany(sql, batch)
            cursor.execute("COMMIT")
            cursor.execute("ANALYZE")
    finally:
        raw.close()
    # SQLite's search index takes new tickets in bulk (bot/tickets/search/index_upkeep.py): the
    # first search would index the million; do it before the timing, as the intake would have.
    with Session(engine) as session:
        catch_up(session)
    return engine


def reuse(url: str) -> Engine:
    """The database an earlier run seeded, migrated to head (a new migration applies) and ANALYZEd."""
    upgrade_to_head(url)
    engine = make_engine(url)
    with engine.begin() as connection:
        count = connection.scalar(text("SELECT count(*) FROM tickets"))
        connection.execute(text("ANALYZE"))
    print(f"{engine.dialect.name}: reusing {count:,} tickets")
    return engine


def time_pages(url: str, cfg, repeat: int) -> None:  # type: ignore[no-untyped-def]
    settings = Settings(database_url=url, run_scheduler=False, web_secret_key="bench")
    services = build_services(settings, cfg, ManualClock(NOW))
    with services.session_factory() as session, session.begin():
        if session.scalar(text("SELECT count(*) FROM users WHERE username = 'b'")) == 0:  # a reused database has it
            create_user(session, cfg, username="b", password="bench-pass", role="supervisor", unit=None, now=NOW)
    print(f"{'median':>9}  {'max':>9}  {'rows':>7}  path")
    with TestClient(create_app(services)) as client:
        client.post("/login", data={"username": "b", "password": "bench-pass"})
        for path in REQUESTS:
            times = []
            for _ in range(repeat):
                started = time.perf_counter()
                answer = client.get(path)
                times.append(time.perf_counter() - started)
                assert answer.status_code == 200, (path, answer.status_code)
            total = answer.text.split("共 <strong>")[1].split("<")[0]
            flag = "" if statistics.median(times) <= 0.1 else "  OVER 100 ms"
            print(f"{statistics.median(times) * 1000:7.1f}ms  {max(times) * 1000:7.1f}ms  {total:>7}  {path}{flag}")


def export_rss(url: str, rows_wanted: int) -> tuple[float, int, int]:
    """(seconds, peak RSS in MiB, rows) of exporting the newest `rows_wanted` tickets, in a fresh process."""
    child = subprocess.run(
        [sys.executable, __file__, "--export-child", str(rows_wanted), "--database", url],
        check=True, capture_output=True, text=True,
    )  # fmt: skip
    seconds, rss, written = child.stdout.split()
    return float(seconds), int(rss), int(written)


def export_child(url: str, rows_wanted: int) -> None:
    from bot.reports.exports.writer import write_filtered_ledger
    from bot.reports.ledger_query import LedgerFilter

    cfg = load_config(PROJECT_ROOT / "config" / "guanjia.yaml")
    engine = make_engine(url)
    sessions = make_session_factory(engine)
    flt = LedgerFilter(since=(NOW - timedelta(minutes=5 * rows_wanted)).date())  # one report every 5 minutes
    started = time.perf_counter()
    with tempfile.TemporaryFile() as out:
        written = write_filtered_ledger(sessions, cfg, out, flt, NOW, None)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024
    print(f"{time.perf_counter() - started:.2f} {peak} {written}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tickets", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--database", default="sqlite", help="sqlite (a temporary file) or a PostgreSQL URL")
    parser.add_argument("--reuse", action="store_true", help="time the database as an earlier run seeded it")
    parser.add_argument("--export-rss", action="store_true", help="also measure the xlsx export's memory")
    parser.add_argument("--export-child", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.export_child:
        export_child(args.database, args.export_child)
        return 0
    cfg = load_config(PROJECT_ROOT / "config" / "guanjia.yaml")
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{tmp}/bench.db" if args.database == "sqlite" else args.database
        if args.reuse and args.database == "sqlite":
            parser.error("--reuse needs a database that outlives the run: sqlite:///FILE or a PostgreSQL URL")
        started = time.perf_counter()
        engine = reuse(url) if args.reuse else seed(url, cfg, args.tickets)
        if not args.reuse:
            print(f"{engine.dialect.name}: seeded {args.tickets:,} tickets in {time.perf_counter() - started:.1f}s")
        engine.dispose()
        time_pages(url, cfg, args.repeat)
        if args.export_rss:
            for wanted in (10_000, 100_000):
                seconds, rss, written = export_rss(url, wanted)
                print(f"export of {written:,} tickets: {seconds:.1f}s, peak RSS {rss} MiB (fresh process)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
