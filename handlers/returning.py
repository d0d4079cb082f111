"""退回: a unit hands back a ticket that is not its job; the 创城办 decides again."""

from __future__ import annotations

from bot.chat.context import ChatContext, CommandArgs
from bot.chat.messages import Outcome, Reply
from bot.core.echo_safety import echo
from bot.tickets.dispatcher import unit_mentions
from bot.tickets.lifecycle import Action, who_may
from handlers.registry import command


@command(
    "退回",
    "退单",
    usage="退回 N 原因",
    permission=who_may(Action.RETURN),
    phrasings=(r"不(?:归|属于)(?:我们|我单位|我们单位|本单位)", r"不是我们(?:单位)?(?:的|管|负责)", r"非我单位"),
    example="退回 N 不属于我单位职责",
)
def return_ticket(ctx: ChatContext, args: CommandArgs) -> Outcome:
    """退回不属于本单位的工单，由创城办重新分拨"""
    assert args.ticket_id is not None
    unit_before = ctx.service.get(args.ticket_id).unit
    ticket = ctx.service.return_to_triage(args.ticket_id, ctx.actor, args.rest)
    text = (
        f"#{ticket.id} 已被{ctx.cfg.unit_name(unit_before)}退回（{echo(args.rest)}），"
        f"请创城办重新分拨：转派 {ticket.id} 单位"
    )
    return Outcome([Reply(text, tuple(unit_mentions(ctx.cfg, ctx.cfg.triage_unit)))], [ticket.id])
