"""One process per long connection: a PostgreSQL advisory lock named after the connection.

Why: with several server processes, each would open its own DingTalk/Feishu/WeCom connection;
the platforms would spread (or duplicate) pushes over them and the logs would interleave. The
lock lives on a dedicated database connection, so a process that dies drops it and another takes
over at its next try. SQLite is one process: it always holds the lease.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
from typing import Any

from sqlalchemy import Engine, text
from sqlalchemy.exc import DBAPIError

log = logging.getLogger(__name__)


def lock_key(name: str) -> int:
    """A stable signed 64-bit key per connection name, distinct from the scheduler's."""
    digest = hashlib.sha256(f"guanjia-connection:{name}".encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


class ConnectionLease:
    def __init__(self, engine: Engine, name: str) -> None:
        self.engine = engine
        self.name = name
        self.key = lock_key(name)
        self._connection: Any = None

    def try_hold(self) -> bool:
        """True when this process holds (or just took) the lease; never waits for it."""
        if self.engine.dialect.name != "postgresql":
            return True
        if self._connection is not None:
            try:
                self._connection.execute(text("SELECT 1"))
                return True
            except DBAPIError:
                log.warning("%s: lost the lease connection", self.name)
                self._drop()
        try:
            connection = self.engine.connect().execution_options(isolation_level="AUTOCOMMIT")
        except DBAPIError:
            log.warning("%s: database unreachable, the lease is asked for again later", self.name)
            return False
        try:
            got = bool(connection.execute(text("SELECT pg_try_advisory_lock(:key)"), {"key": self.key}).scalar())
        except DBAPIError:
            connection.close()
            return False
        if not got:
            connection.close()
            return False
        self._connection = connection
        log.info("%s: this process runs the connection (advisory lock %s)", self.name, self.key)
        return True

    def release(self) -> None:
        if self._connection is not None:
            with contextlib.suppress(DBAPIError):
                self._connection.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": self.key})
            self._drop()

    def _drop(self) -> None:
        if self._connection is not None:
            with contextlib.suppress(DBAPIError):
                self._connection.close()
            self._connection = None
