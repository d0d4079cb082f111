"""Runs every configured long connection inside `guanjia serve`: lease, reconnect, shutdown.

Why one runner: each platform module only knows its frames (`run_once` serves one connection
until it drops); holding the per-connection lease, backing off between attempts and stopping
cleanly are the same for all of them. The wait between attempts is `pause(seconds, stop)`, which
returns early when `stop` is set; tests inject one that records the delay and returns at once.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Sequence
from datetime import timedelta

from sqlalchemy import Engine

from bot.connections.base import LongConnection
from bot.connections.lease import ConnectionLease
from bot.core.clock import Clock

log = logging.getLogger(__name__)

INITIAL_DELAY = 1.0
MAX_DELAY = 60.0
LEASE_RETRY = 30.0  # another process holds the connection: ask again this often
HEALTHY = timedelta(seconds=60)  # a connection that served this long resets the backoff

Pause = Callable[[float, asyncio.Event], Awaitable[None]]


async def wait_or_stop(seconds: float, stop: asyncio.Event) -> None:
    """The production pause: `seconds` pass, or `stop` is set, whichever comes first."""
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(stop.wait(), timeout=seconds)


def next_delay(previous: float | None) -> float:
    """1, 2, 4 … seconds, capped at MAX_DELAY."""
    return INITIAL_DELAY if previous is None else min(previous * 2, MAX_DELAY)


class ConnectionRunner:
    def __init__(
        self,
        connections: Sequence[LongConnection],
        engine: Engine,
        clock: Clock,
        pause: Pause = wait_or_stop,
    ) -> None:
        self.connections = list(connections)
        self.engine = engine
        self.clock = clock
        self.pause = pause
        self.stop_event = asyncio.Event()
        self.delays: dict[str, list[float]] = {c.name: [] for c in self.connections}
        self._tasks: list[asyncio.Task[None]] = []

    def start(self) -> None:
        """One task per connection, on the running loop (the app's lifespan)."""
        for connection in self.connections:
            self._tasks.append(asyncio.create_task(self._serve(connection), name=f"connection:{connection.name}"))

    async def stop(self) -> None:
        """Ask every connection to close and wait for it; a stuck one is cancelled."""
        self.stop_event.set()
        if not self._tasks:
            return
        _done, pending = await asyncio.wait(self._tasks, timeout=10)
        for task in pending:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        self._tasks.clear()

    async def _serve(self, connection: LongConnection) -> None:
        lease = ConnectionLease(self.engine, connection.name)
        delay: float | None = None
        try:
            while not self.stop_event.is_set():
                if not await asyncio.to_thread(lease.try_hold):
                    await self.pause(LEASE_RETRY, self.stop_event)
                    continue
                started = self.clock.now()
                try:
                    await connection.run_once(self.stop_event)
                    log.info("%s: connection closed", connection.name)
                except asyncio.CancelledError:
                    raise
                except Exception:
                    log.exception("%s: connection failed", connection.name)
                if self.stop_event.is_set():
                    break
                delay = None if self.clock.now() - started >= HEALTHY else delay
                delay = next_delay(delay)
                self.delays[connection.name].append(delay)
                await self.pause(delay, self.stop_event)
        finally:
            await asyncio.to_thread(lease.release)
