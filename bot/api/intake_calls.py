"""Messages go to the intake on worker threads, a few at a time per process.

The intake is synchronous (one SQLAlchemy session per message). A handful of threads keeps the
database busy while others parse; more only fight over the GIL, so throughput falls as they are
added (`bench/ingest_bench.py`). `GUANJIA_INTAKE_THREADS` sets how many run at once; further
messages wait their turn on the event loop, which keeps accepting connections meanwhile.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from functools import partial

from anyio import CapacityLimiter, to_thread
from fastapi import Request

from bot.app_services import AppServices
from bot.chat.intake import Effect
from bot.chat.messages import IncomingMessage, Outcome


def _limiter(request: Request, services: AppServices) -> CapacityLimiter:
    # One per app, created on first use inside its running event loop.
    limiter: CapacityLimiter | None = getattr(request.app.state, "intake_limiter", None)
    if limiter is None:
        limiter = request.app.state.intake_limiter = CapacityLimiter(services.settings.intake_threads)
    return limiter


async def take_in(
    request: Request, services: AppServices, incoming: IncomingMessage, effects: Sequence[Effect] = ()
) -> Outcome:
    """`effects` are written in the message's own transaction (see bot/chat/intake.py).

    With group commit on, the message is read (parsed) on a worker thread and then waits, on
    the event loop and holding no thread, for the writer's commit of its batch.
    """
    limiter = _limiter(request, services)
    if services.group_commit is None:
        return await to_thread.run_sync(partial(services.intake.handle, incoming, effects), limiter=limiter)
    message = await to_thread.run_sync(services.intake.read, incoming, limiter=limiter)
    return await asyncio.wrap_future(services.group_commit.submit(message, effects))
