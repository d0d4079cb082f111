"""认领: a unit member takes a dispatched ticket, stopping the claim clock."""

from __future__ import annotations

from datetime import datetime

from bot.chat.context import ChatContext, CommandArgs
from bot.chat.messages import Outcome, Reply
from bot.core.echo_safety import echo
from bot.core.errors import DomainError
from bot.tickets.formatting import category_tag, hours_text, time_text
from bot.tickets.lifecycle import Action, who_may
from bot.tickets.permissions import acts_for_unit
from handlers.registry import command


@command("认领", "接单", "收到", usage="认领 N", permission=who_may(Action.CLAIM), everyday=("收到",), several=True)
def claim(ctx: ChatContext, args: CommandArgs) -> Outcome:
    """认领工单，开始整改计时（单位成员回复「N号收到」也算认领）"""
    assert args.ticket_id is not None
    if args.verb == "收到" and not _unit_acknowledges(ctx, args.ticket_id):
        return Outcome()  # "3号收到，辛苦了" from the 创城办 or the reporter: chat, not a claim
    try:
        ticket = ctx.service.claim(args.ticket_id, ctx.actor)
    except DomainError:
        if args.verb == "收到":  # said again, or after the fix: still chat
            return Outcome()
        raise
    due = _due(ctx, ticket.fix_deadline) if ticket.fix_deadline else ""
    unit = ctx.cfg.unit_name(ticket.unit)
    text = f"#{ticket.id}{category_tag(ctx.cfg, ticket)}已由{echo(ctx.actor.name)}（{unit}）认领{due}"
    return Outcome([Reply(text)], [ticket.id])


def _due(ctx: ChatContext, deadline: datetime) -> str:
    """When the fix is due; a deadline already past says by how much, not "请于…前" (a claim of
    an overdue ticket was told a time gone hours ago as if it were still ahead)."""
    left = (deadline - ctx.now).total_seconds() / 3600
    if left <= 0:
        return f"，整改期限{time_text(ctx.cfg, deadline)}已过{hours_text(round(-left, 1))}，请尽快整改"
    return f"，请于{time_text(ctx.cfg, deadline)}前整改（剩余{hours_text(round(left, 1))}）"


def _unit_acknowledges(ctx: ChatContext, ticket_id: int) -> bool:
    """Whether "N号收到" comes from someone acting for ticket N's unit (a 创城办 member may claim
    for a unit with 认领, but their 收到 only acknowledges)."""
    try:
        ticket = ctx.service.get(ticket_id)
    except DomainError:
        return False
    return acts_for_unit(ctx.cfg, ctx.actor, ticket.unit)
