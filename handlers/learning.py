"""After a supervisor's correction (转派, 改类), teach the routing memory what it showed."""

from __future__ import annotations

from bot.chat.context import ChatContext
from bot.parsing.parser import MessageParser
from bot.tickets.routing_memory import record
from models import Ticket

_parsers: dict[int, MessageParser] = {}


def learn_from(ctx: ChatContext, ticket: Ticket) -> None:
    """Store the ticket's distinctive words under its corrected category and unit."""
    if ticket.unit == ctx.cfg.triage_unit:
        return  # sent back to the office: nothing to learn yet
    parser = _parsers.get(id(ctx.cfg))
    if parser is None:
        parser = _parsers[id(ctx.cfg)] = MessageParser(ctx.cfg)
    record(ctx.service.session, ctx.cfg, parser, ticket, ctx.actor.id, ctx.now)
