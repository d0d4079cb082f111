"""日报 / 周报 / 月报: the digests on demand, the same text the scheduler and `guanjia digest` send."""

from __future__ import annotations

import re
from datetime import date, timedelta

from bot.chat.context import ChatContext, CommandArgs
from bot.chat.messages import Outcome, Reply
from bot.core.errors import InvalidArgument
from bot.reports.digests import DigestKind, digest
from bot.reports.periods import local_date
from handlers.registry import command

_ISO = re.compile(r"(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?")
_MONTH_DAY = re.compile(r"(\d{1,2})月(\d{1,2})[日号]?")
DISTRICT_WORDS = ("全区", "全部", "全镇")
_FIRST_DAY, _LAST_DAY = date(1971, 1, 1), date(9998, 12, 31)


def parse_day(text: str, today: date) -> date | None:
    """`2026-11-20`, `2026年11月20日` or `11月20日` (this year); None if there is no date."""
    found = _ISO.search(text)
    try:
        if found:
            return date(int(found[1]), int(found[2]), int(found[3]))
        found = _MONTH_DAY.search(text)
        if found:
            return date(today.year, int(found[1]), int(found[2]))
    except ValueError:
        return None
    return None


def _answer(ctx: ChatContext, kind: DigestKind, rest: str) -> Outcome:
    today = local_date(ctx.cfg, ctx.now)
    on = parse_day(rest, today)
    if on is not None and not _FIRST_DAY <= on <= _LAST_DAY:  # the period's arithmetic would overflow
        raise InvalidArgument(f"日期超出范围：{on.isoformat()}")
    leftover = _MONTH_DAY.sub("", _ISO.sub("", rest))
    district = any(word in leftover for word in DISTRICT_WORDS)
    for word in DISTRICT_WORDS:
        leftover = leftover.replace(word, "")
    on = on or today
    # 本周 / 本月: the period so far (a summary covers the period before the date it is given).
    if kind == "weekly" and "本周" in leftover:
        on, leftover = on + timedelta(days=7), leftover.replace("本周", "")
    if kind == "monthly" and "本月" in leftover:
        on, leftover = (on.replace(day=1) + timedelta(days=32)).replace(day=1), leftover.replace("本月", "")
    if leftover.strip():
        return Outcome()  # "日报发了吗" and the like: chatter, not a request
    group_id = None if district or kind != "daily" else ctx.group_id
    if group_id is not None and group_id in ctx.cfg.digests.district_groups:
        group_id = None
    session = ctx.service.session
    text = digest(session, ctx.cfg, kind, ctx.now, on=on, group_id=group_id, chart=False).text
    return Outcome([Reply(text)], [])


@command("日报", usage="日报 [全区] [日期]", permission="所有人", takes_ticket=False, writes=False)
def daily(ctx: ChatContext, args: CommandArgs) -> Outcome:
    """本群今日进度：新增、派单、认领、整改、销账，未办结、超期和紧急工单"""
    return _answer(ctx, "daily", args.rest)


@command("周报", usage="周报 [本周] [日期]", permission="所有人", takes_ticket=False, writes=False)
def weekly(ctx: ChatContext, args: CommandArgs) -> Outcome:
    """上周台账汇总：各单位考核指标、红黑榜、较上周变化（本周：本周至今）"""
    return _answer(ctx, "weekly", args.rest)


@command("月报", "月通报", usage="月报 [本月] [日期]", permission="所有人", takes_ticket=False, writes=False)
def monthly(ctx: ChatContext, args: CommandArgs) -> Outcome:
    """上月通报：各单位考核指标、红黑榜、较上月变化"""
    return _answer(ctx, "monthly", args.rest)
