"""完成: the unit reports the problem fixed; attached photos are the after-photos."""

from __future__ import annotations

from bot.chat.cards import cards_for
from bot.chat.commands import NATURAL
from bot.chat.context import ChatContext, CommandArgs
from bot.chat.messages import Outcome, Reply
from bot.core.echo_safety import echo
from bot.core.errors import DomainError
from bot.tickets.formatting import category_tag
from bot.tickets.lifecycle import Action, who_may
from handlers.registry import command


@command(
    "完成",
    "已整改",
    "办结",
    "已完成",
    "整改完成",
    "已处理",
    "已处理完毕",
    "处理完毕",
    "处理完成",
    "处理好了",
    "已清理",
    "已清理完毕",
    "清理完毕",
    "已清运",
    "已修复",
    "已拆除",
    "已解决",
    usage="完成 N [说明]",
    permission=who_may(Action.FIX),
    several=True,
)
def fix(ctx: ChatContext, args: CommandArgs) -> Outcome:
    """报告整改完成（可附整改后照片），等待验收"""
    assert args.ticket_id is not None
    try:
        ticket = ctx.service.fix(args.ticket_id, ctx.actor, args.rest or None, ctx.images)
    except DomainError:
        if args.verb != NATURAL:
            raise
        # "3号好了" from the reporter, or about a ticket already fixed: a note, as any line about N.
        ctx.service.supplement(args.ticket_id, ctx.actor, args.rest, (), None)
        return Outcome([Reply(f"已补充到 #{args.ticket_id}：「{echo(args.rest)}」")], [args.ticket_id])
    photos = f"，整改照片{len(ctx.images)}张" if ctx.images else ""
    text = (
        f"#{ticket.id}{category_tag(ctx.cfg, ticket)}{ctx.cfg.unit_name(ticket.unit)}已报完成{photos}。"
        f"请上报人{echo(ticket.reporter_name)}或创城办验收：验收 {ticket.id} 通过 / 验收 {ticket.id} 不通过 原因"
    )
    # 验收通过/不通过 for the reporter and the 创城办, where the platform draws cards.
    return Outcome([Reply(text, (ticket.reporter_id,), cards_for([ticket]))], [ticket.id])
