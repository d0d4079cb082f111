"""What leaders read: the daily digest, the weekly summary with its ranking and chart, the
日报/周报/月报 commands and `guanjia digest`, all on an injected clock."""

from __future__ import annotations

import base64
import os
from datetime import date, datetime

import pytest

from bot.app_services import AppServices
from bot.cli.main import main
from bot.core.clock import ManualClock
from bot.reports.digests import digest, scheduled_digests
from config import GuanjiaConfig
from models import Ticket
from tests.reports.test_kpi import at, build_week, cfg  # noqa: F401 - cfg: the pinned-deadline config
from tests.support.chat import SHANGHAI, Chat

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def build_day(chat: Chat, clock: ManualClock) -> None:
    """Monday 23 Nov: four reports in the demo group, one in another group."""
    clock.set(at(23, 8))
    done = chat.report("府前街与南环路交叉口西北角垃圾堆了两天了")
    late = chat.report("东关大街北口垃圾堆了两天了")
    chat.report("香水园街北口有个井盖丢了，很危险")
    claimed = chat.report("东关大街与北环路交叉口有辆白色轿车停在人行道上，行人只能走机动车道")
    chat.send("妫水北街与新华街交叉口垃圾堆了两天了", group="other")
    clock.set(at(23, 9))
    chat.say(f"认领 {claimed}", "jtzd_zhou")
    chat.say(f"完成 {done} 已清运", "hws_chen")
    clock.set(at(23, 9, 30))
    chat.say(f"验收 {done} 通过", "wgy_li")
    assert late == 2


def daily_text(services: AppServices, now: datetime, on: date | None = None, group: str | None = None) -> str:
    with services.session_factory() as session:
        return digest(session, services.cfg, "daily", now, on=on, group_id=group).text


def test_daily_digest_counts_the_day_and_lists_what_is_late(
    chat: Chat, clock: ManualClock, services: AppServices
) -> None:
    build_day(chat, clock)
    clock.set(at(23, 17, 30))
    text = daily_text(services, clock.now())
    lines = text.splitlines()
    assert lines[0] == "【创城日报】11月23日（周一） 全区（截至17:30）"
    assert lines[1] == "今日：新增5 · 派单5 · 认领2 · 整改1 · 销账1"
    assert lines[2] == "未办结（4）：环卫中心2、交警支队1、水务局1"
    # Urgent #3 had 4 h to fix (12:00); #2 and #5 (garbage) had 2 h to claim (10:00).
    assert lines[3] == "超时超期（3）："
    assert lines[4] == "#3【紧急·污水与排水设施】香水园街北口 · 水务局 · 超期未整改 5小时30分钟"
    assert lines[5] == "#2【垃圾与环境卫生】东关大街北口 · 环卫中心 · 超时未认领 7小时30分钟"
    assert lines[6].startswith("#5【垃圾与环境卫生】妫水北街与新华街交叉口")
    assert lines[7] == "紧急未办结（1）："
    assert lines[8].startswith("#3【紧急·") and lines[8].endswith("水务局 · 待认领")


def test_group_digest_counts_only_that_group(chat: Chat, clock: ManualClock, services: AppServices) -> None:
    build_day(chat, clock)
    clock.set(at(23, 17, 30))
    text = daily_text(services, clock.now(), group="demo")
    assert text.splitlines()[0] == "【创城日报】11月23日（周一） 延庆镇创城大管家群（截至17:30）"
    assert "今日：新增4 · 派单4" in text
    assert "#5" not in text


def test_daily_digest_of_a_past_day_covers_the_whole_day(chat: Chat, clock: ManualClock, services: AppServices) -> None:
    build_day(chat, clock)
    clock.set(at(25, 9))
    text = daily_text(services, clock.now(), on=date(2026, 11, 23))
    assert text.splitlines()[0] == "【创城日报】11月23日（周一） 全区（全天）"
    assert "今日：新增5" in text
    quiet = daily_text(services, clock.now())
    assert "今日：新增0 · 派单0 · 认领0 · 整改0 · 销账0" in quiet


def test_weekly_summary_has_the_kpi_table_ranking_change_and_a_chart(
    chat: Chat, clock: ManualClock, services: AppServices
) -> None:
    build_week(chat, clock, services)
    clock.set(at(30, 9))
    with services.session_factory() as session:
        weekly = digest(session, services.cfg, "weekly", clock.now())
    lines = weekly.text.splitlines()
    assert lines[0] == "【创城周报】11月23日—11月29日"
    # T4 went to 环卫中心, was 退回 and 转派 to 交警支队: one ticket for the district, a 派单 each unit.
    assert lines[1] == "全区：派单6 认领4 整改4 销账3 超期2 退回1 返工1"
    assert "排名：环卫中心 45.0分（上周未排名）；仅1个单位达到3单，不列红黑榜" in lines
    assert not [line for line in lines if line.startswith(("红榜", "黑榜"))]
    assert "（派单不足3单不排名：交警支队）" in lines
    assert "▪环卫中心：派单5 认领2 整改2 销账2 超期2 退回1 返工1" in lines
    hws_rates = lines[lines.index("▪环卫中心：派单5 认领2 整改2 销账2 超期2 退回1 返工1") + 1]
    assert hws_rates.strip() == ("响应率33% 解决率50% 按期整改率50% 一次验收通过率50% 平均认领1.8小时 平均整改17.5小时")
    assert "　较上周：派单+5，超期+2，得分45.0" in lines
    assert weekly.image_png_base64 is not None
    assert base64.b64decode(weekly.image_png_base64).startswith(PNG_MAGIC)


def test_weekly_change_compares_with_the_week_before(chat: Chat, clock: ManualClock, services: AppServices) -> None:
    build_week(chat, clock, services)
    clock.set(at(30, 10))
    chat.report("南环路东口垃圾堆了两天了")
    clock.set(datetime(2026, 12, 7, 9, tzinfo=SHANGHAI))
    with services.session_factory() as session:
        text = digest(session, services.cfg, "weekly", clock.now(), chart=False).text
    assert text.splitlines()[0] == "【创城周报】11月30日—12月6日"
    # Last week: 6 tickets dispatched, 3 closed, 2 overdue. This week: 1 dispatched, T6 and the new one
    # both miss their fix deadline in the week.
    assert "全区：派单1 认领0 整改0 销账0 超期2 退回0 返工0" in text
    assert "　　较上周：派单-5，解决率-50个百分点，超期持平" in text


def test_scheduled_digests_go_to_every_group(chat: Chat, clock: ManualClock, services: AppServices) -> None:
    build_day(chat, clock)
    clock.set(at(23, 17, 30))
    with services.session_factory() as session:
        daily = scheduled_digests(session, services.cfg, "daily", clock.now())
        weekly = scheduled_digests(session, services.cfg, "weekly", clock.now())
    assert [g for g, _ in daily] == list(services.cfg.groups)
    assert "延庆镇创城大管家群" in daily[0][1].text
    assert weekly[0][1].image_png_base64


@pytest.mark.parametrize("verb", ["日报", "@创城大管家 日报", "日报 全区"])
def test_daily_command_answers_with_the_digest(
    verb: str, chat: Chat, clock: ManualClock, services: AppServices
) -> None:
    build_day(chat, clock)
    clock.set(at(23, 17, 30))
    reply = chat.say(verb)
    scope = None if "全区" in verb else "demo"
    assert reply == daily_text(services, clock.now(), group=scope)


def test_weekly_and_monthly_commands_match_the_cli(
    chat: Chat,
    clock: ManualClock,
    services: AppServices,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    build_week(chat, clock, services)
    clock.set(at(30, 9))
    weekly = chat.say("周报", "hws_chen")
    assert weekly.startswith("【创城周报】11月23日—11月29日")
    monkeypatch.setenv("GUANJIA_DATABASE_URL", services.settings.database_url)
    assert main(["digest", "weekly", "--date", "2026-11-30", "--now", "2026-11-30T09:00"]) == 0
    assert capsys.readouterr().out.strip() == weekly
    clock.set(datetime(2026, 12, 1, 9, tzinfo=SHANGHAI))
    so_far = chat.say("周报 本周")
    assert so_far.startswith("【创城周报】11月30日—12月6日（本期未结束，截至目前）")
    monthly = chat.say("月报")
    assert monthly.startswith("【创城月通报】11月1日—11月30日")
    assert main(["digest", "monthly", "--date", "2026-12-01", "--now", "2026-12-01T09:00"]) == 0
    assert capsys.readouterr().out.strip() == monthly


def test_daily_cli_with_a_date_and_a_chart_file(
    chat: Chat,
    clock: ManualClock,
    services: AppServices,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    tmp_path: pytest.TempPathFactory,
) -> None:
    build_week(chat, clock, services)
    monkeypatch.setenv("GUANJIA_DATABASE_URL", services.settings.database_url)
    assert main(["digest", "daily", "--date", "2026-11-24", "--now", "2026-11-30T09:00"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("【创城日报】11月24日（周二） 全区（全天）")
    chart = tmp_path / "week.png"  # type: ignore[operator]
    main(["digest", "weekly", "--date", "2026-11-30", "--now", "2026-11-30T09:00", "--chart", str(chart)])
    assert chart.read_bytes().startswith(PNG_MAGIC)


def test_chatter_that_starts_with_a_digest_word_gets_no_reply(chat: Chat) -> None:
    assert chat.send("日报发了吗").replies == []


def test_digest_commands_are_registered_and_in_help(chat: Chat) -> None:
    help_text = chat.say("帮助")
    for usage in ("日报 [全区] [日期]", "周报 [本周] [日期]", "月报 [本月] [日期]"):
        assert usage in help_text


def test_due_digests_are_queued_once_each_at_their_time(chat: Chat, clock: ManualClock, services: AppServices) -> None:
    from sqlalchemy import select

    from bot.schedule.digest_jobs import queue_due_digests
    from models import OutboxMessage

    build_day(chat, clock)  # Monday 23 November
    expected = [
        (at(23, 8, 59), []),
        (at(23, 9), ["周报 demo"]),  # Monday 09:00
        (at(23, 9, 1), []),
        (at(23, 17, 29), []),
        (at(23, 17, 30), ["日报 demo"]),
        (at(23, 17, 31), []),
        (datetime(2026, 12, 1, 9, tzinfo=SHANGHAI), ["月报 demo"]),
        (datetime(2026, 12, 1, 17, 30, tzinfo=SHANGHAI), ["日报 demo"]),
    ]
    for now, queued in expected:
        assert queue_due_digests(services.session_factory, services.cfg, now) == queued, now
    with services.session_factory() as session:
        messages = session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)).all()
        assert [m.dedupe_key for m in messages] == [
            "digest:weekly:2026-11-23:demo",
            "digest:daily:2026-11-23:demo",
            "digest:monthly:2026-12-01:demo",
            "digest:daily:2026-12-01:demo",
        ]
        assert messages[0].image_png_base64 and not messages[1].image_png_base64
        assert messages[1].text.startswith("【创城日报】11月23日（周一） 延庆镇创城大管家群（截至17:30）")


def test_chart_still_renders_without_a_cjk_font(
    cfg: GuanjiaConfig,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from bot.reports import kpi_chart
    from bot.reports.kpi import UnitKpi

    monkeypatch.setattr(kpi_chart, "cjk_font", lambda: None)
    png = kpi_chart.bar_chart_png(cfg, "创城周报", {"hws": UnitKpi("hws", dispatched=3, fixed=2)})
    assert base64.b64decode(png).startswith(PNG_MAGIC)


@pytest.mark.skipif(not os.environ.get("CI"), reason="CI installs the font (.ci/run); a dev machine may lack it")
def test_a_cjk_font_is_found_on_this_machine() -> None:
    from bot.reports.kpi_chart import cjk_font

    assert cjk_font() is not None, "install fonts-wqy-microhei (see .ci/run)"


def test_the_next_days_digest_counts_what_came_after_the_last_one(
    chat: Chat, clock: ManualClock, services: AppServices
) -> None:
    """Week tester: the pushed digest counts the day up to 17:30, so a report at 21:50 and a
    close at 18:40 were in no digest the group ever saw."""
    build_day(chat, clock)
    clock.set(at(23, 21, 50))
    chat.report("百泉街与新兴西路交叉口垃圾堆了两天了")
    clock.set(at(24, 17, 30))
    lines = daily_text(services, clock.now()).splitlines()
    assert lines[1] == "今日：新增0 · 派单0 · 认领0 · 整改0 · 销账0"
    assert lines[2] == "昨日17:30后：新增1 · 派单1 · 认领0 · 整改0 · 销账0"
    clock.set(at(25, 17, 30))
    assert "昨日17:30后" not in daily_text(services, clock.now())  # a quiet evening adds no line


def test_district_dispatch_counts_a_ticket_sent_to_three_units_once(
    chat: Chat, clock: ManualClock, services: AppServices
) -> None:
    """退回 then 转派 twice: three units each count a 派单, the district one ticket."""
    n = chat.report("府前街与南环路交叉口西北角垃圾堆了两天了")  # → 环卫中心
    chat.report("东关大街北口垃圾堆了两天了")
    chat.say(f"退回 {n} 不属于我单位职责", "hws_chen")
    chat.say(f"转派 {n} 市政", "ccb_wang")
    chat.say(f"转派 {n} 交警", "ccb_wang")
    clock.set(at(24, 9))
    lines = chat.say("周报 本周").splitlines()
    assert lines[1].startswith("全区：派单2 ")
    units = [line for line in lines if line.startswith("▪")]
    assert [line.split(" ")[0] for line in units] == ["▪环卫中心：派单2", "▪交警支队：派单1", "▪市政市容委：派单1"]
    with services.session_factory() as session:
        ticket = session.get_one(Ticket, n)
        assert (ticket.unit, ticket.status) == ("jtzd", "dispatched")
