"""What a long history costs the intake: its per-message lookups for a sender with years behind them.

    .venv/bin/python bench/intake_history.py --database URL [--suspects 100000] [--repeat 30]

URL is a database `bench/web_ledger.py` seeded (`--tickets 1000000 --database ...`; on SQLite
give it `sqlite:///FILE` so the file stays). All its tickets are 李网格's (wgy_li), in one
group: a grid worker who reports every day for years. The first run also gives them
`--suspects` suspected reports (near-misses and questions the bot asked, one every 10 minutes
before the seeded tickets' end). Then it times, in process, what the intake does for every
message inside the writer that every message of the process waits for:
- recording a chatter line ("收到") from wgy_li and from a sender with no history
  (`Intake.handle_batch`: one INSERT whose subqueries ask for the question awaiting the
  sender's answer, their latest report and waiting evidence, then the commit);
- the follow-up lookup a short line after a report makes (bot/chat/followups.py
  `recent_report`) for wgy_li's latest report;
- a report's open repeat (bot/tickets/hot_writes.py `open_repeated`) at a spot reported for years
  (`--spot` closed tickets of garbage at 南关市场门口, added on the first run).
On PostgreSQL each is timed twice: as the planner chooses, and with `plan_cache_mode =
force_generic_plan`, the plan psycopg's prepared statements may get after five runs, made for
any parameters. Medians of the runs after the first 10 (the statements are prepared by then).

Issue 15, session 6, at a million tickets, 100,000 suspected reports of wgy_li and 20,000 closed
tickets at one spot, before (3857b20) → after, medians in ms (a machine ~2.5x slower per message
than session 5's, with the test suite running beside):

| | PostgreSQL | PostgreSQL, generic plans | SQLite |
|---|---|---|---|
| recording a line of wgy_li | 25.1 → 1.5 | 39.9 → 1.4 | 66.5 → 0.36 |
| recording a line of a new sender | 1.6 → 1.9 | 1.6 → 0.9 | 0.84 → 0.35 |
| the follow-up lookup | 217 → 0.96 | 241 → 0.85 | 470 → 0.12 |
| a report's open repeat at a spot with 20,000 closed tickets | 10.8 → 0.50 | 13.0 → 0.48 | 8.9 → 0.12 |
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import func, insert, select  # noqa: E402
from sqlalchemy.orm import Session  # noqa: E402

from models import InboundMessage, SuspectedReport, Ticket  # noqa: E402

REPORTER, GROUP = "wgy_li", "demo"  # bench/web_ledger.py's seeded tickets
HOT_SPOT, HOT_CATEGORY = "南关市场门口", "garbage"  # reported for years: closed tickets pile up there


def _closed_at_spot(i: int) -> dict[str, object]:
    at = datetime(2024, 1, 1, tzinfo=UTC) + timedelta(hours=i)
    return {
        **{"status": "closed", "category": HOT_CATEGORY, "unit": "hws", "text": f"{HOT_SPOT}垃圾又满了"},
        **{"reporter_id": REPORTER, "reporter_name": "李网格", "group_id": GROUP},
        **{"location": HOT_SPOT, "place_key": HOT_SPOT},
        **{"created_at": at, "closed_at": at + timedelta(hours=5)},
    }


def _message_row(i: int, at: datetime) -> dict[str, object]:
    return {
        **{"platform": "generic", "msg_id": f"history-{i}", "group_id": GROUP, "sender_id": REPORTER},
        **{"sender_name": "李网格", "text": "这里好像有点问题", "images": [], "received_at": at},
    }


def _suspect_row(i: int, inbound: int, at: datetime) -> dict[str, object]:
    kind = "asked" if i % 3 == 0 else "near_miss"
    status = "pending" if i % 2 == 0 else "dismissed"
    row = {key: value for key, value in _message_row(i, at).items() if key != "platform"}
    return {**row, "inbound_id": inbound, "kind": kind, "status": status}


def add_history(url: str, count: int, spot: int) -> None:
    """`count` suspected reports of wgy_li (a third questions, half of all still pending), and
    `spot` closed tickets of one category at one place."""
    from bot.core.db import make_engine

    engine = make_engine(url)
    with Session(engine) as session:
        at_spot = session.scalar(select(func.count()).where(Ticket.location == HOT_SPOT)) or 0
        if at_spot < spot:
            session.execute(insert(Ticket), [_closed_at_spot(i) for i in range(at_spot, spot)])
        have = session.scalar(select(func.count()).where(SuspectedReport.sender_id == REPORTER)) or 0
        end = session.scalar(select(func.max(Ticket.created_at)).where(Ticket.reporter_id == REPORTER))
        assert end is not None, "seed the database with bench/web_ledger.py first"
        for start in range(have, count, 10_000):  # nothing when they are there
            rows = range(start, min(start + 10_000, count))
            stamps = {i: end - timedelta(minutes=10 * (count - i)) for i in rows}
            messages = [_message_row(i, stamps[i]) for i in rows]
            returning = insert(InboundMessage).returning(InboundMessage.id, sort_by_parameter_order=True)
            ids = session.scalars(returning, messages).all()
            suspects = [_suspect_row(i, inbound, stamps[i]) for inbound, i in zip(ids, rows, strict=True)]
            session.execute(insert(SuspectedReport), suspects)
        session.commit()
    engine.dispose()


def report(name: str, timings: list[float]) -> None:
    """The prepared runs' median; the first ten (planned with their values) shown by their worst."""
    prepared, first = statistics.median(timings[10:]), max(timings[1:10])
    print(f"  {name:<34} median {prepared:7.2f} ms  (worst of runs 2-10: {first:.1f})")


def measure(url: str, repeat: int) -> None:
    """One process per plan mode, so each starts with fresh prepared statements."""
    from bot.app_services import build_services
    from bot.chat.followups import recent_report
    from bot.chat.messages import IncomingMessage
    from bot.tickets.hot_writes import open_repeated
    from config.settings import Settings

    services = build_services(Settings(database_url=url, run_scheduler=False))
    for sender in (REPORTER, f"new-{uuid.uuid4().hex[:6]}"):
        timings = []
        for _ in range(repeat):
            message = IncomingMessage("generic", f"history-{uuid.uuid4().hex}", GROUP, sender, "某人", "收到")
            read = services.intake.read(message)
            started = time.perf_counter()
            services.intake.handle_batch([(read, ())])
            timings.append((time.perf_counter() - started) * 1000)
        who = "wgy_li" if sender == REPORTER else "a new sender"
        report(f"recording a line of {who}", timings)
    with services.session_factory() as session:
        latest = session.scalar(select(func.max(Ticket.id)).where(Ticket.reporter_id == REPORTER))
        message = IncomingMessage("generic", "history-photo", GROUP, REPORTER, "李网格", "[图片]")
        lookups = {
            f"follow-up lookup (latest #{latest})": lambda: recent_report(session, message, latest),
            f"a report's open repeat at {HOT_SPOT}": lambda: open_repeated(session, HOT_CATEGORY, HOT_SPOT),
        }
        for name, lookup in lookups.items():
            timings = []
            for _ in range(repeat):
                started = time.perf_counter()
                lookup()
                timings.append((time.perf_counter() - started) * 1000)
                session.rollback()
            report(name, timings)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database", required=True)
    parser.add_argument("--suspects", type=int, default=100_000)
    parser.add_argument("--spot", type=int, default=20_000, help="closed tickets at the busy spot")
    parser.add_argument("--repeat", type=int, default=30)
    parser.add_argument("--measure", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure:
        measure(args.database, args.repeat)
        return 0
    add_history(args.database, args.suspects, args.spot)
    from bot.core.db import make_engine

    engine = make_engine(args.database)
    with Session(engine) as session:
        tickets = session.scalar(select(func.count()).select_from(Ticket))
        suspects = session.scalar(select(func.count()).where(SuspectedReport.sender_id == REPORTER))
    postgres = engine.dialect.name == "postgresql"
    engine.dispose()
    print(f"{engine.dialect.name}: {tickets} tickets; wgy_li has {suspects} suspected reports")
    modes = ("auto", "force_generic_plan") if postgres else ("auto",)
    for mode in modes:
        print(f"plans: {mode}" if postgres else "plans: SQLite's")
        env = {**os.environ, "PGOPTIONS": f"-c plan_cache_mode={mode}"}
        command = [sys.executable, __file__, "--measure", "--database", args.database, "--repeat", str(args.repeat)]
        subprocess.run(command, env=env, check=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
