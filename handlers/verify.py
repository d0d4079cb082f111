"""验收, and the checks after closing: 回头看 by an inspector and the reporter's 满意/不满意.

Each judges a unit's fix; a failed one (不通过, 反弹, 不满意) sends the ticket back to the unit.
"""

from __future__ import annotations

import re

from bot.chat.cards import BUTTON_FAIL_REASON
from bot.chat.context import ChatContext, CommandArgs
from bot.chat.messages import Outcome, Reply
from bot.core.echo_safety import echo
from bot.core.errors import InvalidArgument
from bot.tickets.aftercare import Aftercare
from bot.tickets.dispatcher import unit_mentions
from bot.tickets.formatting import category_tag, time_text
from bot.tickets.lifecycle import Action, who_may
from handlers.registry import command

_VERDICT = re.compile(r"^(?P<verdict>不通过|不合格|未通过|通过|合格)\s*(?P<reason>.*)$", re.S)
_RESULT = re.compile(r"^(?P<verdict>仍合格|合格|反弹)\s*(?P<note>.*)$", re.S)


@command(
    "验收",
    usage="验收 N 通过 / 验收 N 不通过 原因",
    permission=who_may(Action.VERIFY_PASS, Action.VERIFY_FAIL),
    leading_words=("不通过", "不合格", "未通过", "通过", "合格"),
)
def verify(ctx: ChatContext, args: CommandArgs) -> Outcome:
    """验收整改结果：通过即销账，不通过退回单位返工"""
    assert args.ticket_id is not None
    found = _VERDICT.match(args.rest)
    if not found:
        n = args.ticket_id
        raise InvalidArgument(f"请写：验收 {n} 通过，或 验收 {n} 不通过 原因")
    passed = found.group("verdict") in ("通过", "合格")
    reason = found.group("reason").strip(" \t\n,，:：;；。") or None
    ticket = ctx.service.verify(args.ticket_id, ctx.actor, passed, reason)
    tag = category_tag(ctx.cfg, ticket)
    if passed:
        return Outcome([Reply(f"#{ticket.id}{tag}验收通过，已销账 ✅")], [ticket.id])
    text = f"#{ticket.id}{tag}验收不通过（{echo(reason)}），请{ctx.cfg.unit_name(ticket.unit)}继续整改"
    if reason == BUTTON_FAIL_REASON:  # the unit must learn what is still wrong
        n = ticket.id
        text += f"\n请{echo(ctx.actor.name)}说明哪里不合格，直接回复：{n}号 原因（如：{n}号 西北角还有垃圾）"
    return Outcome([Reply(text, tuple(unit_mentions(ctx.cfg, ticket.unit)))], [ticket.id])


@command(
    "回头看",
    usage="回头看 N 合格 / 回头看 N 反弹 情况（附照片）",
    permission=who_may(Action.RECHECK_PASS, Action.RECHECK_REBOUND),
    leading_words=("仍合格", "合格", "反弹"),
)
def recheck(ctx: ChatContext, args: CommandArgs) -> Outcome:
    """回头看复查结果（须附现场照片）：合格，或反弹则重新交办单位整改"""
    assert args.ticket_id is not None
    n = args.ticket_id
    found = _RESULT.match(args.rest)
    if not found:
        raise InvalidArgument(f"请写：回头看 {n} 合格，或 回头看 {n} 反弹 情况说明（附现场照片）")
    passed = found.group("verdict") != "反弹"
    note = found.group("note").strip() or None
    ticket = Aftercare(ctx.service).recheck(n, ctx.actor, passed, note, ctx.images)
    tag = category_tag(ctx.cfg, ticket)
    if passed:
        return Outcome([Reply(f"#{ticket.id}{tag}回头看仍合格 ✅ 照片{len(ctx.images)}张已存档")], [ticket.id])
    assert ticket.fix_deadline is not None  # just dispatched
    text = (
        f"#{ticket.id}{tag}回头看反弹（{echo(note)}），已重新交办{ctx.cfg.unit_name(ticket.unit)}，"
        f"整改期限{time_text(ctx.cfg, ticket.fix_deadline)}，请回复：认领 {ticket.id}"
    )
    return Outcome([Reply(text, tuple(unit_mentions(ctx.cfg, ticket.unit, ticket.area)))], [ticket.id])


@command("满意", usage="满意 N", permission=who_may(Action.SATISFIED))
def satisfied(ctx: ChatContext, args: CommandArgs) -> Outcome:
    """上报人对已销账工单表示满意"""
    assert args.ticket_id is not None
    ticket = Aftercare(ctx.service).rate(args.ticket_id, ctx.actor, True, None)
    return Outcome([Reply(f"#{ticket.id}{category_tag(ctx.cfg, ticket)}已记录：满意，感谢反馈 🙏")], [ticket.id])


@command("不满意", usage="不满意 N 原因", permission=who_may(Action.DISSATISFIED))
def dissatisfied(ctx: ChatContext, args: CommandArgs) -> Outcome:
    """上报人对已销账工单不满意：写明原因即重新交办，并作为二次督办报领导"""
    assert args.ticket_id is not None
    reason = args.rest.strip() or None
    ticket = Aftercare(ctx.service).rate(args.ticket_id, ctx.actor, False, reason)
    assert ticket.fix_deadline is not None  # just dispatched
    members = unit_mentions(ctx.cfg, ticket.unit, ticket.area)
    leaders = [p for p in ctx.cfg.leaders if p not in members]
    text = (
        f"🚨 二次督办 #{ticket.id}{category_tag(ctx.cfg, ticket)}上报人不满意（{echo(reason)}），"
        f"已重新交办{ctx.cfg.unit_name(ticket.unit)}，整改期限{time_text(ctx.cfg, ticket.fix_deadline)}，请领导关注"
    )
    return Outcome([Reply(text, (*members, *leaders))], [ticket.id])
