"""Messages go to the intake: read on the event loop, written by group commit (bot/chat/group_commit.py).

Reading a message (cleaning, commands, parsing) is CPU alone, a fraction of a millisecond, so it
runs on the event loop: handing it to a worker thread and back cost more than the parse itself
(`bench/intake_cut.py`: its `thread` cut against `full`). A read that may wait on the database
(a quote by message id, a refresh of the learned words) still goes to a worker thread, so the
loop never waits on a connection. Without group commit the whole message is handled on worker
threads, `GUANJIA_INTAKE_THREADS` at a time; more only fight over the GIL.
"""

from __future__ import annotations

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

    With group commit on, the message is read and then waits, holding no thread, for the commit
    of its batch.
    """
    intake = services.intake
    if services.group_commit is None:
        return await to_thread.run_sync(partial(intake.handle, incoming, effects), limiter=_limiter(request, services))
    if intake.reads_database(incoming):
        message = await to_thread.run_sync(intake.read, incoming, limiter=_limiter(request, services))
    else:
        message = intake.read(incoming)
    return await services.group_commit.write(message, effects)
