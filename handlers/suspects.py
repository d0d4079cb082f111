"""立案 / 不立案: the 创城办 settles a 疑似上报 from the chat (the web page's buttons run these too).

The number is the 消息号 the 疑似上报 page shows. 立案 opens tickets through the SuspectService
(with the category written after the number, or as the parser reads the message); 不立案 marks
it not a problem. Either way it leaves the list, and a second attempt is refused with why.
"""

from __future__ import annotations

import re

from bot.chat.context import ChatContext, CommandArgs
from bot.chat.messages import Outcome, Reply
from bot.chat.report import report_outcome
from bot.chat.suspects import SuspectService
from bot.core.echo_safety import echo
from bot.core.errors import InvalidArgument
from handlers.recategorize import find_category
from handlers.registry import command


def _service(ctx: ChatContext) -> SuspectService:
    return SuspectService(ctx.service.session, ctx.cfg, ctx.service.clock, ctx.parser)


def _via(ctx: ChatContext) -> str:
    return "web" if ctx.actor.role else "chat"  # web users carry their role; chat senders do not


# "立案 3 垃圾 府前街北口", "立案 3 地点：府前街北口": a place the message lacks, for the unit.
_PLACE_MARK = re.compile(r"^(?:地点|位置|地址)\s*[:：]?\s*|^在\s*")


@command("立案", usage="立案 N [类别] [地点]", permission="创城办", number_label="消息号")
def convert(ctx: ChatContext, args: CommandArgs) -> Outcome:
    """把「疑似上报」第 N 条立为工单（可写类别和地点，不写则按内容判断）"""
    assert args.ticket_id is not None
    name, _, after = args.rest.strip().partition(" ")
    category = find_category(ctx.cfg, name) if name else None
    place_text = after if category is not None else args.rest
    marked = _PLACE_MARK.match(place_text.strip())
    if name and category is None and not marked:
        known = "、".join(c.name for c in ctx.cfg.categories.values())
        n = args.ticket_id
        raise InvalidArgument(
            f"没有找到类别「{echo(name)}」，可选：{known}；写地点请用：立案 {n} 类别 地点，或 立案 {n} 地点：…"
        )
    place = _PLACE_MARK.sub("", place_text.strip(), count=1).strip()[:200] or None
    conversion = _service(ctx).convert(args.ticket_id, ctx.actor, category, _via(ctx), place)
    return report_outcome(ctx, conversion.registered, head=f"疑似上报 {args.ticket_id} 已立案：", ask_place=False)


@command("不立案", usage="不立案 N", permission="创城办", number_label="消息号")
def dismiss(ctx: ChatContext, args: CommandArgs) -> Outcome:
    """把「疑似上报」第 N 条标记为不是问题"""
    assert args.ticket_id is not None
    _service(ctx).dismiss(args.ticket_id, ctx.actor, _via(ctx))
    return Outcome([Reply(f"疑似上报 {args.ticket_id} 已标记为不是问题")], [])
