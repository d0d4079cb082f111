"""Reading a platform's JSON by shape: an object where an object belongs, a sane timestamp.

Why: a callback is signed, but its JSON is still the platform's (or whoever holds the keys):
a string where an object was documented made `.get` raise, and the route answered 500, which
every platform retries. These helpers turn a wrong shape into NotAMessage naming the field,
which the routes answer with 422 before anything is written.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any


class NotAMessage(ValueError):
    """The body is not a message we can read; the reason (naming the field) is for the log and the 422."""


def obj(parent: dict[str, Any], key: str, where: str) -> dict[str, Any]:
    """parent[key] as an object: {} when absent, null or empty; NotAMessage when it is anything else."""
    value = parent.get(key)
    if value is None or value == "" or value == []:
        return {}
    if not isinstance(value, dict):
        raise NotAMessage(f"{where}: must be an object")
    return value


def items(parent: dict[str, Any], key: str, where: str) -> list[Any]:
    """parent[key] as a list: [] when absent or null; NotAMessage when it is anything else."""
    value = parent.get(key)
    if value is None or value == "":
        return []
    if not isinstance(value, list):
        raise NotAMessage(f"{where}: must be a list")
    return value


def objects(parent: dict[str, Any], key: str, where: str) -> list[dict[str, Any]]:
    """parent[key] as a list of objects; NotAMessage naming the first element that is not one."""
    found = items(parent, key, where)
    for n, item in enumerate(found):
        if not isinstance(item, dict):
            raise NotAMessage(f"{where}[{n}]: must be an object")
    return found


# 2000-01-01 … 2099-12-31, the range the rest of guanjia accepts for a date.
_EARLIEST, _LATEST = 946_684_800, 4_102_444_800


def instant(value: Any, where: str, *, millis: bool) -> datetime | None:
    """A unix timestamp (number or digit string) as a UTC instant; None when absent.

    A number outside 2000 … 2099 (or a string of digits that is no plain ASCII number) is
    refused: datetime.fromtimestamp raises ValueError, OSError or OverflowError on such input.
    """
    if value is None or value == "" or isinstance(value, bool):
        return None
    if isinstance(value, str):
        if not value.isascii() or not value.isdigit():
            raise NotAMessage(f"{where}: must be unix {'milliseconds' if millis else 'seconds'}")
        value = int(value)
    if not isinstance(value, int | float):
        raise NotAMessage(f"{where}: must be unix {'milliseconds' if millis else 'seconds'}")
    seconds = value / 1000 if millis else value
    if not _EARLIEST <= seconds <= _LATEST:  # NaN fails this too
        raise NotAMessage(f"{where}: must be a time between 2000 and 2099")
    return datetime.fromtimestamp(seconds, UTC)
