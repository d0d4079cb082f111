"""Where a served message's time goes: the app with its intake cut at a chosen point, under wrk.

    .venv/bin/python bench/intake_cut.py [--seconds 8] [--cut http --cut read --cut full]

Each cut serves guanjia's real app (routes, middleware, settings, the real parser) on SQLite and
replaces only what the webhook hands the message to:
- `http`: answer at once (the HTTP route, middleware, JSON and validation alone);
- `read`: read and parse the message as served (on the event loop), then answer;
- `thread`: read it on a worker thread, then hand it to the writer thread: how the intake was
  served before reads moved onto the loop, kept to show what that hand-off costs;
- `writer`: read it on the loop, then hand it to the writer thread (`GroupCommit`): how it was
  served on SQLite before batches were written on the loop (`LoopGroupCommit`);
- `full`: the whole intake, unchanged (on SQLite: read and written on the loop).
The differences between cuts are the cost of each stage as served (GIL hand-offs included),
which `bench/intake_cost.py` cannot show in process. wrk drives the same traffic as
`bench/ingest_bench.py`; the server's CPU per message is read from /proc around the burst.

Run as `--serve CUT PORT DATABASE_URL` it is the server itself (started by the measuring side).
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

CUTS = ("http", "read", "thread", "writer", "full")


def serve(cut: str, port: int, database_url: str) -> None:
    import uvicorn
    from anyio import to_thread

    import bot.api.webhooks as webhooks
    from bot.api import intake_calls
    from bot.app import create_app
    from bot.app_services import build_services
    from bot.chat.group_commit import GroupCommit
    from bot.chat.messages import Outcome
    from bot.core.heap import settle_for_serving
    from bot.core.migrations import upgrade_to_head
    from config.settings import Settings

    upgrade_to_head(database_url)
    services = build_services(Settings(database_url=database_url, run_scheduler=False))

    async def answer_at_once(*_: Any, **__: Any) -> Outcome:
        return Outcome()

    async def read_only(request: Any, services: Any, incoming: Any, effects: Any = ()) -> Outcome:
        services.intake.read(incoming)
        return Outcome()

    async def read_on_thread(request: Any, services: Any, incoming: Any, effects: Any = ()) -> Outcome:
        limiter = intake_calls._limiter(request, services)
        message = await to_thread.run_sync(services.intake.read, incoming, limiter=limiter)
        return await writer_thread.write(message, effects)

    async def write_on_thread(request: Any, services: Any, incoming: Any, effects: Any = ()) -> Outcome:
        return await writer_thread.write(services.intake.read(incoming), effects)

    writer_thread = GroupCommit(services.intake)
    cuts = {"http": answer_at_once, "read": read_only, "thread": read_on_thread, "writer": write_on_thread}
    replacement = cuts.get(cut)
    if replacement is not None:
        webhooks.take_in = replacement  # type: ignore[assignment]
    app = create_app(services)
    settle_for_serving()  # as `guanjia serve` does (bot/core/heap.py)
    uvicorn.run(app, host="127.0.0.1", port=port, log_level="info")


def measure(cuts: list[str], seconds: float) -> None:
    from ingest_bench import CpuSample, drive, traffic, write_texts

    from tests.support.server_process import free_port, start_process

    print(f"machine: {os.cpu_count()} cores; wrk 1 thread, 16 connections, {seconds:g} s per cut, SQLite")
    print(f"{'cut':<8}{'msgs/s':>9}{'p99 ms':>8}{'srv cpu ms/msg':>16}{'wrk cpu ms':>11}")
    with tempfile.TemporaryDirectory() as scratch:
        texts = write_texts(traffic(), Path(scratch))
        for cut in cuts:
            port = free_port()
            url = f"sqlite:///{scratch}/{cut}.db"
            command = [sys.executable, __file__, "--serve", cut, str(port), url]
            server = start_process(command, dict(os.environ), port)
            try:
                drive(server.url, 2.0, 16, texts)  # warm up
                before = CpuSample.take(server.process.pid)
                burst = drive(server.url, seconds, 16, texts)
                after = CpuSample.take(server.process.pid)
            finally:
                server.stop()
            per_message = 1000 / max(burst.sent, 1)
            print(
                f"{cut:<8}{burst.rate:>9.0f}{burst.p99_ms[0]:>8.1f}"
                f"{(after.server - before.server) * per_message:>16.2f}{burst.cpu_seconds[2] * per_message:>11.3f}"
            )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cut", action="append", choices=CUTS, help="repeatable; default: all, in order")
    parser.add_argument("--seconds", type=float, default=8)
    parser.add_argument("--serve", nargs=3, metavar=("CUT", "PORT", "DATABASE_URL"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        cut, port, url = args.serve
        serve(cut, int(port), url)
        return 0
    measure(args.cut or list(CUTS), args.seconds)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
