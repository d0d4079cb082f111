"""Time is injected: only the composition root reads the wall clock; a message's instant never moves.

The scan walks the source tree's syntax (not its text), so a comment or a docstring that
mentions `datetime.now(` does not trip it, and an aliased `from time import time` does.
"""

from __future__ import annotations

import ast
import dataclasses
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.core.clock import FixedClock

ROOT = Path(__file__).resolve().parents[2]
SOURCE_PACKAGES = ("bot", "handlers", "models", "config")
# The composition root: where the one wall clock is made and handed down.
WALL_CLOCK_ALLOWED = {"bot/core/clock.py", "bot/app_services.py", "bot/cli/main.py"}
# ManualClock is for tests and the simulators (the chat simulator, `guanjia demo` playing weeks of
# history): production code freezes an instant with FixedClock.
MANUAL_CLOCK_ALLOWED = {"bot/core/clock.py", "bot/cli/main.py", "bot/cli/simulator.py", "bot/cli/demo/__init__.py"}
_NOW_METHODS = {"now", "utcnow", "today"}


def _name(node: ast.expr) -> str:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return node.attr
    return ""


def wall_clock_reads(source: str) -> list[str]:
    """`line: what` for every wall-clock read in `source`."""
    found: list[str] = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.ImportFrom) and node.module == "time":
            found += [f"{node.lineno}: from time import {a.name}" for a in node.names if a.name in ("time", "time_ns")]
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        if _name(func) == "SystemClock":
            found.append(f"{node.lineno}: SystemClock(")
        elif (
            isinstance(func, ast.Attribute) and func.attr in _NOW_METHODS and _name(func.value) in ("datetime", "date")
        ):
            found.append(f"{node.lineno}: {_name(func.value)}.{func.attr}(")
        elif isinstance(func, ast.Attribute) and func.attr in ("time", "time_ns") and _name(func.value) == "time":
            found.append(f"{node.lineno}: time.{func.attr}(")
    return found


def manual_clocks(source: str) -> list[str]:
    return [
        f"{node.lineno}: ManualClock("
        for node in ast.walk(ast.parse(source))
        if isinstance(node, ast.Call) and _name(node.func) == "ManualClock"
    ]


def _sources() -> list[tuple[str, str]]:
    files = sorted(p for package in SOURCE_PACKAGES for p in (ROOT / package).rglob("*.py"))
    assert len(files) > 100, "the scan must see the whole source tree"
    return [(p.relative_to(ROOT).as_posix(), p.read_text(encoding="utf-8")) for p in files]


def test_only_the_composition_root_reads_the_wall_clock() -> None:
    offenders = {path: hits for path, text in _sources() if (hits := wall_clock_reads(text))}
    assert set(offenders) <= WALL_CLOCK_ALLOWED, {p: h for p, h in offenders.items() if p not in WALL_CLOCK_ALLOWED}


def test_production_code_freezes_an_instant_with_fixed_clock_not_manual_clock() -> None:
    offenders = {path: hits for path, text in _sources() if (hits := manual_clocks(text))}
    assert set(offenders) <= MANUAL_CLOCK_ALLOWED, {p: h for p, h in offenders.items() if p not in MANUAL_CLOCK_ALLOWED}


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("from datetime import datetime\nx = datetime.now()", ["2: datetime.now("]),
        ("import datetime\nx = datetime.datetime.utcnow()", ["2: datetime.utcnow("]),
        ("from datetime import date\nx = date.today()", ["2: date.today("]),
        ("import time\nx = time.time()", ["2: time.time("]),
        ("from time import time as t\nx = t()", ["1: from time import time"]),
        ("from bot.core.clock import SystemClock\nc = clock or SystemClock()", ["2: SystemClock("]),
        ("# datetime.now( in a comment\n'''time.time( in a docstring'''\nx = clock.now()", []),
    ],
)
def test_the_scan_catches_each_way_of_reading_the_wall_clock(source: str, expected: list[str]) -> None:
    assert wall_clock_reads(source) == expected


def test_a_fixed_clock_never_moves() -> None:
    instant = datetime(2026, 11, 23, 1, 0, tzinfo=UTC)
    clock = FixedClock(instant)
    assert clock.now() == instant and clock.now() == clock.now()
    with pytest.raises(dataclasses.FrozenInstanceError):
        clock.instant = datetime(2027, 1, 1, tzinfo=UTC)  # type: ignore[misc]
    assert not hasattr(clock, "set") and not hasattr(clock, "advance")
    assert clock.now() == instant


def test_a_fixed_clock_refuses_a_naive_instant() -> None:
    with pytest.raises(ValueError, match="aware"):
        FixedClock(datetime(2026, 11, 23, 9, 0))
