"""督查 / 不合格 / 督查结束: an inspector's round at one 测评点位 (bot/inspections/).

While a round runs, every problem the inspector posts in the group is linked to the point and
dispatched as usual; 督查结束 (or the time limit) posts the round's summary.
A package, not a module, because handlers/ is at the 15-modules-per-folder limit.
"""

from __future__ import annotations

import re

from bot.chat.context import ChatContext, CommandArgs
from bot.chat.messages import Outcome, Reply
from bot.chat.report import handle_report
from bot.core.errors import InvalidArgument
from bot.inspections.points import checklist, find_points, point_name
from bot.inspections.rounds import RoundService
from bot.inspections.summary import round_summary
from handlers.registry import command

_ITEM_NUMBER = re.compile(r"\d{1,3}")
# Words that make a 督查… line a report written by an inspection team, not a round to start.
_REPORT_HINT = re.compile(r"发现|存在|有人|问题")


def _rounds(ctx: ChatContext) -> RoundService:
    return RoundService(ctx.service.session, ctx.cfg, ctx.service.clock)


@command("督查", "开始督查", usage="督查 点位名称", permission="创城办或督查员", takes_ticket=False)
def start_round(ctx: ChatContext, args: CommandArgs) -> Outcome:
    """开始对一个测评点位督查（之后发的问题都记在该点位）"""
    if (not find_points(ctx.cfg, args.rest) and _REPORT_HINT.search(args.rest)) and ctx.parser is not None:
        # "督查发现妫水路垃圾堆放" is a report from an inspection team: register it as one.
        parsed = ctx.parser.parse(f"督查{args.rest}")
        if parsed.is_report:
            return handle_report(ctx, parsed, f"督查{args.rest}")
    round_ = _rounds(ctx).start(ctx.actor, ctx.group_id, args.rest)
    items = checklist(ctx.cfg, round_.point_id)
    numbered = "\n".join(f"{n}. {item}" for n, item in enumerate(items, 1))
    hours = ctx.cfg.points.round_hours
    text = (
        f"开始督查：{point_name(ctx.cfg, round_.point_id)}（{ctx.actor.name}）\n"
        f"检查项：\n{numbered}\n"
        f"接下来发的问题都记在该点位；不合格项请发“不合格 序号”，如“不合格 1 3”；"
        f"完成后发“督查结束”（{hours:g}小时后自动结束）"
    )
    return Outcome([Reply(text)])


@command("不合格", usage="不合格 序号", permission="督查人本人", takes_ticket=False)
def fail_items(ctx: ChatContext, args: CommandArgs) -> Outcome:
    """标记督查点位的检查项不合格"""
    numbers = [int(n) for n in _ITEM_NUMBER.findall(args.rest)]
    if not numbers and args.rest.strip():
        raise InvalidArgument("请写检查项序号，例如：不合格 1 3")
    round_ = _rounds(ctx).mark_failed(ctx.actor, ctx.group_id, numbers)
    items = checklist(ctx.cfg, round_.point_id)
    listed = "；".join(f"{n}.{items[n - 1]}" for n in round_.failed_items)
    return Outcome([Reply(f"已记录{point_name(ctx.cfg, round_.point_id)}不合格项：{listed}")])


@command("督查结束", "结束督查", usage="督查结束", permission="督查人本人", takes_ticket=False, accepts_rest=False)
def end_round(ctx: ChatContext, args: CommandArgs) -> Outcome:
    """结束督查并发布本轮小结"""
    rounds = _rounds(ctx)
    round_ = rounds.end(ctx.actor, ctx.group_id)
    problems = rounds.problems(round_)
    summary = round_summary(ctx.cfg, round_, problems, timed_out=False)
    return Outcome([Reply(summary.text, summary.mentions)], [t.id for t in problems])
