"""The summary posted when a round ends: the point, the failed checklist items, the problems and whom they went to."""

from __future__ import annotations

from dataclasses import dataclass
from zoneinfo import ZoneInfo

from bot.inspections.points import checklist, point_name
from bot.tickets.dispatcher import unit_mentions
from bot.tickets.formatting import category_tag, place_text, time_text
from config.schema import GuanjiaConfig
from models import InspectionRound, Ticket


@dataclass(frozen=True)
class RoundSummary:
    text: str
    mentions: tuple[str, ...]


def round_summary(cfg: GuanjiaConfig, round_: InspectionRound, problems: list[Ticket], timed_out: bool) -> RoundSummary:
    point = cfg.points.list.get(round_.point_id)
    head = "督查已到时自动结束" if timed_out else "督查结束"
    owner = f"（责任单位：{cfg.unit_name(point.unit)}）" if point else ""
    lines = [
        f"{head}：{point_name(cfg, round_.point_id)}{owner}",
        f"督查人：{round_.inspector_name}，{_span(cfg, round_)}",
        "检查点位 1 个",
    ]
    items = checklist(cfg, round_.point_id)
    if round_.failed_items:
        failed = "；".join(f"{n}.{items[n - 1]}" for n in round_.failed_items if n <= len(items))
        lines.append(f"不合格检查项 {len(round_.failed_items)} 项：{failed}")
    else:
        lines.append("检查项均未标记不合格")
    real = [t for t in problems if t.duplicate_of is None]
    lines.append(f"发现问题 {len(real)} 个" + ("：" if real else ""))
    lines += [f"#{t.id}{category_tag(cfg, t)}{place_text(t)} → {cfg.unit_name(t.unit)}" for t in real]
    mentions: list[str] = []
    units: list[str] = []
    for ticket in real:
        if ticket.unit not in units:
            units.append(ticket.unit)
        mentions += [m for m in unit_mentions(cfg, ticket.unit, ticket.area) if m not in mentions]
    if round_.failed_items and point is not None:
        if point.unit not in units:
            units.append(point.unit)
        mentions += [m for m in unit_mentions(cfg, point.unit) if m not in mentions]
    if units:
        lines.append("已通知：" + "、".join(cfg.unit_name(u) for u in units))
    return RoundSummary("\n".join(lines), tuple(mentions))


def _span(cfg: GuanjiaConfig, round_: InspectionRound) -> str:
    """ "11月30日 10:49—11:29" within a day, both dates otherwise."""
    start, end = time_text(cfg, round_.started_at), time_text(cfg, round_.ended_at)
    zone = ZoneInfo(cfg.timezone)
    if round_.ended_at and round_.started_at.astimezone(zone).date() == round_.ended_at.astimezone(zone).date():
        end = end.split(" ")[-1]
    return f"{start}—{end}"
