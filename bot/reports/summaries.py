"""Weekly summary (台账每周汇总) and monthly 通报: the KPI table per unit, 红榜/黑榜, the change
versus the period before, and a bar chart. Numbers come from bot.reports.kpi only.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime

from sqlalchemy.orm import Session

from bot.reports import periods
from bot.reports.digest_format import Digest, pct, rate_change, signed
from bot.reports.hotspots.digest import hotspot_lines
from bot.reports.kpi import UnitKpi, district_total, unit_kpis
from bot.reports.kpi_chart import ChartData, bar_chart_png
from bot.reports.points_digest import points_lines
from bot.reports.ranking import RankedUnit, Ranking, rank
from bot.tickets.formatting import hours_text
from config.schema import GuanjiaConfig

# The word for a period still running, beside the one for the period before now.
_THIS = {"上周": "本周", "上月": "本月"}


def _counts(k: UnitKpi) -> str:
    return (
        f"派单{k.dispatched} 认领{k.claimed} 整改{k.fixed} 销账{k.closed} "
        f"超期{k.overdue} 退回{k.returned} 返工{k.reopened}"
    )


def _rates(k: UnitKpi) -> str:
    return (
        f"响应率{pct(k.response_rate)} 解决率{pct(k.resolution_rate)} 按期整改率{pct(k.on_time_fix_rate)} "
        f"一次验收通过率{pct(k.first_pass_rate)} 平均认领{hours_text(k.avg_claim_hours)} "
        f"平均整改{hours_text(k.avg_fix_hours)}{_aftercare(k)}"
    )


def _aftercare(k: UnitKpi) -> str:
    """反弹率 and 满意率 once something was re-inspected or rated (most periods have neither)."""
    parts = []
    if k.rechecked:
        parts.append(f" 反弹率{pct(k.rebound_rate)}（回头看{k.rechecked}件，反弹{k.rebounds}件）")
    if k.rated:
        parts.append(f" 满意率{pct(k.satisfaction_rate)}（评价{k.rated}件）")
    return "".join(parts)


def _change(k: UnitKpi, before: UnitKpi | None, word: str) -> str:
    before = before or UnitKpi(k.unit)
    parts = [f"派单{signed(k.dispatched - before.dispatched)}"]
    resolution = rate_change(k.resolution_rate, before.resolution_rate)
    if resolution:
        parts.append(f"解决率{resolution}")
    parts.append(f"超期{signed(k.overdue - before.overdue)}")
    return f"较{word}：" + "，".join(parts)


def _ranked_line(cfg: GuanjiaConfig, r: RankedUnit, word: str) -> str:
    if r.rank_change is None:
        move = f"{word}未排名"
    elif r.rank_change == 0:
        move = "名次持平"
    else:
        move = f"{'↑' if r.rank_change > 0 else '↓'}{abs(r.rank_change)}名"
    return f"{cfg.unit_name(r.unit)} {r.score:.1f}分（{move}）"


def _ranking_lines(cfg: GuanjiaConfig, ranking: Ranking, word: str) -> list[str]:
    lines = []
    if ranking.top:
        lines.append("红榜：" + "；".join(_ranked_line(cfg, r, word) for r in ranking.top))
    if ranking.bottom:
        lines.append("黑榜：" + "；".join(_ranked_line(cfg, r, word) for r in ranking.bottom))
    if not ranking.ranked:
        lines.append(f"排名：本期没有单位达到{cfg.digests.min_tickets_for_ranking}单，不排名")
    elif len(ranking.ranked) == 1:
        only = _ranked_line(cfg, ranking.ranked[0], word)
        lines.append(f"排名：{only}；仅1个单位达到{cfg.digests.min_tickets_for_ranking}单，不列红黑榜")
    for r in ranking.ranked[: ranking.board_size]:
        if r.unit in ranking.barred:
            lines.append(f"（{cfg.unit_name(r.unit)}响应率为0%，不列入红榜）")
    if ranking.unranked:
        names = "、".join(cfg.unit_name(u) for u in ranking.unranked)
        lines.append(f"（派单不足{cfg.digests.min_tickets_for_ranking}单不排名：{names}）")
    return lines


def summary(
    session: Session,
    cfg: GuanjiaConfig,
    period: periods.Period,
    now: datetime,
    *,
    title: str,
    word: str,
    chart: bool = True,
) -> Digest:
    previous_period = periods.before(cfg, period)
    kpis = unit_kpis(session, cfg, period, now)
    previous = unit_kpis(session, cfg, previous_period, now)
    ranking = rank(cfg, kpis, previous)
    district = district_total(session, period, kpis)
    lines = [f"【{title}】{period.label}"]
    if period.end > now:
        lines[0] += "（本期未结束，截至目前）"
    lines.append(f"全区：{_counts(district)}")
    lines.append(f"　　{_rates(district)}")
    lines.append(f"　　{_change(district, district_total(session, previous_period, previous), word)}")
    lines += _ranking_lines(cfg, ranking, word)
    active = [k for k in kpis.values() if k.active]
    if active:
        lines.append("各单位：")
    for k in active:
        ranked = ranking.of(k.unit)
        score = f"，得分{ranked.score:.1f}" if ranked else ""
        lines.append(f"▪{cfg.unit_name(k.unit)}：{_counts(k)}")
        lines.append(f"　{_rates(k)}")
        lines.append(f"　{_change(k, previous.get(k.unit), word)}{score}")
    quiet = [cfg.unit_name(u) for u in cfg.units if u not in kpis and u != cfg.triage_unit]
    if quiet:
        lines.append("本期无工单：" + "、".join(quiet))
    # 督查 speaks of the period itself: 上周/上月, or 本周/本月 while it runs (周报 本周).
    lines += points_lines(session, cfg, period, now, _THIS.get(word, word) if period.end > now else word)
    lines += hotspot_lines(session, cfg, period, now)
    result = Digest("\n".join(lines), chart=ChartData(f"{title} {period.label}", kpis))
    return with_chart(cfg, result) if chart else result


def with_chart(cfg: GuanjiaConfig, digest: Digest) -> Digest:
    """The digest with its chart drawn. Drawing takes a while: callers that write do it before
    their transaction opens (on SQLite a transaction holds the write lock)."""
    if digest.chart is None or digest.image_png_base64 is not None:
        return digest
    return replace(digest, image_png_base64=bar_chart_png(cfg, digest.chart.title, digest.chart.kpis))


def weekly_summary(session: Session, cfg: GuanjiaConfig, on: date, now: datetime, chart: bool = True) -> Digest:
    """The last full Monday–Sunday week before the week of `on`."""
    return summary(session, cfg, periods.previous_week(cfg, on), now, title="创城周报", word="上周", chart=chart)


def monthly_summary(session: Session, cfg: GuanjiaConfig, on: date, now: datetime, chart: bool = True) -> Digest:
    """The last full month before the month of `on` (月通报)."""
    return summary(session, cfg, periods.previous_month(cfg, on), now, title="创城月通报", word="上月", chart=chart)
