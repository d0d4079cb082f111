"""Config for time: office hours and holidays, quiet hours, reminder leads and escalation."""

from __future__ import annotations

import re
from datetime import date, time
from typing import Annotated, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, PositiveFloat, field_validator

_HHMM = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")


def _parse_hhmm(value: str) -> time:
    if not _HHMM.match(value):
        raise ValueError(f"expected a time like 09:00, got {value!r}")
    hours, minutes = value.split(":")
    return time(int(hours), int(minutes))


def _clock_time(value: object) -> object:
    # YAML reads an unquoted 17:30 as the base-60 integer 1050; refuse it instead of
    # letting it become 00:17:30.
    if isinstance(value, int | float):
        raise ValueError("write the time in quotes, e.g. '17:30'")
    return value


ClockTime = Annotated[time, BeforeValidator(_clock_time)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class _LocalSpan(_Strict):
    """A span of local clock time, "HH:MM" to "HH:MM"."""

    start: str
    end: str

    @field_validator("start", "end")
    @classmethod
    def _hhmm(cls, value: str) -> str:
        _parse_hhmm(value)
        return value

    @property
    def start_time(self) -> time:
        return _parse_hhmm(self.start)

    @property
    def end_time(self) -> time:
        return _parse_hhmm(self.end)


class OfficeInterval(_LocalSpan):
    pass


class CalendarConfig(_Strict):
    """Working time for categories that count in 工作时/工作日 (数字城管 practice)."""

    office_hours: list[OfficeInterval] = Field(
        default=[OfficeInterval(start="09:00", end="12:00"), OfficeInterval(start="13:30", end="18:00")],
        min_length=1,
    )
    # "chinese": public holidays and 调休 make-up days from the chinese-calendar package;
    # "weekends": Monday to Friday only. Either way the two lists below override.
    holidays: Literal["chinese", "weekends"] = "chinese"
    extra_holidays: list[date] = []
    extra_workdays: list[date] = []


class QuietHoursConfig(_LocalSpan):
    """Non-urgent reminders are held during these local hours and go out when they end."""

    start: str = "22:00"
    end: str = "07:00"


class RemindersConfig(_Strict):
    # Remind the unit this long before its claim / fix deadline (capped at half the window).
    claim_lead_minutes: PositiveFloat = 30
    fix_lead_hours: PositiveFloat = 4
    # After a fix deadline passes, escalate to `leaders` (二次督办) this much later.
    leader_escalation_hours: PositiveFloat = 24
    quiet_hours: QuietHoursConfig = QuietHoursConfig()


class OutboxConfig(_Strict):
    # Most robots refuse more than 20 messages a minute.
    rate_per_minute: int = Field(default=20, ge=1)
    first_retry_seconds: PositiveFloat = 2
    max_retry_seconds: PositiveFloat = 300
    # Give up (and alert in the log) after this many failed attempts.
    max_attempts: int = Field(default=30, ge=1)
