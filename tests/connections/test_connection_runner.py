"""The long-connection runner: one process per connection, backoff after a drop, clean stop.

The connections here are stand-ins that report what the runner did to them; the DingTalk
client itself is tested against its fake gateway in tests/test_dingtalk_stream.py.
"""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import Engine

from bot.connections.runner import HEALTHY, LEASE_RETRY, MAX_DELAY, ConnectionRunner
from bot.core.clock import ManualClock
from bot.core.db import make_engine


class Pauses:
    """The runner's wait: recorded; over at once, or when the test opens the gate."""

    def __init__(self, gate: asyncio.Event | None = None) -> None:
        self.seen: list[float] = []
        self.gate = gate
        self.changed = asyncio.Condition()

    async def __call__(self, seconds: float, stop: asyncio.Event) -> None:
        self.seen.append(seconds)
        async with self.changed:
            self.changed.notify_all()
        if self.gate is not None:
            gate = asyncio.create_task(self.gate.wait())
            stopped = asyncio.create_task(stop.wait())
            await asyncio.wait({gate, stopped}, return_when=asyncio.FIRST_COMPLETED)
            gate.cancel()
            stopped.cancel()

    async def wait_for_count(self, n: int) -> None:
        async with self.changed:
            await asyncio.wait_for(self.changed.wait_for(lambda: len(self.seen) >= n), timeout=10)


class Flaky:
    """Fails `failures` times, then stays connected until stopped."""

    def __init__(self, failures: int, name: str = "flaky") -> None:
        self.name = name
        self.failures = failures
        self.attempts = 0
        self.connected = asyncio.Event()
        self.saw_stop = False

    async def run_once(self, stop: asyncio.Event) -> None:
        self.attempts += 1
        if self.attempts <= self.failures:
            raise ConnectionError(f"drop {self.attempts}")
        self.connected.set()
        await stop.wait()
        self.saw_stop = True


def test_backoff_doubles_after_each_drop_up_to_a_minute_and_the_connection_comes_back(
    engine: Engine, clock: ManualClock
) -> None:
    async def main() -> tuple[Flaky, list[float]]:
        connection = Flaky(failures=8)
        pauses = Pauses()
        runner = ConnectionRunner([connection], engine, clock, pause=pauses)
        runner.start()
        await asyncio.wait_for(connection.connected.wait(), timeout=10)
        await runner.stop()
        return connection, pauses.seen

    connection, waits = asyncio.run(main())
    assert connection.attempts == 9
    assert waits == [1.0, 2.0, 4.0, 8.0, 16.0, 32.0, MAX_DELAY, MAX_DELAY]
    assert connection.saw_stop


class ServesThenDrops(Flaky):
    """Each connection serves for a minute (on the injected clock), then drops."""

    def __init__(self, clock: ManualClock, drops: int) -> None:
        super().__init__(failures=drops)
        self.clock = clock

    async def run_once(self, stop: asyncio.Event) -> None:
        if self.attempts < self.failures:
            self.clock.advance(HEALTHY)
        await super().run_once(stop)


def test_a_connection_that_served_a_while_starts_the_backoff_over(engine: Engine, clock: ManualClock) -> None:
    async def main() -> list[float]:
        connection = ServesThenDrops(clock, drops=3)
        pauses = Pauses()
        runner = ConnectionRunner([connection], engine, clock, pause=pauses)
        runner.start()
        await asyncio.wait_for(connection.connected.wait(), timeout=10)
        await runner.stop()
        return pauses.seen

    assert asyncio.run(main()) == [1.0, 1.0, 1.0]  # not 1, 2, 4: each drop followed a healthy minute


def test_stop_closes_a_connected_client_and_a_stopped_runner_does_not_reconnect(
    engine: Engine, clock: ManualClock
) -> None:
    async def main() -> tuple[Flaky, Pauses]:
        connection = Flaky(failures=0)
        pauses = Pauses()
        runner = ConnectionRunner([connection], engine, clock, pause=pauses)
        runner.start()
        await asyncio.wait_for(connection.connected.wait(), timeout=10)
        await runner.stop()
        return connection, pauses

    connection, pauses = asyncio.run(main())
    assert connection.saw_stop
    assert connection.attempts == 1
    assert pauses.seen == []


def test_only_one_of_two_processes_runs_a_connection_and_the_other_takes_over_when_it_stops(
    engine: Engine, database_url: str, clock: ManualClock
) -> None:
    if engine.dialect.name != "postgresql":
        pytest.skip("the lease is a PostgreSQL advisory lock; SQLite is one process")
    other_engine = make_engine(database_url)  # a second server process: its own pool

    async def main() -> tuple[Flaky, Flaky, list[float]]:
        first, second = Flaky(0, name="dingtalk-stream"), Flaky(0, name="dingtalk-stream")
        retry = asyncio.Event()
        second_pauses = Pauses(gate=retry)
        runner_a = ConnectionRunner([first], engine, clock, pause=Pauses())
        runner_b = ConnectionRunner([second], other_engine, clock, pause=second_pauses)
        runner_a.start()
        await asyncio.wait_for(first.connected.wait(), timeout=10)
        runner_b.start()
        await second_pauses.wait_for_count(1)  # B found the lease taken and waits to ask again
        assert second.attempts == 0
        await runner_a.stop()  # A's process ends: its lease goes with it
        retry.set()
        await asyncio.wait_for(second.connected.wait(), timeout=10)
        await runner_b.stop()
        return first, second, second_pauses.seen

    try:
        first, second, waits = asyncio.run(main())
    finally:
        other_engine.dispose()
    assert first.attempts == 1 and second.attempts == 1
    assert waits[0] == LEASE_RETRY


def test_an_unreachable_database_holds_the_connection_back_and_asks_again(clock: ManualClock) -> None:
    """No lease can be checked, so no client connects (it might be a second one); the runner lives on."""
    unreachable = make_engine("postgresql+psycopg://postgres@127.0.0.1:1/guanjia")

    async def main() -> tuple[Flaky, list[float]]:
        connection = Flaky(failures=0)
        pauses = Pauses()
        runner = ConnectionRunner([connection], unreachable, clock, pause=pauses)
        runner.start()
        await pauses.wait_for_count(2)
        await runner.stop()
        return connection, pauses.seen

    try:
        connection, waits = asyncio.run(main())
    finally:
        unreachable.dispose()
    assert connection.attempts == 0
    assert waits[:2] == [LEASE_RETRY, LEASE_RETRY]
