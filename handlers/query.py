"""Read-only commands anyone may use: one ticket, a unit's to-do list, mine, overdue."""

from __future__ import annotations

from bot.chat.context import ChatContext, CommandArgs
from bot.chat.messages import Outcome, Reply
from bot.core.echo_safety import echo
from bot.core.errors import InvalidArgument
from bot.tickets.formatting import category_tag, list_text, place_text, time_text
from bot.tickets.status_labels import event_label, status_label
from handlers.registry import command
from models import TicketStatus


@command(
    "查询",
    "查看",
    "进度",
    "查一下",
    "查下",
    usage="查询 N",
    permission="所有人",
    accepts_rest=False,
    writes=False,
    answers_questions=True,
    several=True,
)
def show(ctx: ChatContext, args: CommandArgs) -> Outcome:
    """查看一张工单的状态、期限和最近进展"""
    assert args.ticket_id is not None
    cfg = ctx.cfg
    t = ctx.service.get(args.ticket_id)
    lines = [
        f"#{t.id}{category_tag(cfg, t)}{status_label(t.status)}",
        f"地点：{place_text(t)}　单位：{cfg.unit_name(t.unit)}",
        f"上报：{echo(t.reporter_name)} {time_text(cfg, t.created_at)}",
    ]
    if t.duplicate_of:
        lines.append(f"与 #{t.duplicate_of} 重复")
    if t.status in (TicketStatus.DISPATCHED, TicketStatus.CLAIMED):
        lines.append(f"认领期限：{time_text(cfg, t.claim_deadline)}　整改期限：{time_text(cfg, t.fix_deadline)}")
    if t.pending_extension_hours:
        lines.append(f"延期申请待审批：{t.pending_extension_hours:g}小时")
    last = ctx.service.last_event(t)
    note = f"：{echo(last.note)}" if last.note and last.type != "reported" else ""
    lines.append(f"最近：{time_text(cfg, last.at)} {echo(last.actor_name)}{event_label(last.type)}{note}")
    return Outcome([Reply("\n".join(lines))], [])


@command("待办", "待处理", usage="待办 [单位]", permission="所有人", takes_ticket=False, writes=False)
def todo(ctx: ChatContext, args: CommandArgs) -> Outcome:
    """列出某单位未办结的工单（不写单位则为本人所在单位）"""
    cfg = ctx.cfg
    if args.rest:
        unit = cfg.find_unit(args.rest)
        if unit is None:
            raise InvalidArgument(f"没有找到单位「{echo(args.rest)}」，例如：待办 环卫")
        units = [unit]
    else:
        units = cfg.units_of(ctx.actor.id)
        if not units and cfg.is_supervisor(ctx.actor.id):
            return Outcome([Reply(list_text(cfg, "全部未办结工单", ctx.service.open_tickets()))], [])
        if not units:
            raise InvalidArgument("您不属于任何单位，请写明单位，例如：待办 环卫")
    title = "、".join(cfg.unit_name(u) for u in units) + "待办"
    return Outcome([Reply(list_text(cfg, title, ctx.service.open_tickets(units)))], [])


@command("我的", usage="我的", permission="所有人", takes_ticket=False, accepts_rest=False, writes=False)
def mine(ctx: ChatContext, args: CommandArgs) -> Outcome:
    """我上报的未办结工单，以及我所在单位的待办"""
    cfg = ctx.cfg
    parts = [list_text(cfg, "我上报的未办结工单", ctx.service.reported_by(ctx.actor.id))]
    units = cfg.units_of(ctx.actor.id)
    if units:
        title = "、".join(cfg.unit_name(u) for u in units) + "待办"
        parts.append(list_text(cfg, title, ctx.service.open_tickets(units)))
    return Outcome([Reply("\n".join(parts))], [])


@command("超时", "超期", usage="超时", permission="所有人", takes_ticket=False, accepts_rest=False, writes=False)
def overdue(ctx: ChatContext, args: CommandArgs) -> Outcome:
    """列出超时未认领、超期未整改的工单"""
    return Outcome([Reply(list_text(ctx.cfg, "超时工单", ctx.service.overdue()))], [])
