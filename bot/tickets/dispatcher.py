"""Decides where a parsed problem goes: straight to a unit, or to the 创城办's triage."""

from __future__ import annotations

from dataclasses import dataclass

from bot.parsing.parsed import Problem
from bot.tickets.gazetteer import territorial_members
from config.schema import GuanjiaConfig
from models import TicketStatus


@dataclass(frozen=True)
class Routing:
    status: str  # dispatched | triage
    unit: str


def route(cfg: GuanjiaConfig, problem: Problem) -> Routing:
    # The problem's unit is its category's, unless a learned 转派 moved it (bot/tickets/routing_memory.py).
    unit = problem.unit if problem.unit in cfg.units else cfg.categories[problem.category].unit
    unclear = unit == cfg.triage_unit or problem.confidence < cfg.parser.min_confidence
    if unclear:
        return Routing(TicketStatus.TRIAGE, cfg.triage_unit)
    return Routing(TicketStatus.DISPATCHED, unit)


def unit_mentions(cfg: GuanjiaConfig, unit: str, area: str | None = None) -> list[str]:
    """Sender ids to @ for a unit; the 创城办's triage queue @s the supervisors.

    A territorial ticket whose area is a known community @s that community's members.
    """
    community = territorial_members(cfg, unit, area)
    members = community or (list(cfg.units[unit].members) if unit in cfg.units else [])
    if unit == cfg.triage_unit:
        members += [s for s in cfg.supervisors if s not in members]
    return members
