"""顽疾: K same-category reports at one place within D days make a hotspot (config hotspots:)."""

from __future__ import annotations

from datetime import timedelta

from bot.app_services import AppServices
from bot.core.clock import ManualClock
from bot.reports import periods
from bot.reports.hotspots import Hotspot, hotspots, normalise_place, rank_here
from bot.reports.summaries import weekly_summary
from models import Ticket
from tests.support.chat import Chat
from tests.tickets.test_recheck import closed_ticket


def _hotspots(services: AppServices, clock: ManualClock) -> list[Hotspot]:
    with services.session_factory() as session:
        return hotspots(session, services.cfg, clock.now())


def _report_daily(chat: Chat, clock: ManualClock, texts: list[str]) -> list[int]:
    """Each report fixed and closed, and the problem back the next day (else it is a duplicate)."""
    ids = []
    for text in texts:
        ids.append(closed_ticket(chat, clock, text))
        clock.advance(timedelta(days=1))
    return ids


def test_three_reports_of_one_category_at_one_place_make_a_hotspot(
    chat: Chat, services: AppServices, clock: ManualClock
) -> None:
    _report_daily(chat, clock, ["妫水公园门口垃圾堆放"] * 3)
    found = _hotspots(services, clock)
    assert [(h.place, h.count) for h in found] == [("妫水公园", 3)]


def test_two_reports_are_not_yet_a_hotspot(chat: Chat, services: AppServices, clock: ManualClock) -> None:
    _report_daily(chat, clock, ["妫水公园门口垃圾堆放"] * 2)
    assert _hotspots(services, clock) == []


def test_reports_older_than_the_window_do_not_count(chat: Chat, services: AppServices, clock: ManualClock) -> None:
    _report_daily(chat, clock, ["妫水公园门口垃圾堆放"])
    clock.advance(timedelta(days=30))
    _report_daily(chat, clock, ["妫水公园门口垃圾堆放"] * 2)
    assert _hotspots(services, clock) == []


def test_one_place_written_differently_counts_as_one(chat: Chat, services: AppServices, clock: ManualClock) -> None:
    _report_daily(chat, clock, ["妫水公园门口垃圾堆放", "在 妫水公园 有垃圾堆放", "妫水公园附近垃圾堆放"])
    assert [(h.place, h.count) for h in _hotspots(services, clock)] == [("妫水公园", 3)]


def test_full_width_and_spaces_fold_to_one_spelling() -> None:
    assert normalise_place("妫水　公园 门口") == normalise_place("妫水公园") == "妫水公园"
    assert normalise_place("ＡＢ小区") == "AB小区"


def test_places_in_one_gazetteer_community_count_together(
    chat: Chat, services: AppServices, clock: ManualClock
) -> None:
    _report_daily(chat, clock, ["百泉小区门口垃圾堆放", "百泉路垃圾堆放", "百泉里垃圾堆放"])
    assert [(h.place, h.count) for h in _hotspots(services, clock)] == [("延庆镇/百泉社区", 3)]


def test_other_categories_at_the_place_do_not_count(chat: Chat, services: AppServices, clock: ManualClock) -> None:
    _report_daily(chat, clock, ["妫水公园门口垃圾堆放", "妫水公园门口垃圾堆放"])
    chat.report("妫水公园门口路灯不亮")
    assert _hotspots(services, clock) == []


def test_the_third_report_is_the_third_here(chat: Chat, services: AppServices, clock: ManualClock) -> None:
    ids = _report_daily(chat, clock, ["妫水公园门口垃圾堆放"] * 3)
    with services.session_factory() as session:
        ranks = [rank_here(session, services.cfg, session.get_one(Ticket, i)) for i in ids]
    assert ranks == [1, 2, 3]


def test_a_repeat_of_a_still_open_report_is_not_a_recurrence(
    chat: Chat, services: AppServices, clock: ManualClock
) -> None:
    for _ in range(3):
        chat.report("妫水公园门口垃圾堆放")  # the 2nd and 3rd are duplicates of the open 1st
        clock.advance(timedelta(hours=1))
    assert _hotspots(services, clock) == []


def _weekly(services: AppServices, clock: ManualClock) -> list[str]:
    now = clock.now()
    with services.session_factory() as session:
        return weekly_summary(
            session, services.cfg, periods.local_date(services.cfg, now), now, chart=False
        ).text.splitlines()


def test_the_weekly_digest_lists_the_top_hotspots(chat: Chat, services: AppServices, clock: ManualClock) -> None:
    _report_daily(chat, clock, ["妫水公园门口垃圾堆放"] * 4)
    _report_daily(chat, clock, ["百泉小区垃圾堆放", "百泉路垃圾堆放", "百泉里垃圾堆放"])
    clock.advance(timedelta(days=7))  # the digest covers last week; the window ends with it
    lines = _weekly(services, clock)
    assert (
        "顽疾（30天内同类问题3次及以上）：妫水公园（垃圾与环境卫生）4次；延庆镇/百泉社区（垃圾与环境卫生）3次"
    ) in lines


def test_a_week_without_hotspots_says_none(chat: Chat, services: AppServices, clock: ManualClock) -> None:
    _report_daily(chat, clock, ["妫水公园门口垃圾堆放"] * 2)
    clock.advance(timedelta(days=7))
    assert "顽疾（30天内同类问题3次及以上）：无" in _weekly(services, clock)
