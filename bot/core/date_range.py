"""The dates the ledger can be asked about: 2000-01-01 to 2099-12-31.

Why a range at all: a URL or API parameter is typed by anyone, and `0001-01-01` or
`9999-12-31` overflows `datetime` as soon as it is shifted by a time zone or a week
(issue 14: five pages answered 500). No ticket can predate the bot or outlive this
century, so a date outside the range is either ignored (the web pages' lenient filters)
or refused with a message naming the range (the JSON API).
"""

from __future__ import annotations

from datetime import UTC, date, datetime

FIRST_DATE = date(2000, 1, 1)
LAST_DATE = date(2099, 12, 31)
RANGE_TEXT = f"{FIRST_DATE.isoformat()} 至 {LAST_DATE.isoformat()}"


def in_range(day: date) -> bool:
    return FIRST_DATE <= day <= LAST_DATE


def lenient_date(value: str | None) -> date | None:
    """A YYYY-MM-DD query value, or None when it is missing, malformed or out of range."""
    try:
        day = date.fromisoformat(value) if value else None
    except ValueError:
        return None
    return day if day is not None and in_range(day) else None


def instant_problem(name: str, value: datetime) -> str | None:
    """Why an aware datetime parameter cannot be used, or None (its UTC date must be in range)."""
    try:
        day = value.astimezone(UTC).date()
    except OverflowError:
        day = None
    if day is None or not in_range(day):
        return f"{name}: must be between {FIRST_DATE.isoformat()} and {LAST_DATE.isoformat()}（日期范围 {RANGE_TEXT}）"
    return None
