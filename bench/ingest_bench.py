"""Ingest benchmark: POST /webhook/generic under load, from this (second) process on 127.0.0.1.

Runs the real service (parse, dispatch, persist, reply) and a bare FastAPI endpoint that only
parses JSON (the ceiling on this machine) with the same load, and prints messages/s, p50 and
p99 latency, the ratio to the ceiling and the CPU each side spent per message, for each
database and worker count asked for (`make bench-ingest` runs them all).

    .venv/bin/python bench/ingest_bench.py --rounds 5 --seconds 4 --concurrency 16 \
        --database sqlite --database postgresql+psycopg://postgres@127.0.0.1:5432/postgres --workers 1 --workers 2
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import os
import statistics
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

import httpx
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.support.server_process import ServerProcess, free_port, start_process, start_server  # noqa: E402

CLOCK_TICKS = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def _proc_cpu_seconds(pid: int) -> float:
    """utime + stime of one process from /proc (Linux); 0 when it is gone or unreadable."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return 0.0
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS


def _descendants(pid: int) -> list[int]:
    found = [pid]
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            children = (task / "children").read_text().split()
        except OSError:
            continue
        for child in children:
            found += _descendants(int(child))
    return found


def _postgres_pids() -> list[int]:
    pids = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if (entry / "comm").read_text().strip() in ("postgres", "postmaster"):
                    pids.append(int(entry.name))
            except OSError:
                continue
    return pids


@dataclass
class CpuSample:
    """CPU seconds so far of the server process tree, PostgreSQL's processes and this client."""

    server: float
    database: float
    client: float

    @classmethod
    def take(cls, server_pid: int) -> CpuSample:
        return cls(
            sum(_proc_cpu_seconds(pid) for pid in _descendants(server_pid)),
            sum(_proc_cpu_seconds(pid) for pid in _postgres_pids()),
            time.process_time(),
        )


@dataclass
class Result:
    label: str
    sent: int
    errors: int
    seconds: float
    latencies_ms: list[float]
    cpu_seconds: tuple[float, float, float] = (0.0, 0.0, 0.0)  # server, database, client, in total

    @property
    def rate(self) -> float:
        return self.sent / self.seconds

    def percentile(self, q: float) -> float:
        ordered = sorted(self.latencies_ms)
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else float("nan")


def corpus() -> list[str]:
    """Realistic traffic: the development corpus (reports, chatter, notices) plus commands."""
    texts = []
    for path in (ROOT / "bot" / "parsing" / "corpus" / "train_team.jsonl", ROOT / "tests" / "data" / "heldout.jsonl"):
        if path.exists():
            texts += [json.loads(line)["text"] for line in path.read_text(encoding="utf-8").splitlines() if line]
    return (texts or ["府前街与南环路交叉口西北角垃圾堆了两天了", "收到"]) + ["查询 1", "帮助", "待办 环卫"]


async def drive(url: str, seconds: float, concurrency: int, texts: list[str]) -> Result:
    counter = itertools.count()
    latencies: list[float] = []
    errors = 0
    deadline = time.perf_counter() + seconds
    run = uuid.uuid4().hex[:8]

    async def worker(client: httpx.AsyncClient) -> None:
        nonlocal errors
        while time.perf_counter() < deadline:
            i = next(counter)
            body = {
                "msg_id": f"bench-{run}-{i}",
                "group_id": "demo",
                "sender_id": f"wgy_{i % 500}",
                "sender_name": f"网格员{i % 500}",
                "text": texts[i % len(texts)],
            }
            started = time.perf_counter()
            try:
                response = await client.post(url, json=body)
                ok = response.status_code == 200
            except httpx.HTTPError:
                ok = False
            if ok:
                latencies.append((time.perf_counter() - started) * 1000)
            else:
                errors += 1

    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    started = time.perf_counter()
    async with httpx.AsyncClient(timeout=30, limits=limits) as client:
        await asyncio.gather(*(worker(client) for _ in range(concurrency)))
    return Result("", len(latencies), errors, time.perf_counter() - started, latencies)


def fresh_database(spec: str, scratch: Path) -> str:
    if spec == "sqlite":
        return f"sqlite:///{scratch / f'bench-{uuid.uuid4().hex[:6]}.db'}"
    admin_url = make_url(spec)
    name = f"guanjia_bench_{uuid.uuid4().hex[:6]}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return admin_url.set(database=name).render_as_string(hide_password=False)


def drop_database(url: str) -> None:
    parsed = make_url(url)
    if parsed.get_backend_name() != "postgresql":
        return
    admin = create_engine(parsed.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{parsed.database}" WITH (FORCE)'))
    admin.dispose()


def bare_server(workers: int) -> ServerProcess:
    """The bare app served the way `guanjia serve` serves: uvicorn, and the same worker pool for N > 1."""
    port = free_port()
    if workers == 1:
        command = [sys.executable, "-m", "uvicorn", "bench.bare_app:app", "--port", str(port)]
    else:
        pool = (
            "import uvicorn.config; from bot.serve_workers import serve_workers; "
            f"serve_workers('127.0.0.1', {port}, {workers}, uvicorn.config.LOGGING_CONFIG, 'bench.bare_app:app', False)"
        )
        command = [sys.executable, "-c", pool]
    return start_process(command, dict(os.environ), port, workers)


@dataclass
class Target:
    label: str
    server: ServerProcess
    database_url: str | None = None
    total: Result | None = None

    @property
    def url(self) -> str:
        return f"{self.server.url}/webhook/generic"


def measure(target: Target, args: argparse.Namespace, texts: list[str]) -> Result:
    """One burst of load; CPU is read from /proc around it."""
    before = CpuSample.take(target.server.process.pid)
    result = asyncio.run(drive(target.url, args.seconds, args.concurrency, texts))
    after = CpuSample.take(target.server.process.pid)
    result.cpu_seconds = (after.server - before.server, after.database - before.database, after.client - before.client)
    result.label = target.label
    return result


def add(total: Result | None, burst: Result) -> Result:
    if total is None:
        return burst
    cpu = tuple(a + b for a, b in zip(total.cpu_seconds, burst.cpu_seconds, strict=True))
    return Result(
        total.label,
        total.sent + burst.sent,
        total.errors + burst.errors,
        total.seconds + burst.seconds,
        total.latencies_ms + burst.latencies_ms,
        (cpu[0], cpu[1], cpu[2]),
    )


def row(result: Result, ratio: float, spread: str = "") -> str:
    per_message = 1000 / max(result.sent, 1)  # CPU seconds in total -> milliseconds per message
    server, database, client = (seconds * per_message for seconds in result.cpu_seconds)
    return (
        f"{result.label:<34}{result.rate:>9.0f}{result.percentile(0.5):>9.1f}{result.percentile(0.99):>9.1f}"
        f"{result.errors:>8}{ratio:>9.2f}{server:>9.2f}{database:>8.2f}{client:>8.2f}  {spread}"
    )


def run_worker_count(
    workers: int, databases: list[str], args: argparse.Namespace, texts: list[str], scratch: Path
) -> None:
    """Bare and guanjia targets run side by side, measured in alternating bursts.

    The machine's speed drifts (shared hosts): a ratio taken from two bursts seconds apart is
    far steadier than one from runs minutes apart. The ratio printed is the median over rounds.
    """
    targets = [Target(f"bare FastAPI, {workers} worker(s)", bare_server(workers))]
    try:
        for spec in databases:
            kind = "sqlite" if spec == "sqlite" else "postgresql"
            if kind == "sqlite" and workers > 1:
                print(f"{'guanjia, sqlite, ' + str(workers) + ' workers':<34}  (SQLite runs one process only)")
                continue
            url = fresh_database(spec, scratch)
            targets.append(Target(f"guanjia, {kind}, {workers} worker(s)", start_server(url, workers=workers), url))
        for target in targets:  # warm up: jieba, connection pools, prepared statements
            asyncio.run(drive(target.url, 2.0, args.concurrency, texts))
        ratios: dict[str, list[float]] = {t.label: [] for t in targets}
        for _ in range(args.rounds):
            bursts = [measure(target, args, texts) for target in targets]
            for target, burst in zip(targets, bursts, strict=True):
                target.total = add(target.total, burst)
                ratios[target.label].append(burst.rate / bursts[0].rate)
        for target in targets:
            assert target.total is not None
            found = sorted(ratios[target.label])
            spread = f"rounds {found[0]:.2f}–{found[-1]:.2f}" if target is not targets[0] else ""
            print(row(target.total, statistics.median(found), spread))
    finally:
        for target in targets:
            target.server.stop()
            if target.database_url:
                drop_database(target.database_url)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=4, help="length of one burst of load")
    parser.add_argument("--rounds", type=int, default=5, help="bursts per target, alternating between targets")
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--database", action="append", help="'sqlite' or a PostgreSQL admin URL (repeatable)")
    parser.add_argument("--workers", type=int, action="append")
    args = parser.parse_args()
    databases = args.database or ["sqlite"]
    texts = corpus()
    print(
        f"machine: {os.cpu_count()} cores; load: {args.concurrency} concurrent clients; "
        f"{args.rounds} rounds of {args.seconds:g} s per target, targets alternating"
    )
    print("vs bare: median over rounds of (msgs/s ÷ the bare endpoint's msgs/s in the same round)")
    print("CPU columns: CPU milliseconds per message spent by the server processes, PostgreSQL, this client")
    print(
        f"{'target':<34}{'msgs/s':>9}{'p50 ms':>9}{'p99 ms':>9}{'errors':>8}{'vs bare':>9}"
        f"{'srv cpu':>9}{'db cpu':>8}{'cli cpu':>8}"
    )
    with tempfile.TemporaryDirectory() as scratch:
        for workers in args.workers or [1]:
            run_worker_count(workers, databases, args, texts, Path(scratch))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
