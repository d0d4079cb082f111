"""Typed model of the `hotspots:` section: when repeated reports at one place make a 顽疾.

A hotspot is the same category at the same place `count` times within `days` days; kept in
config so an office can tighten it (e.g. before 迎检) without a code change.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class HotspotsConfig(BaseModel):
    """Thresholds for recurring problems (顽疾); see bot/reports/hotspots/."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    # This many same-category reports at one place make a hotspot ...
    count: int = Field(default=3, ge=2)
    # ... within this many days.
    days: int = Field(default=30, ge=1)
    # The weekly digest lists at most this many hotspots.
    digest_top: int = Field(default=5, ge=1)
