"""Resident memory of one guanjia worker while it takes in 100,000 messages (wrk, as the ingest bench).

    .venv/bin/python bench/intake_memory.py [--messages 100000] [--database sqlite|PG admin URL]

Prints the worker's RSS after every burst and the growth per message after the first fifth
(jieba, the model, the pools and SQLAlchemy's statement cache are loaded by then): a leak shows
as bytes per message that do not fall towards zero as the run gets longer.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from ingest_bench import drive, drop_database, fresh_database, traffic, write_texts, wrk_binary  # noqa: E402

from tests.support.server_process import start_server  # noqa: E402


def rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise RuntimeError(f"no VmRSS for {pid}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--messages", type=int, default=100_000)
    parser.add_argument("--database", default="sqlite")
    parser.add_argument("--burst", type=float, default=10, help="seconds per wrk burst between readings")
    args = parser.parse_args()
    wrk_binary()
    with tempfile.TemporaryDirectory() as scratch:
        texts_file = write_texts(traffic(), Path(scratch))
        url = fresh_database(args.database, Path(scratch))
        server = start_server(url, workers=1)
        try:
            pid = server.process.pid  # one worker: `guanjia serve` runs uvicorn in this process
            readings: list[tuple[int, int]] = [(0, rss_kib(pid))]
            sent = 0
            print(f"{'messages':>9}{'RSS MiB':>9}")
            print(f"{sent:>9}{readings[-1][1] / 1024:>9.1f}")
            while sent < args.messages:
                burst = drive(server.url, args.burst, 16, texts_file)
                if burst.errors:
                    raise SystemExit(f"{burst.errors} errors in a burst")
                sent += burst.sent
                readings.append((sent, rss_kib(pid)))
                print(f"{sent:>9}{readings[-1][1] / 1024:>9.1f}")
        finally:
            server.stop()
            drop_database(url)
    settled = next(r for r in readings if r[0] >= args.messages // 5)
    last = readings[-1]
    per_message = (last[1] - settled[1]) * 1024 / max(last[0] - settled[0], 1)
    print(
        f"after {last[0]} messages: RSS {last[1] / 1024:.1f} MiB; growth after {settled[0]} messages: "
        f"{(last[1] - settled[1]) / 1024:+.1f} MiB = {per_message:+.1f} bytes per message"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
