"""The weekly digest's 督查 section: points checked, problems per point type, the worst points."""

from __future__ import annotations

from datetime import timedelta

from bot.app_services import AppServices
from bot.core.clock import ManualClock
from bot.reports import periods
from bot.reports.summaries import weekly_summary
from tests.support.chat import Chat
from tests.web.test_web_points import INSPECTOR, a_round_of_three


def _weekly(services: AppServices, clock: ManualClock) -> list[str]:
    now = clock.now()
    with services.session_factory() as session:
        text = weekly_summary(session, services.cfg, periods.local_date(services.cfg, now), now, chart=False).text
    return text.splitlines()


def test_the_weekly_digest_counts_points_problems_per_type_and_the_worst_points(
    chat: Chat, services: AppServices, clock: ManualClock
) -> None:
    a_round_of_three(chat, clock)  # 妫水农贸市场: 3 problems, 1 failed item
    clock.advance(timedelta(days=1))
    chat.say("督查 百泉里公厕", sender=INSPECTOR)
    chat.report("百泉里公厕地面脏乱，洗手池堵塞", sender=INSPECTOR)
    chat.say("督查结束", sender=INSPECTOR)
    chat.say("督查 妫水农贸市场", sender="ccb_wang")  # the same point again: 个次, not 点位
    chat.say("督查结束", sender="ccb_wang")
    clock.advance(timedelta(days=6))  # the next Monday: the digest covers last week

    lines = _weekly(services, clock)
    start = lines.index("督查：检查点位2个（3个次），发现问题4个，检查项不合格1项")
    assert lines[start + 1] == "　按点位类型：农贸市场3个、公厕1个"
    assert lines[start + 2] == "　问题最多的点位：妫水农贸市场3个（未办结3）；百泉里公厕1个（未办结1）"
    assert lines[start + 3] == "超过14天未督查的点位：6个"


def test_a_week_without_rounds_says_so(services: AppServices, clock: ManualClock) -> None:
    clock.advance(timedelta(days=7))
    lines = _weekly(services, clock)
    assert "督查：上周没有督查记录" in lines
    assert "超过14天未督查的点位：8个" in lines


def test_this_week_so_far_speaks_of_this_week(chat: Chat, clock: ManualClock) -> None:
    """周报 本周 covers the week still running: its 督查 line says 本周, not 上周."""
    clock.advance(timedelta(days=1))
    lines = chat.say("周报 本周").splitlines()
    assert lines[0].endswith("（本期未结束，截至目前）")
    assert "督查：本周没有督查记录" in lines
    assert not [line for line in lines if "上周没有督查" in line]
