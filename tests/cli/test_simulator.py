"""The terminal chat simulator drives the same intake as the webhooks, with a movable clock."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from bot.app_services import AppServices
from bot.cli.simulator import ChatSimulator
from bot.core.clock import ManualClock

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def sim(services: AppServices, clock: ManualClock) -> ChatSimulator:
    simulator = ChatSimulator(services, clock, "demo", "wgy_li")
    # START is Monday 09:00: the weekly summary for last week is due right away; send it now
    # so the tests below see only what their own actions cause.
    services.scheduler.run_due(clock.now())
    simulator.handle_line("/who")
    return simulator


def test_whole_lifecycle_in_the_simulator(sim: ChatSimulator) -> None:
    out = "\n".join(sim.handle_line("府前街与南环路交叉口西北角垃圾堆了两天了 [图片]"))
    found = re.search(r"已登记 #(\d+)【垃圾与环境卫生】", out)
    assert found, out
    n = found.group(1)
    assert "@陈环卫" in out

    assert sim.handle_line("/as 陈环卫") == ["现在以 陈环卫（hws_chen，环卫中心）发言"]
    assert sim.handle_line("/time +1h") == ["模拟时间：11月23日 10:00"]
    assert "已由陈环卫（环卫中心）认领" in "\n".join(sim.handle_line(f"认领 {n}"))
    assert "整改照片1张" in "\n".join(sim.handle_line(f"完成 {n} 已清运 [图片]"))
    sim.handle_line("/as 李网格")
    assert "验收通过，已销账" in "\n".join(sim.handle_line(f"验收 {n} 通过"))
    assert f"#{n}【垃圾与环境卫生】已销账" in "\n".join(sim.handle_line(f"查询 {n}"))


def test_meta_commands(sim: ChatSimulator) -> None:
    assert sim.handle_line("/time tomorrow") == ["用法：/time +3h、/time +30m、/time +2d 或 /time 2026-11-23T09:00"]
    assert sim.handle_line("/time 2026-11-20T09:00") == ["模拟时钟只能向前拨"]
    overnight = sim.handle_line("/time 2026-11-24T08:30")
    assert overnight[0] == "模拟时间：11月24日 08:30"
    assert overnight[1].startswith("📣 [demo · 11月23日 17:30] 【创城日报】11月23日（周一）")  # passed on the way
    assert sim.handle_line("/group other") == ["现在在群 other（未在配置中）"]
    assert sim.handle_line("/as 路人甲") == [
        "现在以 路人甲（路人甲，群成员）发言；配置里没有这个人，按普通群成员发言（/people 列出配置的人员）"
    ]
    assert sim.handle_line("/nope")[0].startswith("未知的模拟器命令")
    assert sim.handle_line("收到") == ["（机器人未回复：不是问题上报，也不是命令）"]


def test_a_near_miss_says_it_was_kept_as_a_suspected_report(sim: ChatSimulator) -> None:
    """The group hears nothing, but a tester sees where the message went and how to act on it."""
    (line,) = sim.handle_line("昨天说的那个东关大街臭味还在")
    kept = re.fullmatch(
        r"（机器人在群里不回复：已记为疑似上报第(\d+)条，创城办可发「立案 \1」或在网页「疑似上报」页立案）", line
    )
    assert kept, line
    sim.handle_line("/as 王督查")
    assert "已登记 #" in "\n".join(sim.handle_line(f"立案 {kept.group(1)}"))


def test_guanjia_chat_command_reads_stdin(tmp_path: Path) -> None:
    env = dict(os.environ, GUANJIA_DATABASE_URL=f"sqlite:///{tmp_path / 'sim.db'}")
    env.pop("GUANJIA_CONFIG", None)
    lines = [
        "/as 李网格",
        "府前街与南环路交叉口西北角垃圾堆了两天了",
        "/as 陈环卫",
        "认领 1",
        "/time +2h",
        "完成 1 已清运",
        "/as 李网格",
        "验收 1 通过",
        "/quit",
    ]
    result = subprocess.run(
        [sys.executable, "-m", "bot.cli", "chat"],
        input="\n".join(lines) + "\n", capture_output=True, text=True, env=env, timeout=120, cwd=ROOT,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "已登记 #1【垃圾与环境卫生】" in result.stdout
    assert "#1【垃圾与环境卫生】已由陈环卫（环卫中心）认领" in result.stdout
    assert "#1【垃圾与环境卫生】验收通过，已销账" in result.stdout


def test_reminders_appear_as_the_simulated_clock_moves(sim: ChatSimulator) -> None:
    out = "\n".join(sim.handle_line("府前街与南环路交叉口西北角垃圾堆了两天了"))
    n = re.search(r"#(\d+)", out).group(1)  # type: ignore[union-attr]
    assert sim.handle_line("/time +1h") == ["模拟时间：11月23日 10:00"]
    moved = sim.handle_line("/time +1h")
    assert moved[0] == "模拟时间：11月23日 11:00"
    # Each is shown at the minute it went out, where its "还剩…" is true: not at 11:00.
    assert moved[1].startswith(f"📣 [demo · 11月23日 10:30] ⏰ 认领提醒 #{n}【垃圾与环境卫生】")
    assert "（还剩30分钟）" in moved[1]
    assert moved[1].endswith("\n   @陈环卫")
    assert moved[2].startswith(f"📣 [demo · 11月23日 11:00] 🔴 超时未认领 #{n}")
    assert moved[2].endswith("@陈环卫 @王督查 @赵主任")
    assert sim.handle_line("/time +10m") == ["模拟时间：11月23日 11:10"]


def test_daily_digest_and_weekly_summary_arrive_at_their_times(sim: ChatSimulator) -> None:
    sim.handle_line("府前街与南环路交叉口西北角垃圾堆了两天了")
    evening = "\n".join(sim.handle_line("/time 2026-11-23T17:30"))
    assert evening.count("📣 [demo · ") >= 3  # the claim reminder, the alarm, and the digest
    daily = [chunk for chunk in re.split(r"📣 \[demo · [^]]+\] ", evening) if "日报" in chunk]
    assert len(daily) == 1, evening
    assert "/time" not in daily[0]
    assert "📣" not in "\n".join(sim.handle_line("/time +10m"))  # the digest goes out once
    monday = "\n".join(sim.handle_line("/time 2026-11-30T09:00"))
    assert "周报" in monday
