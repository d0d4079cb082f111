"""Daily- and weekly-digest time with 10,000 and with 1,000,000 tickets of history (target: ratio ≤ 2×).

Usage:
  .venv/bin/python bench/digest_bench.py [--tickets 1000000]   # SQLite (temporary files)
  .venv/bin/python bench/digest_bench.py --database postgresql+psycopg://postgres@127.0.0.1:5432/bench_ledger

Both databases get the same recent traffic (`--per-day` reports a day, so the last weeks are
identical); the bigger one just has a longer history behind it. Rows are bulk-loaded with
executemany (SQLite) or COPY (PostgreSQL), the schema comes from the migrations, and the
tables are ANALYZEd as a running database would be. The PostgreSQL database is wiped:
give it one of its own.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import Engine, inspect, text  # noqa: E402

from bot.core.db import make_engine, make_session_factory  # noqa: E402
from bot.core.migrations import upgrade_to_head  # noqa: E402
from bot.reports.digests import digest  # noqa: E402
from config import GuanjiaConfig, load_config  # noqa: E402

NOW = datetime(2026, 11, 30, 9, 0, tzinfo=ZoneInfo("Asia/Shanghai")).astimezone(UTC)
TICKET_COLS = [
    "id",
    "status",
    "category",
    "unit",
    "location",
    "area",
    "urgent",
    "confidence",
    "text",
    "reporter_id",
    "reporter_name",
    "group_id",
    "created_at",
    "dispatched_at",
    "claim_deadline",
    "fix_deadline",
    "claimed_at",
    "claimed_by",
    "fixed_at",
    "closed_at",
]
EVENT_COLS = ["id", "ticket_id", "type", "actor_id", "actor_name", "actor_kind", "at", "data"]


def _ts(instant: datetime | None) -> str | None:
    return None if instant is None else instant.replace(tzinfo=None).isoformat(sep=" ")


def generate(
    cfg: GuanjiaConfig, count: int, per_day: int
) -> Iterator[tuple[tuple[object, ...], list[tuple[object, ...]]]]:
    """(ticket row, its event rows), newest first, one report every 86400/per_day seconds."""
    step = timedelta(seconds=86400 / per_day)
    categories = [c for c in cfg.categories if c != cfg.triage_category]
    units = list(cfg.units)
    event_id = 0
    h = timedelta(hours=1)
    for i in range(count):
        tid = i + 1
        created = NOW - step * (i + 1)
        category = categories[i % len(categories)]
        unit = cfg.categories[category].unit
        events: list[tuple[str, datetime, dict[str, str] | None]] = [
            ("reported", created, None),
            ("dispatched", created, {"unit": unit}),
        ]
        dispatched = created
        if i % 20 == 0:  # returned, then reassigned to another unit
            other = units[(units.index(unit) + 1) % len(units)]
            events += [
                ("returned", created + h, {"from_unit": unit}),
                ("reassigned", created + 2 * h, {"from_unit": cfg.triage_unit, "to_unit": other}),
            ]
            unit, dispatched = other, created + 2 * h
        age = NOW - created
        stage = 4 if age > timedelta(days=7) else i % 5  # 0 dispatched .. 3 fixed, 4 closed
        claimed = dispatched + (3 * h if i % 4 == 0 else h)
        fixed = dispatched + (30 * h if i % 6 == 0 else 20 * h)
        closed = fixed + 2 * h
        if claimed > NOW or fixed > NOW or closed > NOW:
            stage = 0
        status = ("dispatched", "claimed", "fixed", "closed", "closed")[stage]
        if stage >= 1:
            events.append(("claimed", claimed, None))
        if stage >= 2:
            if i % 25 == 0:
                events += [("fixed", fixed - 4 * h, None), ("reopened", fixed - 3 * h, None)]
            events.append(("fixed", fixed, None))
        if stage >= 3:
            events.append(("verified", closed, None))
        row = (
            tid, status, category, unit, f"测试路{i % 997}号", "延庆镇", False, 0.9, "垃圾堆了两天了",
            "wgy_li", "李网格", "demo", _ts(created), _ts(dispatched), _ts(dispatched + 2 * h),
            _ts(dispatched + 24 * h), _ts(claimed if stage >= 1 else None), "x" if stage >= 1 else None,
            _ts(fixed if stage >= 2 else None), _ts(closed if stage >= 3 else None),
        )  # fmt: skip
        rows = []
        for type_, at, data in events:
            event_id += 1
            rows.append((event_id, tid, type_, "bot", "大管家", "system", _ts(at), json.dumps(data) if data else None))
        yield row, rows


def reset(url: str) -> Engine:
    engine = make_engine(url)
    if engine.dialect.name == "postgresql":
        with engine.begin() as connection:
            existing = set(inspect(connection).get_table_names())
            for name in [*existing, "alembic_version"]:
                connection.execute(text(f'DROP TABLE IF EXISTS "{name}" CASCADE'))
    upgrade_to_head(url)
    return engine


def load(engine: Engine, cfg: GuanjiaConfig, count: int, per_day: int, batch: int = 50_000) -> None:
    raw = engine.raw_connection()
    try:
        cursor = raw.cursor()
        if engine.dialect.name == "postgresql":
            # One COPY at a time per connection: tickets first, then events.
            with cursor.copy(f"COPY tickets ({', '.join(TICKET_COLS)}) FROM STDIN") as tickets:
                for row, _ in generate(cfg, count, per_day):
                    tickets.write_row(row)
            with cursor.copy(f"COPY ticket_events ({', '.join(EVENT_COLS)}) FROM STDIN") as events:
                for _, rows in generate(cfg, count, per_day):
                    for event in rows:
                        events.write_row(event)
            raw.commit()
            cursor.execute("ANALYZE tickets")
            cursor.execute("ANALYZE ticket_events")
            raw.commit()
            return
        ticket_sql = f"INSERT INTO tickets ({', '.join(TICKET_COLS)}) VALUES ({', '.join('?' * len(TICKET_COLS))})"
        event_sql = f"INSERT INTO ticket_events ({', '.join(EVENT_COLS)}) VALUES ({', '.join('?' * len(EVENT_COLS))})"
        cursor.execute("BEGIN")
        ticket_rows: list[tuple[object, ...]] = []
        event_rows: list[tuple[object, ...]] = []
        for row, rows in generate(cfg, count, per_day):
            ticket_rows.append(row)
            event_rows += rows
            if len(ticket_rows) >= batch:
                cursor.executemany(ticket_sql, ticket_rows)
                cursor.executemany(event_sql, event_rows)
                ticket_rows, event_rows = [], []
        cursor.executemany(ticket_sql, ticket_rows)
        cursor.executemany(event_sql, event_rows)
        cursor.execute("COMMIT")
        cursor.execute("ANALYZE")
    finally:
        raw.close()


def time_digest(engine: Engine, cfg: GuanjiaConfig, kind: str, runs: int) -> tuple[float, str]:
    factory = make_session_factory(engine)
    timings = []
    text_out = ""
    for _ in range(runs + 1):  # the first run warms caches and is not counted
        with factory() as session:
            started = time.perf_counter()
            text_out = digest(session, cfg, kind, NOW, chart=False).text
            timings.append(time.perf_counter() - started)
    return statistics.median(timings[1:]), text_out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument(
        "--database",
        "--database-url",
        dest="database_url",
        help="PostgreSQL URL to wipe and use (default: SQLite)",
    )
    parser.add_argument("--sizes", default="", help="comma-separated ticket counts (default: 10000 and --tickets)")
    parser.add_argument("--tickets", type=int, default=1_000_000, help="the big history")
    parser.add_argument("--per-day", type=int, default=300, help="reports a day (recent traffic)")
    parser.add_argument("--runs", type=int, default=5, help="timed runs per size (median shown)")
    args = parser.parse_args()
    cfg = load_config(ROOT / "config" / "guanjia.yaml")
    sizes = [int(s) for s in args.sizes.split(",")] if args.sizes else [10_000, args.tickets]
    results: dict[str, list[tuple[int, float]]] = {"daily": [], "weekly": []}
    with tempfile.TemporaryDirectory() as tmp:
        for size in sizes:
            url = args.database_url or f"sqlite:///{tmp}/bench_{size}.db"
            engine = reset(url)
            started = time.perf_counter()
            load(engine, cfg, size, args.per_day)
            loaded = time.perf_counter() - started
            print(f"{engine.dialect.name}: {size:>9,} tickets (loaded in {loaded:.1f}s)")
            for kind, found in results.items():
                seconds, summary = time_digest(engine, cfg, kind, args.runs)
                found.append((size, seconds))
                print(f"  {kind} digest {seconds * 1000:.1f} ms   {summary.splitlines()[1]}")
            engine.dispose()
    for kind, found in results.items():
        if len(found) >= 2:
            ratio = found[-1][1] / found[0][1]
            verdict = "OK" if ratio <= 2 else "ABOVE TARGET"
            print(f"{kind} ratio {found[-1][0]:,} / {found[0][0]:,}: {ratio:.2f}× (target ≤ 2×) {verdict}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
