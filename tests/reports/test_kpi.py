"""The KPIs of a hand-built week, played through the chat as the units would, against numbers
worked out by hand from the README's definitions; and the ranking rules."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

import pytest

from bot.app_services import AppServices
from bot.core.clock import ManualClock
from bot.reports import periods
from bot.reports.kpi import UnitKpi, total, unit_kpis
from bot.reports.ranking import rank, score
from config import GuanjiaConfig, load_config
from config.schema import CategoryConfig
from tests.support.chat import SHANGHAI, Chat

# The hand-built week runs Monday 23 to Sunday 29 November 2026 (Asia/Shanghai).
WEEK_MONDAY = date(2026, 11, 23)
NEXT_MONDAY = date(2026, 11, 30)


def at(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 11, day, hour, minute, tzinfo=SHANGHAI)


@pytest.fixture(scope="session")
def cfg() -> GuanjiaConfig:
    """The demo config with garbage and parking pinned to natural hours, 2 h to claim and 24 h
    to fix, so the hand computation below does not depend on the demo's deadline choices."""
    from pathlib import Path

    base = load_config(Path(__file__).resolve().parents[2] / "config" / "guanjia.yaml")
    pinned: dict[str, object] = {"claim_hours": 2, "fix_hours": 24}
    if "clock" in CategoryConfig.model_fields:
        pinned["clock"] = "natural"
    categories = dict(base.categories)
    for code in ("garbage", "car_parking"):
        categories[code] = categories[code].model_copy(update=pinned)
    return base.model_copy(update={"categories": categories})


@dataclass
class Week:
    chat: Chat
    clock: ManualClock
    services: AppServices

    def when(self, instant: datetime) -> Week:
        self.clock.set(instant)
        return self

    def say(self, text: str, sender: str) -> str:
        reply = self.chat.say(text, sender)
        assert "不能" not in reply and "只有" not in reply and "请写明" not in reply, reply
        return reply


def build_week(chat: Chat, clock: ManualClock, services: AppServices) -> dict[str, int]:
    """hws = 环卫中心 (陈环卫), jtzd = 交警支队 (周交警), ccb_wang supervises, 李网格 reports.

    T1 Mon 09:00 garbage → claimed 09:30, fixed 15:00, passed 16:00.
    T2 Mon 10:00 garbage → claimed 13:00 (late), fixed Tue 12:00 (late), failed Tue 13:00,
       fixed again Tue 15:00, passed Tue 16:00.
    T3 Tue 09:00 garbage → never claimed (both deadlines missed in the week).
    T4 Wed 09:00 garbage → returned by hws 10:00, reassigned to jtzd 11:00, claimed 11:30,
       fixed 14:00, not verified.
    T5 Thu 09:00 parking → jtzd claimed 10:00, fixed 20:00, passed Fri 09:00.
    T6 Sun 23:00 garbage → nothing before the week ends (claim deadline Mon 01:00).
    T7 Fri 09:00 garbage → cancelled by the reporter 09:10 (never counts).
    """
    w = Week(chat, clock, services)
    w.when(at(23, 9))
    t1 = chat.report("府前街与南环路交叉口西北角垃圾堆了两天了")
    w.when(at(23, 9, 30)).say(f"认领 {t1}", "hws_chen")
    w.when(at(23, 10))
    t2 = chat.report("东关大街北口垃圾堆了两天了")
    w.when(at(23, 13)).say(f"认领 {t2}", "hws_chen")
    w.when(at(23, 15)).say(f"完成 {t1} 已清运", "hws_chen")
    w.when(at(23, 16)).say(f"验收 {t1} 通过", "wgy_li")
    w.when(at(24, 9))
    t3 = chat.report("妫水北街与新华街交叉口垃圾堆了两天了")
    w.when(at(24, 12)).say(f"完成 {t2} 已清运", "hws_chen")
    w.when(at(24, 13)).say(f"验收 {t2} 不通过 还有垃圾未清", "wgy_li")
    w.when(at(24, 15)).say(f"完成 {t2} 已全部清运", "hws_chen")
    w.when(at(24, 16)).say(f"验收 {t2} 通过", "wgy_li")
    w.when(at(25, 9))
    t4 = chat.report("高塔街东口垃圾堆了两天了")
    w.when(at(25, 10)).say(f"退回 {t4} 不属于我单位职责", "hws_chen")
    w.when(at(25, 11)).say(f"转派 {t4} 交警", "ccb_wang")
    w.when(at(25, 11, 30)).say(f"认领 {t4}", "jtzd_zhou")
    w.when(at(25, 14)).say(f"完成 {t4}", "jtzd_zhou")
    w.when(at(26, 9))
    t5 = chat.report("东关大街与北环路交叉口有辆白色轿车停在人行道上，行人只能走机动车道")
    w.when(at(26, 10)).say(f"认领 {t5}", "jtzd_zhou")
    w.when(at(26, 20)).say(f"完成 {t5} 已拖离", "jtzd_zhou")
    w.when(at(27, 9)).say(f"验收 {t5} 通过", "wgy_li")
    t7 = chat.report("南菜园小区门口垃圾堆了两天了")
    w.when(at(27, 9, 10)).say(f"撤销 {t7} 重复上报", "wgy_li")
    w.when(at(29, 23))
    t6 = chat.report("百泉街与新兴西路交叉口垃圾堆了两天了")
    return {"T1": t1, "T2": t2, "T3": t3, "T4": t4, "T5": t5, "T6": t6, "T7": t7}


def kpis_of_week(services: AppServices, now: datetime) -> dict[str, UnitKpi]:
    period = periods.week_containing(services.cfg, WEEK_MONDAY)
    with services.session_factory() as session:
        return unit_kpis(session, services.cfg, period, now)


def test_hand_built_week_matches_hand_computed_kpis(chat: Chat, clock: ManualClock, services: AppServices) -> None:
    build_week(chat, clock, services)
    clock.set(at(30, 9))
    k = kpis_of_week(services, clock.now())

    hws = k["hws"]
    # 派单: T1 T2 T3 T4 T6 (T4 left by 退回, T7 cancelled); the cohort keeps T1 T2 T3 T6.
    assert (hws.dispatched, hws.cohort, hws.moved_out) == (5, 4, 1)
    assert (hws.claimed, hws.fixed, hws.closed) == (2, 2, 2)
    # 响应率: T1 on time; T2 late; T3 due and unclaimed; T6 not due by the week's end.
    assert (hws.claimed_on_time, hws.response_due) == (1, 3)
    assert hws.response_rate == pytest.approx(1 / 3)
    assert hws.resolution_rate == pytest.approx(2 / 4)
    # 按期: T1 (15:00 ≤ Tue 09:00); T2's last fix Tue 15:00 is after its Tue 10:00 deadline.
    assert hws.on_time_fix_rate == pytest.approx(1 / 2)
    assert hws.avg_claim_hours == pytest.approx((0.5 + 3) / 2)
    assert hws.avg_fix_hours == pytest.approx((6 + 29) / 2)
    assert (hws.overdue, hws.returned, hws.reopened) == (2, 1, 1)  # 超期 T2 T3
    assert (hws.first_passed, hws.first_verified) == (1, 2)

    jtzd = k["jtzd"]
    assert (jtzd.dispatched, jtzd.cohort, jtzd.claimed, jtzd.fixed, jtzd.closed) == (2, 2, 2, 2, 1)
    assert (jtzd.response_rate, jtzd.on_time_fix_rate, jtzd.resolution_rate) == (1.0, 1.0, 0.5)
    assert jtzd.avg_claim_hours == pytest.approx((0.5 + 1) / 2)
    assert jtzd.avg_fix_hours == pytest.approx((3 + 11) / 2)
    assert (jtzd.overdue, jtzd.returned, jtzd.reopened, jtzd.first_pass_rate) == (0, 0, 0, 1.0)

    assert set(k) == {"hws", "jtzd"}
    district = total(k.values())
    assert (district.dispatched, district.closed, district.overdue) == (7, 3, 2)
    # 0.3·⅓ + 0.3·½ + 0.3·½ + 0.1·½ = 0.45
    assert score(services.cfg, hws) == 45.0


def test_a_closed_week_reads_the_same_when_asked_again_later(
    chat: Chat, clock: ManualClock, services: AppServices
) -> None:
    t = build_week(chat, clock, services)
    clock.set(at(30, 9))
    first = kpis_of_week(services, clock.now())
    # The next week T3 and T6 are claimed and fixed; last week's figures do not move.
    clock.set(at(30, 10))
    assert "已由陈环卫" in chat.say(f"认领 {t['T3']}", "hws_chen")
    assert "验收" in chat.say(f"完成 {t['T6']}", "hws_chen")
    clock.set(datetime(2026, 12, 7, 9, tzinfo=SHANGHAI))
    assert kpis_of_week(services, clock.now()) == first


def test_the_current_week_is_measured_as_of_now(chat: Chat, clock: ManualClock, services: AppServices) -> None:
    clock.set(at(23, 9))
    t1 = chat.report("府前街与南环路交叉口西北角垃圾堆了两天了")
    clock.set(at(23, 10))
    k = kpis_of_week(services, clock.now())["hws"]
    assert (k.dispatched, k.claimed, k.response_due, k.response_rate) == (1, 0, 0, None)
    clock.set(at(23, 11, 30))
    k = kpis_of_week(services, clock.now())["hws"]
    assert (k.response_due, k.response_rate) == (1, 0.0)
    chat.say(f"认领 {t1}", "hws_chen")
    k = kpis_of_week(services, clock.now())["hws"]
    assert (k.claimed, k.response_rate) == (1, 0.0)  # claimed, but after the 11:00 deadline


def _kpi(unit: str, dispatched: int, closed: int) -> UnitKpi:
    return UnitKpi(unit, dispatched=dispatched, cohort=dispatched, closed=closed)


def test_ranking_needs_the_minimum_tickets_and_names_top_and_bottom(cfg: GuanjiaConfig) -> None:
    weights = cfg.digests.weights.model_copy(
        update={"response_rate": 0, "on_time_fix_rate": 0, "first_pass_rate": 0, "resolution_rate": 1}
    )
    cfg = cfg.model_copy(
        update={"digests": cfg.digests.model_copy(update={"weights": weights, "min_tickets_for_ranking": 3})}
    )
    kpis = {
        "hws": _kpi("hws", 10, 9),  # 90
        "jtzd": _kpi("jtzd", 4, 4),  # 100
        "cgzf": _kpi("cgzf", 5, 1),  # 20
        "sw": _kpi("sw", 3, 2),  # 66.7
        "yl": _kpi("yl", 6, 3),  # 50
        "szg": _kpi("szg", 8, 6),  # 75
        "gd": _kpi("gd", 2, 0),  # too few to rank
        "ccb": _kpi("ccb", 9, 0),  # the 创城办 itself is never ranked
    }
    previous = {"hws": _kpi("hws", 10, 10), "cgzf": _kpi("cgzf", 5, 0), "yl": _kpi("yl", 3, 3)}
    ranking = rank(cfg, kpis, previous)
    assert [(r.unit, r.score) for r in ranking.top] == [("jtzd", 100.0), ("hws", 90.0), ("szg", 75.0)]
    assert [r.unit for r in ranking.bottom] == ["cgzf", "yl", "sw"]
    assert ranking.unranked == ["gd"]
    # Last time: hws and yl both 100 (hws first: more tickets), cgzf 0.
    hws = ranking.of("hws")
    assert hws is not None and (hws.previous_rank, hws.rank, hws.rank_change) == (1, 2, -1)
    jtzd = ranking.of("jtzd")
    assert jtzd is not None and jtzd.rank_change is None  # not ranked last time


def test_ranking_with_few_units_splits_them_between_the_boards(cfg: GuanjiaConfig) -> None:
    """Three ranked units are not all 红榜: the best is, the worst is 黑榜, the middle neither."""
    ranking = rank(cfg, {"hws": _kpi("hws", 3, 3), "jtzd": _kpi("jtzd", 3, 1), "cgzf": _kpi("cgzf", 4, 2)})
    assert [r.unit for r in ranking.top] == ["hws"]
    assert [r.unit for r in ranking.bottom] == ["jtzd"]
    alone = rank(cfg, {"hws": _kpi("hws", 3, 3)})
    assert (alone.top, alone.bottom, [r.unit for r in alone.ranked]) == ([], [], ["hws"])


def test_a_unit_that_claimed_nothing_in_time_is_never_on_the_red_board(cfg: GuanjiaConfig) -> None:
    late = UnitKpi("hws", dispatched=4, cohort=4, closed=4, response_due=4, claimed_on_time=0)
    ranking = rank(cfg, {"hws": late, "jtzd": _kpi("jtzd", 3, 1), "cgzf": _kpi("cgzf", 4, 0), "sw": _kpi("sw", 3, 0)})
    assert ranking.ranked[0].unit == "hws"  # its 100% 解决率 still scores highest
    assert "hws" not in [r.unit for r in ranking.top]


def test_every_dispatch_the_cohort_counts_is_a_dispatch(chat: Chat, clock: ManualClock, services: AppServices) -> None:
    """A ticket sent back to its unit by 不满意 (or 回头看反弹), or dispatched by 改类 from triage,
    is in the unit's cohort by its new dispatch time; 派单 must count it too, or a unit shows
    more 认领 than 派单 and rates over a base larger than what it was sent (found on /units)."""
    clock.set(at(29, 20))
    n = chat.report("府前街与南环路交叉口西北角垃圾堆了两天了")
    chat.say(f"认领 {n}", "hws_chen")
    chat.say(f"完成 {n} 已清运", "hws_chen")
    chat.say(f"验收 {n} 通过", "wgy_li")
    clock.set(datetime(2026, 11, 30, 9, 0, tzinfo=SHANGHAI))
    assert "不满意" in chat.say(f"不满意 {n} 没清干净", "wgy_li")
    chat.say(f"认领 {n}", "hws_chen")
    t = chat.report("东关大街有家KTV半夜还在唱歌很吵")  # 【其他】: the 创城办 decides
    chat.say(f"改类 {t} 占道经营", "ccb_wang")  # from triage: its first dispatch
    chat.say(f"认领 {t}", "cgzf_liu")
    period = periods.week_containing(services.cfg, NEXT_MONDAY)
    with services.session_factory() as session:
        kpis = unit_kpis(session, services.cfg, period, at(30, 12))
    assert (kpis["hws"].dispatched, kpis["hws"].cohort, kpis["hws"].claimed) == (1, 1, 1)
    assert (kpis["cgzf"].dispatched, kpis["cgzf"].cohort, kpis["cgzf"].claimed) == (1, 1, 1)
