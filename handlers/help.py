"""帮助: the command list, generated from the registry so it never drifts from the code.

Who may send each ticket command comes from the lifecycle table (bot/tickets/lifecycle.py).
"""

from __future__ import annotations

from bot.chat.context import ChatContext, CommandArgs
from bot.chat.messages import Outcome, Reply
from handlers.registry import REGISTRY, command


@command(
    "帮助", "help", "菜单", usage="帮助", permission="所有人", takes_ticket=False, accepts_rest=False, writes=False
)
def show_help(ctx: ChatContext, args: CommandArgs) -> Outcome:
    """显示本说明"""
    lines = ["直接在群里发问题（地点+问题，可带图）即自动登记派单。命令："]
    for c in REGISTRY.commands:
        lines.append(f"· {c.usage} —— {c.help}（{c.permission}）")
    if ctx.cfg.lifecycle.separation_of_duties:
        share = f"{ctx.cfg.lifecycle.near_deadline_share:.0%}"
        lines.append(
            f"验收不能由报完成的单位自己进行；超时未认领、整改时限只剩最后{share}或已超期的工单，撤销需由创城办办理。"
        )
    lines.append("工单号可写 12、#12 或全角数字；认领、完成、查询、催办可一次写几张：认领 3 4、3号和4号已处理。")
    return Outcome([Reply("\n".join(lines))], [])
