"""撤销: the reporter or the 创城办 withdraws an invalid or duplicate ticket."""

from __future__ import annotations

from bot.chat.context import ChatContext, CommandArgs
from bot.chat.messages import Outcome, Reply
from bot.core.echo_safety import echo
from bot.tickets.dispatcher import unit_mentions
from bot.tickets.lifecycle import Action, who_may
from bot.tickets.status_labels import status_label
from handlers.registry import command
from models import TicketStatus


@command("撤销", "作废", usage="撤销 N 原因", permission=who_may(Action.CANCEL))
def cancel(ctx: ChatContext, args: CommandArgs) -> Outcome:
    """撤销无效或重复的工单"""
    assert args.ticket_id is not None
    status_before = ctx.service.get(args.ticket_id).status
    ticket = ctx.service.cancel(args.ticket_id, ctx.actor, args.rest)
    text = f"#{ticket.id} 已撤销（{echo(args.rest)}），原状态：{status_label(status_before)}"
    mentions = () if status_before == TicketStatus.TRIAGE else tuple(unit_mentions(ctx.cfg, ticket.unit))
    return Outcome([Reply(text, mentions)], [ticket.id])
