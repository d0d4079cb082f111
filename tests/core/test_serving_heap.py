"""A served process keeps what it built at startup out of the garbage collector's walks.

Why it matters (bot/core/heap.py): collecting the oldest generation walked the ~150,000
objects every worker builds at startup, about 100 ms each time under load, stalling every
request in flight. These tests start the server the ways an operator does and look at what
the collector would walk; they never time anything.
"""

from __future__ import annotations

import gc
import weakref
from typing import Any

import pytest

from bot.app_services import AppServices
from bot.cli.main import main
from bot.core.heap import YOUNG_THRESHOLD, settle_for_serving
from tests.support.server_process import capture_serve


def _walked(obj: object) -> bool:
    """Whether a collection of any generation would visit `obj` (frozen objects are in none)."""
    return any(o is obj for o in gc.get_objects())


@pytest.fixture
def served_env(services: AppServices, monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    return capture_serve(monkeypatch, services.settings.database_url)


def test_guanjia_serve_freezes_what_startup_built_before_it_serves(served_env: dict[str, Any]) -> None:
    assert main(["serve", "--host", "127.0.0.1", "--port", "8123"]) == 0
    app = served_env["app"]
    assert gc.get_freeze_count() > 10_000, "the startup heap (modules, mappers, routes) is frozen"
    assert not _walked(app) and not _walked(app.state.services.intake)
    assert gc.get_threshold()[0] == YOUNG_THRESHOLD


def test_a_worker_built_by_the_asgi_factory_is_settled_too(
    services: AppServices, monkeypatch: pytest.MonkeyPatch
) -> None:
    from bot.asgi import create

    monkeypatch.setenv("GUANJIA_DATABASE_URL", services.settings.database_url)
    monkeypatch.setenv("GUANJIA_RUN_SCHEDULER", "false")
    app = create()
    assert not _walked(app) and not _walked(app.state.services.engine)


def test_garbage_requests_make_after_settling_is_collected_without_being_asked() -> None:
    settle_for_serving()

    class Node:
        other: Any = None

    a, b = Node(), Node()
    a.other, b.other = b, a  # a cycle: reference counting alone never frees it
    gone = weakref.ref(a)
    del a, b
    kept: list[list[int]] = [[] for _ in range(2 * YOUNG_THRESHOLD)]  # what the next requests allocate
    assert gone() is None, "the collector still runs by itself"
    assert len(kept) == 2 * YOUNG_THRESHOLD
