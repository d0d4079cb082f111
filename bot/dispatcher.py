"""Decides where a parsed problem goes: straight to a unit, or to the 创城办's triage."""

from __future__ import annotations

from dataclasses import dataclass

from bot.parser import Problem
from config.schema import GuanjiaConfig
from models import TicketStatus


@dataclass(frozen=True)
class Routing:
    status: str  # dispatched | triage
    unit: str


def route(cfg: GuanjiaConfig, problem: Problem) -> Routing:
    unclear = problem.category == cfg.triage_category or problem.confidence < cfg.parser.min_confidence
    if unclear:
        return Routing(TicketStatus.TRIAGE, cfg.triage_unit)
    return Routing(TicketStatus.DISPATCHED, cfg.categories[problem.category].unit)


def unit_mentions(cfg: GuanjiaConfig, unit: str) -> list[str]:
    """Sender ids to @ for a unit; the 创城办's triage queue @s the supervisors."""
    members = list(cfg.units[unit].members) if unit in cfg.units else []
    if unit == cfg.triage_unit:
        members += [s for s in cfg.supervisors if s not in members]
    return members
