"""Is a signed request's timestamp recent? One check for every platform.

A signature proves who made a request, not when: without a window, a request captured once
(from a log, a proxy, a screenshot of a debugging session) can be replayed for years. Each
platform states its timestamp in seconds or milliseconds; anything that is not a plain
number of reasonable length (400 digits overflow float arithmetic) is refused the same way.
"""

from __future__ import annotations

from datetime import datetime

_MAX_DIGITS = 16  # milliseconds stay at 13 digits until the year 2286


def timestamp_problem(
    value: str | None, now: datetime, tolerance_seconds: float, *, millis: bool = False
) -> str | None:
    """Why `value` (unix seconds, or milliseconds with millis=True) is not fresh, or None."""
    unit = "milliseconds" if millis else "seconds"
    if not value:
        return "missing timestamp"
    if not value.isascii() or not value.isdigit() or len(value) > _MAX_DIGITS:
        return f"timestamp must be unix {unit}"
    sent = int(value) / 1000 if millis else int(value)
    if abs(now.timestamp() - sent) > tolerance_seconds:
        return f"timestamp is more than {tolerance_seconds:g} s away from the server clock"
    return None
