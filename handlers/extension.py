"""延期: a unit asks for more time to fix; the 创城办 approves or rejects it."""

from __future__ import annotations

from bot.chat.context import ChatContext, CommandArgs
from bot.chat.messages import Outcome, Reply
from bot.core.echo_safety import echo
from bot.core.errors import InvalidArgument
from bot.tickets.dispatcher import unit_mentions
from bot.tickets.durations import DURATION, parse_duration
from bot.tickets.formatting import hours_text, time_text
from bot.tickets.lifecycle import Action, who_may
from handlers.registry import command

_MAX_EXTENSION_HOURS = 366 * 24


@command(
    "延期",
    "申请延期",
    usage="延期 N 时长 原因",
    permission=who_may(Action.EXTEND),
    phrasings=(
        r"(?:申请|需要|要求|请求|想|能否|能不能|可否|可以|再)延期",
        r"延期(?:[一两二三四五六七几半]|\d)",
        # The request itself in a line about a ticket ("1号…，申请延期1天"); not after 不/没/别.
        rf"(?<![不没无别用必需要])(?:(?:申请|需要|要求|请求|想|能否|能不能|可否|可以|再)\s*)?延期\s*(?P<arg>{DURATION})",
    ),
    example="延期 N 2天 需要协调清运车辆",
)
def request_extension(ctx: ChatContext, args: CommandArgs) -> Outcome:
    """申请延长整改期限，例如：延期 12 2天 需要协调物业

    A unit's sentence about one ticket that asks for more time and says how much ("1号已经安排
    人员清理，申请延期1天") is this request, the rest of the line its reason (the phrasing with
    "arg", read by CommandRegistry._asked_for). The number and the duration are all a request
    needs: a hint to rewrite it would add a turn and change nothing, and nothing is decided yet,
    the 创城办 still approves or rejects. Who may ask stays the service's to say: from anyone
    but the ticket's unit it is refused as "延期 1 1天 …" is. Without a duration ("…需要延期"),
    after 不/没/别 ("不需要延期两天"), or naming several tickets, the line stays a hint.
    """
    assert args.ticket_id is not None
    parsed = parse_duration(args.rest)
    if parsed is None:
        raise InvalidArgument(f"请写明延期时长和原因，例如：延期 {args.ticket_id} 2天 需要协调物业")
    hours, reason = parsed
    if not 0 < hours <= _MAX_EXTENSION_HOURS:  # "99999999天" would overflow the deadline arithmetic
        raise InvalidArgument(f"延期时长应大于0且不超过{_MAX_EXTENSION_HOURS // 24}天")
    ticket = ctx.service.request_extension(args.ticket_id, ctx.actor, hours, reason)
    text = (
        f"#{ticket.id} {ctx.cfg.unit_name(ticket.unit)}申请延期{hours_text(hours)}（{echo(reason)}），"
        f"请创城办审批：同意延期 {ticket.id} / 拒绝延期 {ticket.id} 原因"
    )
    return Outcome([Reply(text, tuple(ctx.cfg.supervisors))], [ticket.id])


@command("同意延期", "批准延期", usage="同意延期 N", permission=who_may(Action.APPROVE_EXTENSION))
def approve_extension(ctx: ChatContext, args: CommandArgs) -> Outcome:
    """同意单位的延期申请，整改期限顺延"""
    assert args.ticket_id is not None
    hours = ctx.service.get(args.ticket_id).pending_extension_hours
    ticket = ctx.service.approve_extension(args.ticket_id, ctx.actor)
    text = f"#{ticket.id} 延期{hours_text(hours or 0)}已同意，新的整改期限：{time_text(ctx.cfg, ticket.fix_deadline)}"
    return Outcome([Reply(text, tuple(unit_mentions(ctx.cfg, ticket.unit)))], [ticket.id])


@command("拒绝延期", "驳回延期", usage="拒绝延期 N [原因]", permission=who_may(Action.REJECT_EXTENSION))
def reject_extension(ctx: ChatContext, args: CommandArgs) -> Outcome:
    """拒绝单位的延期申请，整改期限不变"""
    assert args.ticket_id is not None
    ticket = ctx.service.reject_extension(args.ticket_id, ctx.actor, args.rest or None)
    why = f"（{echo(args.rest)}）" if args.rest else ""
    deadline = ticket.fix_deadline
    if deadline is not None and deadline <= ctx.now:  # never "前整改" about a time already gone
        gone = hours_text(round((ctx.now - deadline).total_seconds() / 3600, 1))
        text = f"#{ticket.id} 延期申请未同意{why}，原整改期限{time_text(ctx.cfg, deadline)}已过{gone}，请尽快整改"
    else:
        text = f"#{ticket.id} 延期申请未同意{why}，请按原期限{time_text(ctx.cfg, deadline)}前整改"
    return Outcome([Reply(text, tuple(unit_mentions(ctx.cfg, ticket.unit)))], [ticket.id])
