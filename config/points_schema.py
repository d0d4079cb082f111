"""Typed model of the `points:` section: the 测评点位 the inspectors go round, and each type's checklist.

Kept in the config file (not the database) so a clerk edits the list the same way as units and
categories; `guanjia points import` writes this section from a spreadsheet.
"""

from __future__ import annotations

import builtins

from pydantic import BaseModel, ConfigDict, Field, PositiveFloat, model_validator


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class PointConfig(_Strict):
    name: str = Field(min_length=1)
    # The 测评 type (农贸市场, 背街小巷, 公厕…): picks the checklist.
    type: str = Field(min_length=1)
    area: str = Field(min_length=1)
    # The responsible unit's code (units:), @-ed with the problems found there.
    unit: str = Field(min_length=1)


class PointsConfig(_Strict):
    """Rounds (督查) over the assessment points; see bot/inspections/."""

    # A round links the inspector's reports to its point until 督查结束 or this many hours.
    round_hours: PositiveFloat = 2
    # The web page flags a point nobody has inspected for this many days.
    max_days_between_rounds: int = Field(default=14, ge=1)
    # Sender ids who may start a round besides the supervisors (创城办).
    inspectors: builtins.list[str] = []
    # point type -> the items a 测评 team checks there, numbered from 1 in chat (不合格 1 3).
    checklists: dict[str, builtins.list[str]] = {}
    # point id -> the point (`list` as the clerk reads it in the YAML; hence builtins.list above).
    list: dict[str, PointConfig] = {}

    @model_validator(mode="after")
    def _every_type_has_a_checklist(self) -> PointsConfig:
        for code, point in self.list.items():
            if point.type not in self.checklists:
                raise ValueError(f"list.{code}.type: no checklist for type {point.type!r} (add it under checklists)")
        for kind, items in self.checklists.items():
            if not items or any(not item.strip() for item in items):
                raise ValueError(f"checklists.{kind}: give at least one non-empty item")
        return self
