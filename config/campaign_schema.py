"""Typed model of the `campaign:` section: 迎检, the weeks before the national assessment (测评).

During a campaign period the office tightens everything: deadlines of newly dispatched
tickets are shortened by a factor, overdue alarms repeat, the leaders get one list of the
overdue tickets every morning, and the digests count down. A period is switched on in chat
(`迎检模式 开启 至 12月15日`, bot/tickets/campaign/) or configured here as `period`.
"""

from __future__ import annotations

from datetime import date, time

from pydantic import BaseModel, ConfigDict, Field, PositiveFloat, model_validator

from config.timing_schema import ClockTime


class CampaignPeriodConfig(BaseModel):
    """A period fixed in the config file (both days included, local dates)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str | None = None
    start: date
    end: date

    @model_validator(mode="after")
    def _ordered(self) -> CampaignPeriodConfig:
        if self.end < self.start:
            raise ValueError(f"end {self.end} is before start {self.start}")
        return self


class CampaignConfig(BaseModel):
    """What 迎检 changes, and for how long it may be switched on."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    # The name shown in replies, digests and the ledger banner.
    name: str = Field(default="全国文明城市测评", min_length=1)
    # A period configured here instead of (or besides) the chat command; None: chat only.
    period: CampaignPeriodConfig | None = None
    # New deadlines are the category's hours × this factor ...
    factor: float = Field(default=0.5, gt=0, le=1)
    # ... or × the category's own factor (category code -> factor).
    factors: dict[str, float] = {}
    # No deadline shorter than this many hours, whatever the factor.
    min_hours: PositiveFloat = 0.5
    # The chat command accepts an end day at most this many days ahead.
    max_days: int = Field(default=90, ge=1, le=366)
    # reminders.leader_escalation_hours × this during the period (二次督办 comes sooner).
    reminder_factor: float = Field(default=0.5, gt=0, le=1)
    # During the period an overdue ticket's alarm is repeated every this many hours.
    overdue_repeat_hours: PositiveFloat = 4
    # Each day of the period at this local time, one list of the overdue tickets to the leaders.
    escalation_time: ClockTime = time(9, 0)
    # Groups that get that list district-wide; empty: digests.district_groups, or else each
    # group gets the list of its own overdue tickets.
    escalation_groups: list[str] = []
    # The daily list names at most this many tickets ("……另有N条").
    escalation_top: int = Field(default=10, ge=1)

    @model_validator(mode="after")
    def _factors_in_range(self) -> CampaignConfig:
        for code, value in self.factors.items():
            if not 0 < value <= 1:
                raise ValueError(f"factors.{code}: {value} must be above 0 and at most 1")
        return self

    def factor_for(self, category: str) -> float:
        return self.factors.get(category, self.factor)
