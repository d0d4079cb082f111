"""Python's garbage collector, set for a long-running server process.

A served worker holds about 150,000 objects that live as long as it does: modules, functions,
SQLAlchemy's mappers, FastAPI's routes, pydantic models, the config. CPython's collection of
its oldest generation walks every one of them, and under load it ran every few seconds and took
about 100 ms, stalling every request in flight: it was most of the intake's p99 (issue 15,
`make bench-ingest` in alternating pairs: p99 76-109 ms before, 22-35 ms with these settings,
and 4-9 % more messages a second). `gc.freeze()` moves what startup built into the permanent generation, which no
collection walks; what requests create is collected as before. The youngest generation is also
collected less often: a message allocates a few thousand objects and frees almost all of them
by reference counting, so collecting every 700 allocations mostly walks objects about to die.

Called once a worker's app is built, before it serves (`guanjia serve`, bot/asgi.py), never in
tests' in-process apps: frozen objects that later become unreachable cycles are never freed,
which a server that builds its app once can afford and a test session that builds hundreds
cannot.
"""

from __future__ import annotations

import gc

YOUNG_THRESHOLD = 10_000  # allocations between collections of the youngest generation (CPython: 700)


def settle_for_serving() -> None:
    """Collect what startup left behind, freeze the rest, then space out young collections."""
    gc.collect()
    gc.freeze()
    _, middle, old = gc.get_threshold()
    gc.set_threshold(YOUNG_THRESHOLD, middle, old)
