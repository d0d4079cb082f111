"""迎检模式 in chat: who may switch it, which end days are read, and what is refused."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select

from bot.app_services import AppServices
from bot.core.errors import InvalidArgument
from bot.tickets.campaign.dates import parse_end_day
from models import CampaignEvent, CampaignPeriod
from tests.support.chat import Chat

TODAY = date(2026, 11, 23)


def rows(services: AppServices) -> tuple[int, int]:
    with services.session_factory() as session:
        return (
            session.scalar(select(func.count()).select_from(CampaignPeriod)) or 0,
            session.scalar(select(func.count()).select_from(CampaignEvent)) or 0,
        )


@pytest.mark.parametrize(
    ("written", "expected"),
    [
        ("12月15日", date(2026, 12, 15)),
        ("12月15号", date(2026, 12, 15)),
        ("12.15", date(2026, 12, 15)),
        ("2026-12-15", date(2026, 12, 15)),
        ("2026年12月15日", date(2026, 12, 15)),
        ("1月10日", date(2027, 1, 10)),  # passed this year: next year's, within 90 days
        ("11月1日", date(2026, 11, 1)),  # next year's would be too far: this year's, refused as past
    ],
)
def test_end_days_as_the_office_writes_them(written: str, expected: date) -> None:
    assert parse_end_day(written, TODAY, 90) == expected


@pytest.mark.parametrize("written", ["下周五", "2月30日", "13.45", "12月"])
def test_unreadable_end_days_are_refused_with_an_example(written: str) -> None:
    with pytest.raises(InvalidArgument, match=r"日期"):
        parse_end_day(written, TODAY, 90)


def test_only_the_office_may_switch_and_a_refusal_changes_nothing(chat: Chat, services: AppServices) -> None:
    for sender in ("wgy_li", "hws_chen", "ld_ma"):
        assert chat.say("迎检模式 开启 至 12月15日", sender) == "只有创城办可以开启迎检模式"
    assert rows(services) == (0, 0)
    assert chat.say("迎检模式").startswith("迎检模式：未开启")
    chat.say("迎检模式 开启 至 12月15日", "ccb_wang")
    assert chat.say("迎检模式 关闭", "hws_chen") == "只有创城办可以关闭迎检模式"
    assert rows(services) == (1, 1)
    assert "开启中" in chat.say("迎检模式", "hws_chen")  # anyone may look


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("迎检模式 开启 至 11月23日", "不在今天（11月23日）之后"),
        ("迎检模式 开启 至 2026-11-20", "不在今天（11月23日）之后"),
        ("迎检模式 开启 至 2027-03-01", "超过90天的上限"),
        ("迎检模式 开启 至 下周五", "看不懂日期"),
        ("迎检模式 开启 至 2月30日", "不是有效的日期"),
        ("迎检模式 开启", "请写明迎检结束日期"),
        ("迎检模式 暂停", "迎检模式 关闭"),
    ],
)
def test_bad_end_days_are_refused_and_nothing_changes(
    chat: Chat, services: AppServices, text: str, reason: str
) -> None:
    assert reason in chat.say(text, "ccb_wang")
    assert rows(services) == (0, 0)


def test_switching_off_when_off_and_on_twice_are_refused(chat: Chat, services: AppServices) -> None:
    assert chat.say("迎检模式 关闭", "ccb_wang") == "迎检模式未开启"
    chat.say("迎检模式开启至12月15日", "ccb_wang")  # written without spaces
    assert "无需重复开启" in chat.say("迎检模式 开启 至 12.15", "ccb_zhao")
    assert rows(services) == (1, 1)


def test_status_shows_days_left_and_who_switched_it_on(chat: Chat) -> None:
    chat.say("迎检模式 开启 至 12月15日", "ccb_wang")
    status = chat.say("迎检模式")
    assert status.startswith("迎检模式：开启中（全国文明城市测评，至 12月15日，还有 22 天，王督查开启）")
    assert "默认×0.5" in status


def test_help_lists_the_command(chat: Chat) -> None:
    assert "· 迎检模式 [开启 至 12月15日｜关闭] —— 查看、开启或关闭迎检模式" in chat.say("帮助")
