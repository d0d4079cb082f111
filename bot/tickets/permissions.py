"""Who someone is: the config's supervisors and unit members, or a web user's role and unit.

Which of them may take which action in which status is the table in bot/tickets/lifecycle.py.
"""

from __future__ import annotations

from bot.core.actor import Actor
from bot.core.errors import PermissionDenied
from bot.tickets.gazetteer import all_territorial_members
from config.schema import GuanjiaConfig
from models import Ticket


def is_supervisor(cfg: GuanjiaConfig, actor: Actor) -> bool:
    return cfg.is_supervisor(actor.id) or actor.role == "supervisor"


def acts_for_unit(cfg: GuanjiaConfig, actor: Actor, unit: str) -> bool:
    """A member of the unit, a community member of the territorial unit, or a web user bound to it."""
    if actor.id in cfg.units[unit].members or actor.id in all_territorial_members(cfg, unit):
        return True
    return actor.role == "unit" and actor.unit == unit


def require_unit_member(cfg: GuanjiaConfig, ticket: Ticket, actor: Actor) -> None:
    if is_supervisor(cfg, actor) or acts_for_unit(cfg, actor, ticket.unit):
        return
    raise PermissionDenied(f"#{ticket.id} 属于{cfg.unit_name(ticket.unit)}，您不是该单位成员")


def require_supervisor(cfg: GuanjiaConfig, actor: Actor, action: str) -> None:
    if not is_supervisor(cfg, actor):
        raise PermissionDenied(f"只有创城办可以{action}")
