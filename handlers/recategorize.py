"""改类: the 创城办 corrects a ticket's category; a new unit means a new dispatch."""

from __future__ import annotations

from bot.chat.context import ChatContext, CommandArgs
from bot.chat.messages import Outcome, Reply
from bot.core.echo_safety import echo
from bot.core.errors import InvalidArgument
from bot.tickets.dispatcher import unit_mentions
from bot.tickets.formatting import category_tag, deadline_phrase
from bot.tickets.lifecycle import Action, who_may
from config.schema import GuanjiaConfig
from handlers.learning import learn_from
from handlers.registry import command
from models import TicketStatus


def find_category(cfg: GuanjiaConfig, text: str) -> str | None:
    """A category written as its code, its name, or a keyword only it has (小广告 -> ads)."""
    found = cfg.find_category(text)
    if found:
        return found
    owners = [code for code, c in cfg.categories.items() if text in c.keywords and c.keywords[text] > 0]
    return owners[0] if len(owners) == 1 else None


@command("改类", "改分类", "更正类别", usage="改类 N 类别", permission=who_may(Action.RECATEGORIZE))
def recategorize(ctx: ChatContext, args: CommandArgs) -> Outcome:
    """更正工单类别（类别名或代码）；责任单位随之改变时重新派单、重新计时"""
    assert args.ticket_id is not None
    name = args.rest.split(" ", 1)[0].strip()
    if not name:
        raise InvalidArgument(f"请写明类别，例如：改类 {args.ticket_id} 非法小广告")
    category = find_category(ctx.cfg, name)
    if category is None:
        known = "、".join(c.name for c in ctx.cfg.categories.values())
        raise InvalidArgument(f"没有找到类别「{echo(name)}」，可选：{known}")
    unit_before = ctx.service.get(args.ticket_id).unit
    ticket = ctx.service.recategorize(args.ticket_id, ctx.actor, category)
    learn_from(ctx, ticket)
    head = f"#{ticket.id}已改为{category_tag(ctx.cfg, ticket)}"
    if ticket.status == TicketStatus.TRIAGE:
        return Outcome([Reply(f"{head}→ 待创城办分拨", tuple(unit_mentions(ctx.cfg, ticket.unit)))], [ticket.id])
    if ticket.unit == unit_before:
        return Outcome([Reply(f"{head}，仍由{ctx.cfg.unit_name(ticket.unit)}办理")], [ticket.id])
    text = f"{head}→ {ctx.cfg.unit_name(ticket.unit)}，{deadline_phrase(ctx.cfg, ticket)}"
    return Outcome([Reply(text, tuple(unit_mentions(ctx.cfg, ticket.unit, ticket.area)))], [ticket.id])
