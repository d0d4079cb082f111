"""Where PostgreSQL's time per chat message goes: statements per message, by kind, and their CPU.

The ingest bench (bench/ingest_bench.py) gives PostgreSQL's CPU per message as one number. This
splits it: it runs `Intake.handle_batch` in process on the bench's traffic against a scratch
database and, around every statement (and commit), reads the serving backend's on-CPU time from
/proc/PID/schedstat (nanoseconds; /proc/PID/stat counts in 10 ms ticks, too coarse for one
statement). pg_stat_statements would say the same but needs a server restart to load.

It also counts psycopg's prepare decisions (NO: sent unprepared, parsed and planned by the
server; SHOULD: prepared now, one more round trip; YES: ran prepared) and how often psycopg
threw all prepared statements of the connection away (issue 15: every ROLLBACK TO SAVEPOINT
did, see bot/core/db.py `_keep_prepared_statements`). The backend must run on this machine.

    .venv/bin/python bench/pg_statements.py --database postgresql+psycopg://postgres@127.0.0.1:5432/postgres

Per-kind CPU includes what the backend does after answering, until the next statement starts;
its sum matches the backend's total CPU over the run (both are printed).
"""

from __future__ import annotations

import argparse
import re
import sys
import time
import uuid
from collections import Counter
from pathlib import Path
from typing import Any

from sqlalchemy import event, text
from sqlalchemy.orm import Session

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import psycopg._preparing as preparing  # noqa: E402 (psycopg's bookkeeping, counted below)
from ingest_bench import corpus, drop_database, fresh_database  # noqa: E402

from bot.app_services import build_services  # noqa: E402
from bot.chat.messages import IncomingMessage  # noqa: E402
from bot.core.migrations import upgrade_to_head  # noqa: E402
from config.settings import Settings  # noqa: E402


def on_cpu_ns(pid: int) -> int:
    return int(Path(f"/proc/{pid}/schedstat").read_text().split()[0])


def kind(sql: str) -> str:
    """A statement's kind: verb and table, and for a SELECT the start of its WHERE."""
    flat = " ".join(sql.split())
    write = re.match(r"(INSERT INTO|UPDATE|DELETE FROM) (\w+)", flat)
    if write:
        return f"{write.group(1).split()[0]} {write.group(2)}" + (" RETURNING" if " RETURNING " in flat else "")
    read = re.match(r"SELECT .*? FROM (\w+)(?: WHERE (.{0,30}))?", flat)
    if read:
        return f"SELECT {read.group(1)} WHERE {read.group(2) or ''}" + (" FOR UPDATE" if "FOR UPDATE" in flat else "")
    return flat[:40]


class Profile:
    """Statements, rows and backend CPU per kind, while `on`."""

    def __init__(self) -> None:
        self.on = False
        self.executions: Counter[str] = Counter()
        self.rows: Counter[str] = Counter()
        self.cpu_ns: Counter[str] = Counter()
        self.texts: dict[str, set[str]] = {}
        self.prepare: Counter[str] = Counter()
        self._started: tuple[int, int] | None = None  # backend pid, its CPU when the statement began

    def begin(self, pid: int) -> None:
        if self.on:
            self._started = (pid, on_cpu_ns(pid))

    def end(self, label: str, sql: str, rows: int) -> None:
        if not self.on or self._started is None:
            return
        pid, started = self._started
        self.executions[label] += 1
        self.rows[label] += rows
        self.cpu_ns[label] += on_cpu_ns(pid) - started
        self.texts.setdefault(label, set()).add(sql)
        self._started = None


def watch(engine: Any, profile: Profile) -> None:
    def pid(connection: Any) -> int:
        backend: int = connection.connection.dbapi_connection.info.backend_pid
        return backend

    @event.listens_for(engine, "before_cursor_execute")
    def _before(connection: Any, _cursor: Any, _sql: str, _params: Any, _context: Any, _many: bool) -> None:
        profile.begin(pid(connection))

    @event.listens_for(engine, "after_cursor_execute")
    def _after(_connection: Any, _cursor: Any, sql: str, params: Any, _context: Any, many: bool) -> None:
        profile.end(kind(sql), sql, len(params) if many else 1)

    @event.listens_for(engine, "commit")
    def _commit(connection: Any) -> None:
        profile.begin(pid(connection))

    @event.listens_for(Session, "after_commit")
    def _committed(_session: Any) -> None:
        profile.end("COMMIT", "COMMIT", 1)

    plain_get, plain_clear = preparing.PrepareManager.get, preparing.PrepareManager.clear

    def get(self: Any, query: Any, prepare: bool | None = None) -> Any:
        decision = plain_get(self, query, prepare)
        if profile.on:
            profile.prepare[decision[0].name] += 1
        return decision

    def clear(self: Any) -> bool:
        if profile.on and self._names:
            profile.prepare["statements thrown away"] += 1
        return plain_clear(self)

    preparing.PrepareManager.get = get  # type: ignore[method-assign]
    preparing.PrepareManager.clear = clear  # type: ignore[method-assign]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database", required=True, help="a PostgreSQL admin URL (scratch databases are made there)")
    parser.add_argument("--batch", type=int, default=8, help="messages per transaction (the bench's writer: about 8)")
    parser.add_argument("--messages", type=int, default=3000, help="messages measured")
    parser.add_argument("--before", type=int, default=3000, help="messages written first, unmeasured")
    args = parser.parse_args()
    texts = corpus()
    run = uuid.uuid4().hex[:6]

    def message(i: int) -> IncomingMessage:
        sender = i % 500
        return IncomingMessage("generic", f"{run}-{i}", "demo", f"wgy_{sender}", f"wgy{sender}", texts[i % len(texts)])

    url = fresh_database(args.database, Path("."))
    try:
        upgrade_to_head(url)
        services = build_services(Settings(database_url=url, run_scheduler=False))
        profile = Profile()
        watch(services.engine, profile)
        sent = 0

        def write(count: int) -> None:
            nonlocal sent
            for _ in range(0, count, args.batch):
                batch = [(services.intake.read(message(sent + i)), ()) for i in range(args.batch)]
                for result in services.intake.handle_batch(batch):
                    if isinstance(result, Exception):
                        raise result
                sent += args.batch

        write(args.before)
        with services.engine.connect() as connection:
            query = text("SELECT pid FROM pg_stat_activity WHERE datname = current_database()")
            backends = list(connection.execute(query).scalars())
        started, wall, client = sum(on_cpu_ns(p) for p in backends), time.perf_counter(), time.process_time()
        profile.on = True
        write(args.messages)
        profile.on = False
        total_ns = sum(on_cpu_ns(p) for p in backends) - started
        wall, client = time.perf_counter() - wall, time.process_time() - client
        services.engine.dispose()
    finally:
        drop_database(url)
    n = args.messages
    print(
        f"{n} messages, {args.batch} per transaction: PostgreSQL CPU {total_ns / 1e6 / n:.3f} ms/msg "
        f"(sum of kinds {sum(profile.cpu_ns.values()) / 1e6 / n:.3f}), client CPU {client * 1e3 / n:.3f} ms/msg, "
        f"wall {wall * 1e3 / n:.3f} ms/msg"
    )
    print(f"{'statement kind':<52}{'runs/msg':>9}{'rows/msg':>9}{'pg µs/msg':>10}{'pg µs/run':>10}{'texts':>6}")
    for label in sorted(profile.cpu_ns, key=lambda k: -profile.cpu_ns[k]):
        runs = profile.executions[label]
        print(
            f"{label[:51]:<52}{runs / n:>9.3f}{profile.rows[label] / n:>9.3f}{profile.cpu_ns[label] / 1e3 / n:>10.1f}"
            f"{profile.cpu_ns[label] / 1e3 / runs:>10.1f}{len(profile.texts[label]):>6}"
        )
    print("psycopg prepare decisions:", dict(profile.prepare))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
