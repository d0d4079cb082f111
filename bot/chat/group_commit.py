"""Group commit: the webhook's messages that arrive together share one transaction and one commit.

Each caller is answered only after its batch's commit, and a message that fails never fails the
others (Intake.handle_batch). Two writers do this, chosen by GUANJIA_INTAKE_WRITER:

- `LoopGroupCommit` writes on the event loop itself. On SQLite a batch is CPU alone (WAL with
  synchronous=NORMAL does not fsync at commit), and a writer thread only fought the event loop
  for the GIL: served, the thread hand-off cost more CPU per message than the loop writer's
  whole write (`bench/intake_cut.py`, cuts `writer` and `full`). While another transaction of
  this process is open, a batch is written on a worker thread, so the loop never waits for
  SQLite's one write lock.
- `GroupCommit` writes on a thread of its own: on PostgreSQL every statement waits a network
  round trip, which must not hold up the event loop.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import Future
from dataclasses import dataclass
from functools import partial
from queue import Empty, SimpleQueue
from typing import Protocol

from bot.chat.intake import Effect, Intake
from bot.chat.messages import Outcome
from bot.chat.reading import ReadMessage

log = logging.getLogger(__name__)


class BatchWriter(Protocol):
    async def write(self, message: ReadMessage, effects: Sequence[Effect] = ()) -> Outcome: ...

    def stop(self) -> None: ...


def _results(intake: Intake, batch: Sequence[tuple[ReadMessage, Sequence[Effect]]]) -> list[Outcome | Exception]:
    try:
        return intake.handle_batch(batch)
    except Exception as failed:  # never leave callers waiting
        log.exception("group commit failed")
        return [failed] * len(batch)


class LoopGroupCommit:
    """Messages read since the writer last ran are written together, on the event loop.

    The first message of a batch schedules the write (`call_soon`); every message read before it
    runs joins. While a batch is written the loop reads nothing, so the next batch is what came
    in meanwhile: batches grow with the load by themselves, as the thread writer's do. When
    another transaction of the process is open (`others_open`, bot/core/open_transactions.py),
    the batch is written on a worker thread instead, which waits for the lock while the loop
    goes on; two such batches may then commit in either order (rare: a sender's two messages a
    few milliseconds apart, each in one).
    """

    def __init__(self, intake: Intake, others_open: Callable[[], bool], max_batch: int = 32) -> None:
        self.intake = intake
        self.others_open = others_open
        self.max_batch = max_batch
        self._pending: list[tuple[ReadMessage, Sequence[Effect], asyncio.Future[Outcome]]] = []

    async def write(self, message: ReadMessage, effects: Sequence[Effect] = ()) -> Outcome:
        loop = asyncio.get_running_loop()
        answer: asyncio.Future[Outcome] = loop.create_future()
        if not self._pending:
            loop.call_soon(self._write_pending)
        self._pending.append((message, effects, answer))
        return await answer

    def _write_pending(self) -> None:
        while self._pending:
            batch, self._pending = self._pending[: self.max_batch], self._pending[self.max_batch :]
            items = [(message, effects) for message, effects, _ in batch]
            if self.others_open():
                written = asyncio.get_running_loop().run_in_executor(None, _results, self.intake, items)
                written.add_done_callback(partial(_answer_written, batch))
            else:
                _answer(batch, _results(self.intake, items))

    def stop(self) -> None:
        """Nothing to end: a batch runs on the loop, or on its executor with its callers awaiting
        it, and the server's shutdown waits for requests in flight."""


def _answer_written(
    batch: Sequence[tuple[ReadMessage, Sequence[Effect], asyncio.Future[Outcome]]],
    written: asyncio.Future[list[Outcome | Exception]],
) -> None:
    _answer(batch, written.result())  # _results never raises: its failures are the answers


def _answer(
    batch: Sequence[tuple[ReadMessage, Sequence[Effect], asyncio.Future[Outcome]]],
    results: Sequence[Outcome | Exception],
) -> None:
    for (_, _, answer), result in zip(batch, results, strict=True):
        if answer.done():  # its caller went away (cancelled); the message is stored all the same
            continue
        if isinstance(result, Exception):
            answer.set_exception(result)
        else:
            answer.set_result(result)


@dataclass
class _Waiting:
    message: ReadMessage
    effects: Sequence[Effect]
    answer: Future[Outcome]


class GroupCommit:
    """One writer thread that hands the intake what has queued up since its last commit.

    Parsing happens before, on the caller's side, so the writer only writes. With one writer per
    process, SQLite's single write lock is never fought over by the process's own threads.
    """

    def __init__(self, intake: Intake, max_batch: int = 32) -> None:
        self.intake = intake
        self.max_batch = max_batch
        self._queue: SimpleQueue[_Waiting | None] = SimpleQueue()
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None

    async def write(self, message: ReadMessage, effects: Sequence[Effect] = ()) -> Outcome:
        return await asyncio.wrap_future(self.submit(message, effects))

    def submit(self, message: ReadMessage, effects: Sequence[Effect] = ()) -> Future[Outcome]:
        with self._lock:
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="intake-group-commit", daemon=True)
                self._thread.start()
        answer: Future[Outcome] = Future()
        self._queue.put(_Waiting(message, effects, answer))
        return answer

    def stop(self) -> None:
        """Finish what is queued, then end the writer thread."""
        with self._lock:
            thread, self._thread = self._thread, None
        if thread is not None:
            self._queue.put(None)
            thread.join()

    def _run(self) -> None:
        stopping = False
        while not stopping:
            first = self._queue.get()
            if first is None:
                return
            batch = [first]
            while len(batch) < self.max_batch:
                try:
                    more = self._queue.get_nowait()
                except Empty:
                    break
                if more is None:
                    stopping = True
                    break
                batch.append(more)
            results = _results(self.intake, [(w.message, w.effects) for w in batch])
            for waiting, result in zip(batch, results, strict=True):
                # A caller that went away cancelled its future; answering it would kill the writer.
                if not waiting.answer.set_running_or_notify_cancel():
                    continue
                if isinstance(result, Exception):
                    waiting.answer.set_exception(result)
                else:
                    waiting.answer.set_result(result)
