"""What one message costs the intake, in process: CPU, SQL statements, and (under valgrind) instructions.

Runs `Intake.handle` on the ingest bench's corpus against a scratch database, with no HTTP in
between, so a change to the intake shows in its own numbers rather than in the noise of a
load test. CPU time is the best of several rounds; statements are counted by SQLAlchemy.

    .venv/bin/python bench/intake_cost.py --database postgresql+psycopg://postgres@127.0.0.1:5432/postgres

Instructions do not drift with the machine's load: run it under callgrind with instrumentation
off until the measured loop (the script switches it on with callgrind_control):

    valgrind --tool=callgrind --instr-atstart=no --callgrind-out-file=/tmp/cg.%p \\
        .venv/bin/python bench/intake_cost.py --messages 200 --rounds 1 --callgrind
    # then: instructions per message = the `summary:` of /tmp/cg.<pid>.1 / 200
"""

from __future__ import annotations

import argparse
import os
import subprocess
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

from ingest_bench import corpus, drop_database, fresh_database  # noqa: E402

from bot.app_services import build_services  # noqa: E402
from bot.chat.messages import IncomingMessage  # noqa: E402
from bot.core.migrations import upgrade_to_head  # noqa: E402
from config.settings import Settings  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database", default="sqlite", help="'sqlite' or a PostgreSQL admin URL")
    parser.add_argument("--messages", type=int, default=500, help="messages per round")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--callgrind", action="store_true", help="switch callgrind on for the measured loop")
    parser.add_argument(
        "--batch", type=int, default=1, help="messages per transaction (group commit, Intake.handle_batch); 1: one each"
    )
    args = parser.parse_args()
    texts = corpus()
    run = uuid.uuid4().hex[:6]

    def message(i: int) -> IncomingMessage:
        sender = f"wgy_{i % 500}"
        return IncomingMessage("generic", f"{run}-{i}", "demo", sender, f"网格员{i % 500}", texts[i % len(texts)])

    with tempfile.TemporaryDirectory() as scratch:
        url = fresh_database(args.database, Path(scratch))
        try:
            upgrade_to_head(url)
            services = build_services(Settings(database_url=url, run_scheduler=False))
            statements = 0

            def count(*_: Any) -> None:
                nonlocal statements
                statements += 1

            event.listen(services.engine, "before_cursor_execute", count)
            sent = 0
            for _ in range(200):  # warm up: jieba, the pool, prepared statements
                services.intake.handle(message(sent))
                sent += 1
            if args.callgrind:
                for action in (["-i", "on"], ["-z"]):
                    subprocess.run(["callgrind_control", *action, str(os.getpid())], check=False, capture_output=True)
            cpu_ms: list[float] = []
            statements = 0
            for _ in range(args.rounds):
                started = time.process_time()
                for _ in range(0, args.messages, args.batch):
                    if args.batch == 1:
                        services.intake.handle(message(sent))
                    else:
                        batch = [(services.intake.read(message(sent + i)), ()) for i in range(args.batch)]
                        for result in services.intake.handle_batch(batch):
                            if isinstance(result, Exception):
                                raise result
                    sent += args.batch
                cpu_ms.append((time.process_time() - started) * 1000 / args.messages)
            if args.callgrind:
                subprocess.run(["callgrind_control", "-d", "measured", str(os.getpid())], check=False)
            services.engine.dispose()
        finally:
            drop_database(url)
    ordered = sorted(cpu_ms)
    print(
        f"{services.engine.dialect.name}: {args.rounds} rounds of {args.messages} messages, {args.batch} per "
        "transaction; CPU ms per message "
        f"best {ordered[0]:.2f}, median {ordered[len(ordered) // 2]:.2f}; "
        f"SQL statements per message {statements / (args.rounds * args.messages):.2f}"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
