"""The 创城办's nudges that change no state: 催办 presses a unit on an open ticket.

A package of its own because bot/tickets is full and these are not the lifecycle's steps;
they go through the same lifecycle table (`TicketService._allow`) and write event rows.
"""

from bot.tickets.supervision.urging import URGE_GAP, urge

__all__ = ["URGE_GAP", "urge"]
