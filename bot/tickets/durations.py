"""Read a duration as field staff write it: 2天, 6小时, 两天, 1.5h, 一周, 30分钟."""

from __future__ import annotations

import re

_CN_DIGITS = {
    "零": 0,
    "一": 1,
    "二": 2,
    "两": 2,
    "三": 3,
    "四": 4,
    "五": 5,
    "六": 6,
    "七": 7,
    "八": 8,
    "九": 9,
}
_UNITS_IN_HOURS = {
    "分钟": 1 / 60,
    "分": 1 / 60,
    "小时": 1.0,
    "个小时": 1.0,
    "钟头": 1.0,
    "h": 1.0,
    "天": 24.0,
    "日": 24.0,
    "个工作日": 24.0,
    "工作日": 24.0,
    "d": 24.0,
    "周": 168.0,
    "个星期": 168.0,
    "星期": 168.0,
}
_NUMBER = r"\d+(?:\.\d+)?|[零一二两三四五六七八九十半]+"
_UNIT = "|".join(sorted(map(re.escape, _UNITS_IN_HOURS), key=len, reverse=True))
_DURATION = re.compile(rf"^\s*(?P<n>{_NUMBER})\s*(?P<unit>{_UNIT})", re.IGNORECASE)
# A duration inside a sentence ("申请延期1天"), for a pattern that looks for one there.
DURATION = rf"(?:{_NUMBER})\s*(?:{_UNIT})"


def _chinese_number(text: str) -> float | None:
    if text == "半":
        return 0.5
    if text == "十":
        return 10
    if "十" in text:
        tens, _, ones = text.partition("十")
        t = _CN_DIGITS.get(tens, 1) if tens else 1
        o = _CN_DIGITS.get(ones, 0) if ones else 0
        return float(t * 10 + o)
    if len(text) == 1 and text in _CN_DIGITS:
        return float(_CN_DIGITS[text])
    return None


def parse_duration(text: str) -> tuple[float, str] | None:
    """Hours and the text after the duration, or None when the text does not start with one."""
    match = _DURATION.match(text)
    if not match:
        return None
    raw = match.group("n")
    number = float(raw) if raw[0].isdigit() else _chinese_number(raw)
    if number is None:
        return None
    hours = number * _UNITS_IN_HOURS[match.group("unit").lower()]
    return hours, text[match.end() :].strip()
