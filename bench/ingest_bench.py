"""Ingest benchmark: POST /webhook/generic under load from wrk, on 127.0.0.1.

The load comes from wrk (C, event-driven; Debian package), not from Python: an httpx client tops
out near 270 requests/s on a 2-core machine, so it measured itself. wrk's own CPU per request and
how busy it and the server were are printed beside every row: the bare endpoint's row shows the
server at one full core and wrk well below, i.e. the server, not the generator, saturates.

Runs the real service (parse, dispatch, persist, reply) and a bare FastAPI endpoint that only
parses JSON (the ceiling on this machine) with the same load, and prints messages/s, p50 and
p99 latency, the ratio to the ceiling and the CPU each side spent per message, for each
database and worker count asked for (`make bench-ingest` runs them all).

    .venv/bin/python bench/ingest_bench.py --rounds 5 --seconds 4 --concurrency 16 \
        --database sqlite --database postgresql+psycopg://postgres@127.0.0.1:5432/postgres --workers 1 --workers 2
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import uuid
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.support.server_process import ServerProcess, free_port, start_process, start_server  # noqa: E402

LUA = ROOT / "bench" / "intake_load.lua"
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
    """CPU seconds so far of the server process tree and of PostgreSQL's processes."""

    server: float
    database: float

    @classmethod
    def take(cls, server_pid: int) -> CpuSample:
        return cls(
            sum(_proc_cpu_seconds(pid) for pid in _descendants(server_pid)),
            sum(_proc_cpu_seconds(pid) for pid in _postgres_pids()),
        )


@dataclass
class Result:
    """One or more bursts of wrk against one target; CPU seconds are totals over the bursts."""

    label: str
    sent: int
    errors: int
    seconds: float
    p50_ms: list[float] = field(default_factory=list)  # one per burst
    p99_ms: list[float] = field(default_factory=list)
    cpu_seconds: tuple[float, float, float] = (0.0, 0.0, 0.0)  # server, database, generator

    @property
    def rate(self) -> float:
        return self.sent / self.seconds


def traffic(count: int = 200) -> list[str]:
    """Realistic traffic, in a fixed order: 60% reports, 30% chatter and notices, 10% commands.

    Reports and non-reports come from the team's labelled corpus (its hard non-reports included:
    notices, follow-ups, questions naming problem words), so the parser does its real work.
    """
    reports: list[str] = []
    chatter: list[str] = []
    for path in (ROOT / "bot" / "parsing" / "corpus" / "train_team.jsonl", ROOT / "tests" / "data" / "heldout.jsonl"):
        for line in path.read_text(encoding="utf-8").splitlines():
            if line:
                row = json.loads(line)
                (reports if row["is_report"] else chatter).append(row["text"])
    rng = random.Random(15)
    commands = ["查询 1", "帮助", "待办 环卫", "查询 2", "认领 3"]
    mix = rng.sample(reports, count * 6 // 10) + rng.sample(chatter, count * 3 // 10)
    mix += [commands[i % len(commands)] for i in range(count - len(mix))]
    rng.shuffle(mix)
    return mix


def corpus() -> list[str]:
    """The texts `bench/intake_cost.py` sends: the same mix as the load test."""
    return traffic()


def write_texts(texts: list[str], scratch: Path) -> Path:
    """One ASCII-escaped JSON string per line, for the wrk script to splice into bodies."""
    path = scratch / "texts.jsonl"
    path.write_text("".join(json.dumps(text) + "\n" for text in texts), encoding="ascii")
    return path


def wrk_binary() -> str:
    found = shutil.which("wrk")
    if found is None:
        raise SystemExit("wrk is not installed: `apt-get install -y wrk` (make bench-ingest does it)")
    return found


def drive(base_url: str, seconds: float, concurrency: int, texts_file: Path, threads: int = 1) -> Result:
    """One burst of wrk; its own CPU (user + system) is read from the children's rusage."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    command = [
        wrk_binary(), f"-t{threads}", f"-c{concurrency}", f"-d{seconds:g}s", "--timeout", "10s",
        "-s", str(LUA), base_url, "--", str(texts_file), f"b{uuid.uuid4().hex[:8]}",
    ]  # fmt: skip
    finished = subprocess.run(command, capture_output=True, text=True, check=True)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    summary = json.loads(finished.stdout.strip().splitlines()[-1])
    generator = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    errors = summary["errors"] + summary["status_errors"]
    return Result(
        "",
        summary["requests"] - summary["status_errors"],
        errors,
        summary["duration_us"] / 1e6,
        [summary["p50_us"] / 1000],
        [summary["p99_us"] / 1000],
        (0.0, 0.0, generator),
    )


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


def measure(target: Target, args: argparse.Namespace, texts_file: Path) -> Result:
    """One burst of load; the server's and PostgreSQL's CPU are read from /proc around it."""
    before = CpuSample.take(target.server.process.pid)
    result = drive(target.server.url, args.seconds, args.concurrency, texts_file, args.threads)
    after = CpuSample.take(target.server.process.pid)
    result.cpu_seconds = (after.server - before.server, after.database - before.database, result.cpu_seconds[2])
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
        total.p50_ms + burst.p50_ms,
        total.p99_ms + burst.p99_ms,
        (cpu[0], cpu[1], cpu[2]),
    )


def row(result: Result, ratio: float, spread: str = "") -> str:
    """CPU per message in ms, and how busy each side was (CPU seconds per wall second)."""
    per_message = 1000 / max(result.sent, 1)
    server, database, generator = (seconds * per_message for seconds in result.cpu_seconds)
    busy_server, _, busy_generator = (seconds / result.seconds for seconds in result.cpu_seconds)
    return (
        f"{result.label:<34}{result.rate:>9.0f}{statistics.median(result.p50_ms):>8.1f}"
        f"{statistics.median(result.p99_ms):>8.1f}{result.errors:>7}{ratio:>8.2f}{server:>8.2f}{database:>7.2f}"
        f"{generator:>8.3f}{busy_server:>9.2f}{busy_generator:>9.2f}  {spread}"
    )


def run_worker_count(
    workers: int, databases: list[str], args: argparse.Namespace, texts_file: Path, scratch: Path
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
            drive(target.server.url, 2.0, args.concurrency, texts_file, args.threads)
        ratios: dict[str, list[float]] = {t.label: [] for t in targets}
        for _ in range(args.rounds):
            bursts = [measure(target, args, texts_file) for target in targets]
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
    parser.add_argument("--concurrency", type=int, default=16, help="wrk connections")
    parser.add_argument("--threads", type=int, default=1, help="wrk threads")
    parser.add_argument("--database", action="append", help="'sqlite' or a PostgreSQL admin URL (repeatable)")
    parser.add_argument("--workers", type=int, action="append")
    args = parser.parse_args()
    databases = args.database or ["sqlite"]
    wrk_binary()
    print(
        f"machine: {os.cpu_count()} cores; load: wrk, {args.threads} thread(s), {args.concurrency} connections, "
        f"{args.rounds} rounds of {args.seconds:g} s per target, targets alternating; "
        "traffic: 60% reports, 30% chatter, 10% commands, a unique msg_id each"
    )
    print("vs bare: median over rounds of (msgs/s ÷ the bare endpoint's msgs/s in the same round)")
    print("p50/p99: median over rounds of wrk's per-burst percentiles")
    print("cpu ms: CPU milliseconds per message of the server processes, PostgreSQL, wrk")
    print("busy: CPU seconds per wall second (1.00 = one core saturated) of the server and of wrk")
    print(
        f"{'target':<34}{'msgs/s':>9}{'p50 ms':>8}{'p99 ms':>8}{'errors':>7}{'vs bare':>8}"
        f"{'srv cpu':>8}{'db cpu':>7}{'wrk cpu':>8}{'srv busy':>9}{'wrk busy':>9}"
    )
    with tempfile.TemporaryDirectory() as scratch:
        texts_file = write_texts(traffic(), Path(scratch))
        for workers in args.workers or [1]:
            run_worker_count(workers, databases, args, texts_file, Path(scratch))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
