"""催办: the 创城办 presses a ticket's unit in the group, with the deadline it is working to.

A package, not a module, because handlers/ is at the 15-modules-per-folder limit.
"""

from __future__ import annotations

from bot.chat.context import ChatContext, CommandArgs
from bot.chat.messages import Outcome, Reply
from bot.core.echo_safety import echo
from bot.tickets.dispatcher import unit_mentions
from bot.tickets.formatting import category_tag, hours_text, place_text, time_text
from bot.tickets.lifecycle import Action, who_may
from bot.tickets.supervision import urge as urge_ticket
from handlers.registry import command
from models import TicketStatus


@command("催办", "督办", usage="催办 N [说明]", permission=who_may(Action.URGE), several=True)
def urge(ctx: ChatContext, args: CommandArgs) -> Outcome:
    """催促责任单位尽快认领或整改（@该单位，记入工单时间线，不改变期限）"""
    assert args.ticket_id is not None
    note = args.rest.strip() or None
    ticket = urge_ticket(ctx.service, args.ticket_id, ctx.actor, note)
    unit = ctx.cfg.unit_name(ticket.unit)
    if ticket.status == TicketStatus.DISPATCHED:
        deadline, verb, answer = ticket.claim_deadline, "认领", f"请回复：认领 {ticket.id}"
    else:
        deadline, verb, answer = ticket.fix_deadline, "整改", f"完成后请回复：完成 {ticket.id}"
    when = ""
    if deadline is not None:
        hours = round(abs((deadline - ctx.now).total_seconds()) / 3600, 1)
        left = f"已过{hours_text(hours)}" if deadline <= ctx.now else f"还剩{hours_text(hours)}"
        when = f"{verb}期限{time_text(ctx.cfg, deadline)}（{left}），"
    said = f"：{echo(note)}" if note else ""
    head = f"📣 {echo(ctx.actor.name)}催办 #{ticket.id}{category_tag(ctx.cfg, ticket)}{place_text(ticket)} → {unit}"
    text = f"{head}{said}\n{when}{answer}"
    return Outcome([Reply(text, tuple(unit_mentions(ctx.cfg, ticket.unit, ticket.area)))], [ticket.id])
