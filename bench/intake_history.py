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
  `recent_report`) for wgy_li's latest report.
On PostgreSQL each is timed twice: as the planner chooses, and with `plan_cache_mode =
force_generic_plan`, the plan psycopg's prepared statements may get after five runs, made for
any parameters. Medians of the runs after the first 10 (the statements are prepared by then).

Issue 15, session 6, at a million tickets and 100,000 suspected reports of wgy_li, before
(3857b20) → after, medians in ms (a machine ~2.5x slower per message than session 5's):

| | PostgreSQL | PostgreSQL, generic plans | SQLite |
|---|---|---|---|
| recording a line of wgy_li | 31.5 → 2.6 | 36.8 → 2.0 | 55.4 → 0.39 |
| recording a line of a new sender | 2.0 → 2.2 | 2.3 → 1.7 | 0.55 → 0.38 |
| follow-up lookup | 148 → 1.3 | 180 → 1.6 | 327 → 0.13 |
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
import uuid
from datetime import datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import func, insert, select  # noqa: E402
from sqlalchemy.orm import Session  # noqa: E402

from models import InboundMessage, SuspectedReport, Ticket  # noqa: E402

REPORTER, GROUP = "wgy_li", "demo"  # bench/web_ledger.py's seeded tickets


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


def add_suspects(url: str, count: int) -> None:
    """`count` suspected reports of wgy_li (a third questions, half of all still pending)."""
    from bot.core.db import make_engine

    engine = make_engine(url)
    with Session(engine) as session:
        have = session.scalar(select(func.count()).where(SuspectedReport.sender_id == REPORTER)) or 0
        if have >= count:
            return
        end = session.scalar(select(func.max(Ticket.created_at)).where(Ticket.reporter_id == REPORTER))
        assert end is not None, "seed the database with bench/web_ledger.py first"
        for start in range(have, count, 10_000):
            rows = range(start, min(start + 10_000, count))
            stamps = {i: end - timedelta(minutes=10 * (count - i)) for i in rows}
            messages = [_message_row(i, stamps[i]) for i in rows]
            returning = insert(InboundMessage).returning(InboundMessage.id, sort_by_parameter_order=True)
            ids = session.scalars(returning, messages).all()
            suspects = [_suspect_row(i, inbound, stamps[i]) for inbound, i in zip(ids, rows, strict=True)]
            session.execute(insert(SuspectedReport), suspects)
        session.commit()
    engine.dispose()


def measure(url: str, repeat: int) -> None:
    """One process per plan mode, so each starts with fresh prepared statements."""
    from bot.app_services import build_services
    from bot.chat.followups import recent_report
    from bot.chat.messages import IncomingMessage
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
        print(f"  recording a line of {who:<13} median {statistics.median(timings[10:]):7.2f} ms")
    with services.session_factory() as session:
        latest = session.scalar(select(func.max(Ticket.id)).where(Ticket.reporter_id == REPORTER))
        message = IncomingMessage("generic", "history-photo", GROUP, REPORTER, "李网格", "[图片]")
        timings = []
        for _ in range(repeat):
            started = time.perf_counter()
            recent_report(session, message, latest)
            timings.append((time.perf_counter() - started) * 1000)
            session.rollback()
    print(f"  follow-up lookup (latest #{latest})   median {statistics.median(timings[10:]):7.2f} ms")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database", required=True)
    parser.add_argument("--suspects", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=30)
    parser.add_argument("--measure", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure:
        measure(args.database, args.repeat)
        return 0
    add_suspects(args.database, args.suspects)
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
