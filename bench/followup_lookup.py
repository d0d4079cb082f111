"""How long the intake's follow-up lookup takes in a big ledger, for a reporter of many tickets.

    .venv/bin/python bench/followup_lookup.py --database URL [--repeat 21]

URL is a database `bench/web_ledger.py` seeded (`--tickets 1000000 --database ...`; on SQLite
give it `sqlite:///FILE` so the file stays). All its tickets are 李网格's, in one group: a
grid worker who reports every day for years is the reporter of many. Every short line after a
report asks which tickets it adds to (bot/chat/followups.py `recent_report`), inside the
writer every message of the process waits for, so this lookup's time is added to every
message's latency while it runs. Prints the median of `--repeat` lookups of the latest ticket's
report, and the database's plan for it.

Issue 15, session 6, at a million tickets: it matched the report's tickets on source_msg_id,
which no index holds: PostgreSQL read the whole table (0.3 s a lookup). Matched on the
(reporter, group, created_at) index the report's tickets share, it reads a few index entries.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import func, select, text  # noqa: E402
from sqlalchemy.orm import Session  # noqa: E402

from bot.chat.followups import _TARGETS, recent_report  # noqa: E402
from bot.chat.messages import IncomingMessage  # noqa: E402
from bot.core.db import make_engine  # noqa: E402
from models import Ticket  # noqa: E402

REPORTER, GROUP = "wgy_li", "demo"  # bench/web_ledger.py's seeded tickets


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database", required=True)
    parser.add_argument("--repeat", type=int, default=21)
    args = parser.parse_args()
    engine = make_engine(args.database)
    message = IncomingMessage("generic", "bench-followup", GROUP, REPORTER, "李网格", "[图片]")
    with Session(engine) as session:
        count = session.scalar(select(func.count()).select_from(Ticket)) or 0
        mine = session.scalar(select(func.count()).where(Ticket.reporter_id == REPORTER)) or 0
        latest = session.scalar(select(func.max(Ticket.id)).where(Ticket.reporter_id == REPORTER))
        if latest is None:
            raise SystemExit(f"no ticket of {REPORTER} here: seed the database with bench/web_ledger.py")
        timings = []
        for _ in range(args.repeat):
            started = time.perf_counter()
            found = recent_report(session, message, latest)
            timings.append((time.perf_counter() - started) * 1000)
            session.rollback()
        bound = _TARGETS.statement.params(latest_id=latest, sender_id=REPORTER)
        sql = str(bound.compile(session.get_bind(), compile_kwargs={"literal_binds": True}))
        explain = "EXPLAIN" if engine.dialect.name == "postgresql" else "EXPLAIN QUERY PLAN"
        plan = [" ".join(str(c) for c in row) for row in session.execute(text(f"{explain} {sql}"))]
    print(f"{engine.dialect.name}: {count} tickets, {mine} of them {REPORTER}'s; latest #{latest}, {len(found)} open")
    print(f"follow-up lookup: median {statistics.median(timings):.2f} ms over {args.repeat} (max {max(timings):.2f})")
    print("plan:")
    for line in plan:
        print(f"  {line}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
