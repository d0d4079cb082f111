"""The database's own share of a message on SQLite: the intake's statements replayed bare.

    .venv/bin/python bench/intake_floor.py [--messages 3000] [--batch 16] [--rounds 3]

Issue 15 asks for a served message at no more than four times a bare endpoint's cost. This
prints what no rewrite of the Python around the database can remove. It runs the real intake
in process (`Intake.handle_batch`, group commit, on the ingest bench's traffic) against a
scratch SQLite database and records every statement it sends to the driver, batch by batch.
It then replays exactly those statements, with their parameters, on the raw `sqlite3` module
against a second scratch database with the same schema and pragmas (WAL, synchronous=NORMAL,
foreign keys), one transaction per batch as the intake commits them. The replay has no ORM,
no Core, no parsing and no decisions: it is the cost of the rows and indexes the ledger keeps.

Prints, per message: the intake's write CPU (reads done beforehand, as served), the replay's
CPU, and statements. Both are process CPU of this one thread, best of --rounds.
"""

from __future__ import annotations

import argparse
import sqlite3
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

from sqlalchemy import event

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from ingest_bench import corpus  # noqa: E402

from bot.app_services import build_services  # noqa: E402
from bot.chat.messages import IncomingMessage  # noqa: E402
from bot.core.migrations import upgrade_to_head  # noqa: E402
from config.settings import Settings  # noqa: E402

Statement = tuple[str, Any, bool]  # sql, parameters, executemany


def record(url: str, messages: list[IncomingMessage], batch: int) -> tuple[list[list[Statement]], float]:
    """Run the intake on `messages`; the statements of each batch, and the write CPU (ms/msg)."""
    services = build_services(Settings(database_url=url, run_scheduler=False))
    batches: list[list[Statement]] = []
    writing = False

    def before(_conn: Any, _cursor: Any, sql: str, params: Any, _context: Any, many: bool) -> None:
        # Reads before the write (the learned words, now and then) are not the batch's.
        if writing and not sql.strip().upper().startswith("BEGIN"):  # the replay opens its own
            batches[-1].append((sql, params, many))

    event.listen(services.engine, "before_cursor_execute", before)
    spent = 0.0
    for start in range(0, len(messages), batch):
        read = [(services.intake.read(m), ()) for m in messages[start : start + batch]]
        batches.append([])
        writing = True
        started = time.process_time()
        for result in services.intake.handle_batch(read):
            if isinstance(result, Exception):
                raise result
        spent += time.process_time() - started
        writing = False
    services.engine.dispose()
    return batches, spent * 1000 / len(messages)


def replay(path: Path, batches: list[list[Statement]]) -> float:
    """Run the recorded statements on raw sqlite3, one transaction per batch; CPU ms per batch run."""
    connection = sqlite3.connect(path, isolation_level=None)
    for pragma in ("foreign_keys=ON", "journal_mode=WAL", "synchronous=NORMAL"):
        connection.execute(f"PRAGMA {pragma}")
    cursor = connection.cursor()
    started = time.process_time()
    for statements in batches:
        cursor.execute("BEGIN IMMEDIATE")
        for sql, params, many in statements:
            if many:
                cursor.executemany(sql, params)
            else:
                cursor.execute(sql, params)
                cursor.fetchall()
        cursor.execute("COMMIT")
    spent = time.process_time() - started
    connection.close()
    return spent


def _counts(path: Path) -> dict[str, int]:
    connection = sqlite3.connect(path)
    tables = ("inbound_messages", "tickets", "ticket_events", "outbox_messages")
    counts = {t: connection.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in tables}
    connection.close()
    return counts


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--messages", type=int, default=3000)
    parser.add_argument("--batch", type=int, default=16, help="messages per group commit")
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    texts = corpus()
    intake_ms: list[float] = []
    floor_ms: list[float] = []
    statements = 0
    rows: list[dict[str, int]] = []
    for _ in range(args.rounds):
        run = uuid.uuid4().hex[:6]
        senders = [(f"wgy_{i % 500}", f"网格员{i % 500}") for i in range(args.messages)]
        messages = [
            IncomingMessage("generic", f"{run}-{i}", "demo", *senders[i], texts[i % len(texts)])
            for i in range(args.messages)
        ]
        with tempfile.TemporaryDirectory() as scratch:
            recorded_db, replay_db = Path(scratch) / "recorded.db", Path(scratch) / "replay.db"
            for db in (recorded_db, replay_db):
                upgrade_to_head(f"sqlite:///{db}")
            batches, write_ms = record(f"sqlite:///{recorded_db}", messages, args.batch)
            intake_ms.append(write_ms)
            statements = sum(len(b) for b in batches)
            floor_ms.append(replay(replay_db, batches) * 1000 / args.messages)
            rows = [_counts(db) for db in (recorded_db, replay_db)]
            if rows[0] != rows[1]:  # the replay must have written what the intake wrote
                raise SystemExit(f"replay wrote {rows[1]}, the intake {rows[0]}")
    print(f"SQLite, {args.messages} messages of the ingest bench's traffic, {args.batch} per transaction")
    print(f"statements per message:                {statements / args.messages:.2f} (+1 commit per batch)")
    print(f"intake write CPU ms per message (best): {min(intake_ms):.3f}")
    print(f"replayed bare on sqlite3 (best):        {min(floor_ms):.3f}")
    print(f"rows written (both): {rows[0]}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
