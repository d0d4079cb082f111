"""Claim and fix deadlines from the category (or the urgent rule), counted in natural hours."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from config.schema import GuanjiaConfig


@dataclass(frozen=True)
class TimeLimits:
    claim_hours: float
    fix_hours: float


def time_limits(cfg: GuanjiaConfig, category: str, urgent: bool) -> TimeLimits:
    if urgent:
        return TimeLimits(cfg.urgent.claim_hours, cfg.urgent.fix_hours)
    spec = cfg.categories[category]
    return TimeLimits(spec.claim_hours, spec.fix_hours)


def deadlines_from(start: datetime, limits: TimeLimits) -> tuple[datetime, datetime]:
    return start + timedelta(hours=limits.claim_hours), start + timedelta(hours=limits.fix_hours)
