"""Exactly one scheduler at a time across processes: a PostgreSQL advisory lock.

The lock lives on a dedicated connection of the process that holds it. When that process
dies, PostgreSQL drops the connection and the lock with it (TCP keepalives bound the wait
on a host that hangs instead of dying); every other process tries again at each job tick,
so one of them takes over within seconds. SQLite is one process: it always leads.
"""

from __future__ import annotations

import contextlib
import logging
import threading
from typing import Any

from sqlalchemy import Engine, text
from sqlalchemy.exc import DBAPIError

log = logging.getLogger(__name__)

# "guanjia" as a number: the one lock key this application takes.
LOCK_KEY = int.from_bytes(b"guanjia", "big")


class SchedulerLease:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._connection: Any = None
        self._lock = threading.Lock()

    @property
    def shared_database(self) -> bool:
        return self.engine.dialect.name == "postgresql"

    def held(self) -> bool:
        """True when this process leads; tries to take the lease when nobody holds it."""
        if not self.shared_database:
            return True
        with self._lock:
            if self._connection is not None and self._alive():
                return True
            self._drop()
            return self._try_acquire(blocking=False)

    def acquire_blocking(self, timeout_seconds: float) -> bool:
        """Wait for the lease (ops and tests: no polling loop)."""
        if not self.shared_database:
            return True
        with self._lock:
            self._drop()
            return self._try_acquire(blocking=True, timeout_seconds=timeout_seconds)

    def release(self) -> None:
        with self._lock:
            if self._connection is not None:
                with contextlib.suppress(DBAPIError):
                    self._connection.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": LOCK_KEY})
            self._drop()

    def _try_acquire(self, blocking: bool, timeout_seconds: float = 0) -> bool:
        connection = self.engine.connect().execution_options(isolation_level="AUTOCOMMIT")
        try:
            if blocking:
                connection.execute(text(f"SET lock_timeout = '{int(timeout_seconds * 1000)}ms'"))
                connection.execute(text("SELECT pg_advisory_lock(:key)"), {"key": LOCK_KEY})
                got = True
            else:
                got = bool(connection.execute(text("SELECT pg_try_advisory_lock(:key)"), {"key": LOCK_KEY}).scalar())
        except DBAPIError:
            connection.close()
            return False
        if not got:
            connection.close()
            return False
        self._connection = connection
        log.info("this process now runs the scheduler (advisory lock %s)", LOCK_KEY)
        return True

    def _alive(self) -> bool:
        try:
            self._connection.execute(text("SELECT 1"))
            return True
        except DBAPIError:
            log.warning("lost the scheduler lease connection")
            return False

    def _drop(self) -> None:
        if self._connection is not None:
            with contextlib.suppress(DBAPIError):
                self._connection.close()
            self._connection = None
