"""迎检模式: the 创城办 switches the campaign period before the assessment on and off (bot/tickets/campaign/).

`迎检模式` alone shows whether it is on and how many days are left; anyone may ask.
A package, not a module, because handlers/ is at the 15-modules-per-folder limit.
"""

from __future__ import annotations

import re

from bot.chat.context import ChatContext, CommandArgs
from bot.chat.messages import Outcome, Reply
from bot.core.errors import InvalidArgument
from bot.tickets.campaign import ActivePeriod, CampaignService, day_text
from bot.tickets.campaign.dates import EXAMPLE
from bot.tickets.formatting import hours_text
from config.schema import GuanjiaConfig
from handlers.registry import command

_ON = re.compile(r"^(?:开启|打开|启动|开)\s*(?:(?:至|到|截至|截止到?|直到)\s*)?(?P<day>.*)$", re.S)
_OFF = re.compile(r"^(?:关闭|关掉|结束|取消|关)$")


def _effects(cfg: GuanjiaConfig) -> str:
    campaign = cfg.campaign
    escalation = campaign.escalation_time.strftime("%H:%M")
    return (
        f"期间新派发的工单时限按类别缩短（默认×{campaign.factor:g}，最短{hours_text(campaign.min_hours)}），"
        f"超期工单每{hours_text(campaign.overdue_repeat_hours)}再催一次，"
        f"每天{escalation}向领导通报超期工单，日报、周报显示倒计时"
    )


def _period_text(ctx: ChatContext, period: ActivePeriod) -> str:
    left = period.days_left(ctx.cfg, ctx.now)
    when = "今天是最后一天" if left == 0 else f"还有 {left} 天"
    return f"{period.name}，至 {day_text(period.end_day)}，{when}"


@command(
    "迎检模式",
    usage="迎检模式 [开启 至 12月15日｜关闭]",
    permission="查看：所有人；开启/关闭：创城办",
    takes_ticket=False,
)
def campaign_mode(ctx: ChatContext, args: CommandArgs) -> Outcome:
    """查看、开启或关闭迎检模式（测评前时限缩短、加密提醒）"""
    service = CampaignService(ctx.service.session, ctx.cfg, ctx.service.clock)
    rest = args.rest.strip()
    on = _ON.match(rest)
    if on:
        switched = service.switch_on(ctx.actor, on.group("day"))
        if switched.moved_from is not None:
            text = (
                f"迎检模式结束日期已由 {day_text(switched.moved_from)} 改为 {day_text(switched.period.end_day)}"
                f"（{_period_text(ctx, switched.period)}）"
            )
        else:
            text = (
                f"✅ 已开启迎检模式：{_period_text(ctx, switched.period)}。{_effects(ctx.cfg)}。"
                "已派发的工单时限不变。关闭请发：迎检模式 关闭"
            )
        return Outcome([Reply(text)])
    if _OFF.match(rest):
        stopped = service.switch_off(ctx.actor)
        text = (
            f"已关闭迎检模式（原定至 {day_text(stopped.end_day)}）。之后新派发的工单恢复正常时限，"
            "迎检期间已派发的工单时限不变。"
        )
        still = service.current()
        if still is not None:
            text += f"配置文件设定的迎检期仍然有效：{_period_text(ctx, still)}。"
        return Outcome([Reply(text)])
    if rest:
        raise InvalidArgument(f"请写：{EXAMPLE}，或 迎检模式 关闭，或只发 迎检模式 查看状态")
    current = service.current()
    if current is None:
        return Outcome([Reply(f"迎检模式：未开启。创城办开启请发：{EXAMPLE}")])
    by = f"，{current.started_by}开启" if current.started_by else "（配置文件设定）"
    return Outcome([Reply(f"迎检模式：开启中（{_period_text(ctx, current)}{by}）。{_effects(ctx.cfg)}。")])
