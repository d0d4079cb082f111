"""`guanjia db backup [-o FILE]`: a consistent copy of the database while the service runs.

SQLite: the online backup API (sqlite3 `Connection.backup`) copies page by page under
SQLite's own locking, so writers keep going and the copy is one consistent snapshot (WAL
included). PostgreSQL: printed `pg_dump` / `pg_restore` commands — the right tool there.
"""

from __future__ import annotations

import argparse
import sqlite3
import sys
from datetime import datetime
from pathlib import Path

from sqlalchemy.engine import URL, make_url

from bot.core.db import create_private_file
from config.settings import get_settings


def default_backup_path(database: Path, now: datetime) -> Path:
    return database.with_name(f"{database.stem}-backup-{now:%Y%m%d-%H%M%S}{database.suffix or '.db'}")


def backup_sqlite(source: Path, target: Path, pages_per_step: int = 1024) -> int:
    """Copy `source` into `target` (replaced if present); returns the number of tickets copied."""
    if not source.exists():
        raise FileNotFoundError(f"no database at {source}")
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(target.name + ".partial")
    partial.unlink(missing_ok=True)
    create_private_file(partial)  # a copy of every ticket and user: owner-only, like the database
    src = sqlite3.connect(f"file:{source}?mode=ro", uri=True, timeout=30)
    try:
        dst = sqlite3.connect(partial)
        try:
            src.backup(dst, pages=pages_per_step)
            dst.execute("PRAGMA journal_mode=DELETE")  # a single self-contained file
            (tickets,) = dst.execute("SELECT count(*) FROM tickets").fetchone()
        finally:
            dst.close()
    finally:
        src.close()
    partial.replace(target)
    return int(tickets)


def pg_dump_instructions(url: URL) -> str:
    plain = URL.create("postgresql", username=url.username, host=url.host, port=url.port, database=url.database)
    shown = plain.render_as_string(hide_password=False)
    stamp = "$(date +%Y%m%d-%H%M%S)"
    return "\n".join(
        [
            "PostgreSQL 请用 pg_dump 备份（在线、一致的快照，不影响服务）/ back up PostgreSQL with pg_dump:",
            f"  pg_dump --format=custom --no-owner --file=guanjia-{stamp}.dump '{shown}'",
            "密码请用 PGPASSWORD 或 ~/.pgpass 提供 / give the password via PGPASSWORD or ~/.pgpass.",
            "恢复 / restore into an empty database:",
            f"  pg_restore --no-owner --dbname='{shown}' guanjia-YYYYmmdd-HHMMSS.dump",
            "建议每天定时备份并拷贝到另一台机器 / schedule it daily and copy the file off the machine.",
        ]
    )


def cmd_backup(args: argparse.Namespace) -> int:
    url = make_url(get_settings().database_url)
    backend = url.get_backend_name()
    if backend == "postgresql":
        print(pg_dump_instructions(url))
        return 0
    if backend != "sqlite" or url.database in (None, "", ":memory:"):
        print(f"无法备份此数据库 / cannot back up {backend!r} database {url.database!r}", file=sys.stderr)
        return 2
    source = Path(url.database or "")
    target = Path(args.output) if args.output else default_backup_path(source, args.clock.now().astimezone())
    if target.resolve() == source.resolve():
        print("备份文件不能是数据库本身 / the backup cannot overwrite the database", file=sys.stderr)
        return 2
    try:
        tickets = backup_sqlite(source, target)
    except (OSError, sqlite3.Error) as exc:
        print(f"备份失败 / backup failed: {exc}", file=sys.stderr)
        return 1
    print(f"已备份到 {target}（{tickets}张工单）")
    return 0


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    db = sub.add_parser("db", help="database maintenance")
    actions = db.add_subparsers(dest="db_command", required=True)
    backup = actions.add_parser("backup", help="SQLite: online backup to a file; PostgreSQL: pg_dump instructions")
    backup.add_argument("-o", "--output", help="backup file (default: next to the database, with a timestamp)")
    backup.set_defaults(func=cmd_backup)
