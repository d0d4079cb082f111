"""How long migration 0022 (tickets.place_key, filled for existing tickets) takes on a big ledger.

    .venv/bin/python bench/place_key_migration.py sqlite:////tmp/mig.db 200000
    .venv/bin/python bench/place_key_migration.py postgresql+psycopg://postgres@127.0.0.1:5432/migt 200000

Migrates an empty database (it must be empty) to 0021, inserts N tickets with a place, and
times the upgrade to head: the one-off cost a district pays when it upgrades. Not a throughput
figure, so no load generator is involved.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import create_engine, text  # noqa: E402

from alembic import command  # noqa: E402
from bot.core.migrations import alembic_config, upgrade_to_head  # noqa: E402

_TICKET = (
    "INSERT INTO tickets (status, category, unit, location, urgent, confidence, text, reporter_id, reporter_name,"
    " group_id, created_at) VALUES ('closed', 'garbage', 'hws', :location, false, 1.0, 't', 'u', 'x', 'demo',"
    " '2026-01-01 00:00:00')"
)


def main() -> int:
    url, count = sys.argv[1], int(sys.argv[2])
    command.upgrade(alembic_config(url), "0021_open_repeat_index")
    engine = create_engine(url)
    with engine.begin() as connection:
        connection.execute(text(_TICKET), [{"location": f"府前街与南环路{i % 997}号交叉口"} for i in range(count)])
    engine.dispose()
    started = time.perf_counter()
    upgrade_to_head(url)
    print(f"{count} tickets: 0021 -> head in {time.perf_counter() - started:.1f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
