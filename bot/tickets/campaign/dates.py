"""Reading the end day of 迎检模式 as the office writes it: 12月15日, 12.15, 2026-12-15.

The year may be left out: it is this year's day, or next year's when this year's has passed
(in late December "1月10日" means January). The service decides whether the day is allowed.
"""

from __future__ import annotations

import re
from datetime import date

from bot.core.errors import InvalidArgument

EXAMPLE = "迎检模式 开启 至 12月15日"

_WITH_YEAR = re.compile(r"^(?P<y>\d{4})\s*[-./年]\s*(?P<m>\d{1,2})\s*[-./月]\s*(?P<d>\d{1,2})\s*[日号]?$")
_NO_YEAR = re.compile(r"^(?P<m>\d{1,2})\s*[-./月]\s*(?P<d>\d{1,2})\s*[日号]?$")


def parse_end_day(text: str, today: date, max_days: int) -> date:
    """The local day `text` names, relative to `today`; InvalidArgument with an example if none.

    Without a year, a day already past this year is next year's only when that is within
    `max_days` (else it stays this year's and is refused as past, which is what was meant).
    """
    written = text.strip()
    found = _WITH_YEAR.match(written) or _NO_YEAR.match(written)
    if not found:
        raise InvalidArgument(f"看不懂日期“{written[:20]}”，请写成 12月15日、12.15 或 2026-12-15，例如：{EXAMPLE}")
    parts = found.groupdict()
    year = int(parts["y"]) if parts.get("y") else today.year
    try:
        day = date(year, int(parts["m"]), int(parts["d"]))
    except ValueError:
        raise InvalidArgument(f"“{written[:20]}”不是有效的日期，例如：{EXAMPLE}") from None
    if not parts.get("y") and day <= today:
        try:
            following = date(year + 1, day.month, day.day)
        except ValueError:  # 2月29日 with no leap day next year: this year's, refused as past
            return day
        if (following - today).days <= max_days:
            return following
    return day


def day_text(day: date) -> str:
    return f"{day.month}月{day.day}日"
