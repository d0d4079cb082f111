"""认领: a unit member takes a dispatched ticket, stopping the claim clock."""

from __future__ import annotations

from bot.chat.context import ChatContext, CommandArgs
from bot.chat.messages import Outcome, Reply
from bot.core.echo_safety import echo
from bot.tickets.formatting import category_tag, hours_text, time_text
from bot.tickets.lifecycle import Action, who_may
from handlers.registry import command


@command("认领", "接单", usage="认领 N", permission=who_may(Action.CLAIM))
def claim(ctx: ChatContext, args: CommandArgs) -> Outcome:
    """认领工单，开始整改计时"""
    assert args.ticket_id is not None
    ticket = ctx.service.claim(args.ticket_id, ctx.actor)
    left = (ticket.fix_deadline - ctx.now).total_seconds() / 3600 if ticket.fix_deadline else None
    due = f"，请于{time_text(ctx.cfg, ticket.fix_deadline)}前整改" if ticket.fix_deadline else ""
    if left is not None and left > 0:
        due += f"（剩余{hours_text(round(left, 1))}）"
    unit = ctx.cfg.unit_name(ticket.unit)
    text = f"#{ticket.id}{category_tag(ctx.cfg, ticket)}已由{echo(ctx.actor.name)}（{unit}）认领{due}"
    return Outcome([Reply(text)], [ticket.id])
