"""Whether any transaction of this process is open on an engine right now.

The group-commit writer may write on the event loop (bot/chat/group_commit.py). On SQLite every
transaction takes the one write lock at BEGIN, so if another one is open (a worker thread's
digest, a long connection's message, or a coroutine on the loop itself that holds a session
across an `await`), writing on the loop would stop the loop until that lock is free, and in the
coroutine's case for good. The writer asks this first and writes on a thread instead.
Connections are held weakly: one dropped without a commit or rollback is forgotten with it.
"""

from __future__ import annotations

from collections.abc import Callable
from weakref import WeakSet

from sqlalchemy import Connection, Engine, event


def watch_open_transactions(engine: Engine) -> Callable[[], bool]:
    """A function telling whether any connection of `engine` is inside a transaction."""
    open_now: WeakSet[Connection] = WeakSet()
    event.listen(engine, "begin", open_now.add)
    event.listen(engine, "commit", open_now.discard)
    event.listen(engine, "rollback", open_now.discard)
    return lambda: len(open_now) > 0
