"""Config for what happens after a ticket is closed: 回头看 re-inspection and the reporter's 满意度."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class RecheckConfig(BaseModel):
    """回头看: a share of closed tickets is looked at again, so fixed things stay fixed."""

    model_config = ConfigDict(extra="forbid")

    # Days after closing at which a ticket is sampled (the problem had time to come back).
    closed_days: int = Field(default=7, ge=1)
    # The share of closed tickets sampled, decided by a hash of the ticket id (reproducible).
    share: float = Field(default=0.2, ge=0, le=1)
    # Category codes whose closed tickets are all re-inspected, whatever the share.
    all_categories: list[str] = []
    # Sender ids of the inspectors, assigned round-robin by ticket id; empty: the supervisors.
    inspectors: list[str] = []


class SatisfactionConfig(BaseModel):
    """满意度: the reporter rates a closed ticket, once, within a window after closing."""

    model_config = ConfigDict(extra="forbid")

    window_hours: float = Field(default=72, gt=0)
