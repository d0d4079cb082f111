"""转派: the 创城办 sends a ticket to another unit, with fresh deadlines."""

from __future__ import annotations

from bot.chat.context import ChatContext, CommandArgs
from bot.chat.messages import Outcome, Reply
from bot.core.echo_safety import echo
from bot.core.errors import InvalidArgument
from bot.tickets.dispatcher import unit_mentions
from bot.tickets.formatting import category_tag, deadline_phrase
from bot.tickets.lifecycle import Action, who_may
from handlers.learning import learn_from
from handlers.registry import command


@command("转派", "改派", "派给", usage="转派 N 单位", permission=who_may(Action.REASSIGN))
def reassign(ctx: ChatContext, args: CommandArgs) -> Outcome:
    """把工单转派给其他单位（单位名或简称），重新计时"""
    assert args.ticket_id is not None
    name, _, note = args.rest.partition(" ")
    if not name:
        raise InvalidArgument(f"请写明要转派的单位，例如：转派 {args.ticket_id} 交警")
    unit = ctx.cfg.find_unit(name)
    if unit is None:
        known = "、".join(u.name for u in ctx.cfg.units.values())
        raise InvalidArgument(f"没有找到单位「{echo(name)}」，可选：{known}")
    ticket = ctx.service.reassign(args.ticket_id, ctx.actor, unit, note.strip() or None)
    learn_from(ctx, ticket)
    text = (
        f"#{ticket.id}{category_tag(ctx.cfg, ticket)}已转派 → {ctx.cfg.unit_name(unit)}，"
        f"{deadline_phrase(ctx.cfg, ticket)}"
    )
    return Outcome([Reply(text, tuple(unit_mentions(ctx.cfg, unit, ticket.area)))], [ticket.id])
