"""Who may do what to a ticket, from the config's supervisors and unit members."""

from __future__ import annotations

from bot.actor import Actor
from bot.errors import PermissionDenied
from bot.gazetteer import all_territorial_members
from config.schema import GuanjiaConfig
from models import Ticket


def require_unit_member(cfg: GuanjiaConfig, ticket: Ticket, actor: Actor) -> None:
    if cfg.is_supervisor(actor.id) or actor.id in cfg.units[ticket.unit].members:
        return
    if actor.id in all_territorial_members(cfg, ticket.unit):  # a community acting for 属地
        return
    raise PermissionDenied(f"#{ticket.id} 属于{cfg.unit_name(ticket.unit)}，您不是该单位成员")


def require_supervisor(cfg: GuanjiaConfig, actor: Actor, action: str) -> None:
    if not cfg.is_supervisor(actor.id):
        raise PermissionDenied(f"只有创城办可以{action}")


def require_reporter_or_supervisor(cfg: GuanjiaConfig, ticket: Ticket, actor: Actor, action: str) -> None:
    if cfg.is_supervisor(actor.id) or actor.id == ticket.reporter_id:
        return
    raise PermissionDenied(f"只有上报人或创城办可以{action} #{ticket.id}")
