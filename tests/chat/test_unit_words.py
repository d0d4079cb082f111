"""A unit's own words about its tickets, as a tester playing a unit wrote them in the simulator.

"1号已经安排人员清理，申请延期1天" reported the fix and asked the reporter to 验收; "1号2号都清理了"
opened a new 【垃圾与环境卫生】 ticket; "8号不归我们管，是银行自己的装修垃圾" was a silent note;
and a claim past the fix deadline was told "请于…前整改" as if the time were still ahead.
"""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.app_services import AppServices
from bot.core.clock import ManualClock
from models import Ticket
from tests.chat.test_several_numbers import after_photos, events, garbage
from tests.support.chat import Chat

UNIT = "hws_chen"  # 陈环卫, 环卫中心: every ticket below is theirs


def ticket(services: AppServices, ticket_id: int) -> Ticket:
    with services.session_factory() as session:
        return session.get_one(Ticket, ticket_id)


def count(services: AppServices) -> int:
    with services.session_factory() as session:
        return session.query(Ticket).count()


def fixed_line(n: int, photos: str = "") -> str:
    return (
        f"#{n}【垃圾与环境卫生】环卫中心已报完成{photos}。"
        f"请上报人李网格或创城办验收：验收 {n} 通过 / 验收 {n} 不通过 原因"
    )


# --- 1. A plan or a request for more time is no fix -----------------------------------------


def test_asking_for_more_time_with_a_duration_is_the_extension_request(chat: Chat, services: AppServices) -> None:
    garbage(chat, 1)
    outcome = chat.send("1号已经安排人员清理，申请延期1天", sender=UNIT)
    assert [r.text for r in outcome.replies] == [
        "#1 环卫中心申请延期24小时（已经安排人员清理），请创城办审批：同意延期 1 / 拒绝延期 1 原因"
    ]
    assert outcome.replies[0].mentions == ("ccb_wang", "ccb_zhao")
    assert ticket(services, 1).status == "dispatched"
    assert ticket(services, 1).pending_extension_hours == 24
    assert events(services, 1) == ["reported", "dispatched", "extension_requested"]


@pytest.mark.parametrize(
    "text", ["1号已经安排人员清理，需要延期", "1号已经安排人员清理，不需要延期两天", "1号今天清不完 想延期"]
)
def test_asking_for_more_time_without_a_duration_gets_how_to_write_it(
    chat: Chat, services: AppServices, text: str
) -> None:
    garbage(chat, 1)
    assert chat.say(text, sender=UNIT) == "请写：延期 1 时长 原因，例如：延期 1 2天 需要协调清运车辆"
    assert events(services, 1) == ["reported", "dispatched"]


def test_only_the_tickets_unit_asks_for_more_time(chat: Chat, services: AppServices) -> None:
    garbage(chat, 1)
    assert chat.say("1号已经安排人员清理，申请延期1天", sender="wgy_li") == "#1 属于环卫中心，您不是该单位成员"
    assert ticket(services, 1).pending_extension_hours is None
    assert events(services, 1) == ["reported", "dispatched"]


@pytest.mark.parametrize(
    "text", ["{n}号已安排明天清理", "{n}号已经安排人员清理", "{n}号已派人去清理", "{n}号已要求物业清理"]
)
def test_a_plan_is_no_fix(chat: Chat, services: AppServices, text: str) -> None:
    garbage(chat, 3)
    reply = chat.say(text.format(n=3), sender=UNIT)
    assert "已报完成" not in reply
    assert ticket(services, 3).status in ("dispatched", "claimed")
    assert "fixed" not in events(services, 3)


def test_an_arranged_clean_up_is_a_claim(chat: Chat, services: AppServices) -> None:
    garbage(chat, 3)
    reply = chat.say("3号已安排明天清理", sender=UNIT)
    assert reply == "#3【垃圾与环境卫生】已由陈环卫（环卫中心）认领，请于11月24日 09:00前整改（剩余24小时）"
    assert ticket(services, 3).status == "claimed"


# --- 2. Several tickets fixed in the unit's own words; a remark naming two -------------------


def test_a_unit_fixes_two_tickets_in_its_own_words_with_a_photo(chat: Chat, services: AppServices) -> None:
    garbage(chat, 3)
    outcome = chat.send("1号和2号都清理了 [图片]", sender=UNIT, images=("https://img/after.jpg",))
    assert [r.text for r in outcome.replies] == [f"{fixed_line(1, '，整改照片1张')}\n{fixed_line(2, '，整改照片1张')}"]
    assert outcome.tickets == [1, 2]
    for n in (1, 2):
        assert ticket(services, n).status == "fixed"
        assert after_photos(services, n) == ["https://img/after.jpg"]
    assert ticket(services, 3).status == "dispatched"


@pytest.mark.parametrize("text", ["1号2号都清理了", "1号 2号都已经处理好了", "1号、2号垃圾都清走了"])
def test_two_tickets_without_a_photo_are_fixed_and_open_no_ticket(chat: Chat, services: AppServices, text: str) -> None:
    garbage(chat, 2)
    assert chat.say(text, sender=UNIT) == f"{fixed_line(1)}\n{fixed_line(2)}"
    assert ticket(services, 1).status == ticket(services, 2).status == "fixed"
    assert count(services) == 2


@pytest.mark.parametrize(
    "done", ["清理了", "清走了", "拆了", "修好了", "弄好了", "处理了", "取缔了", "劝离了", "整改了", "已经取缔了"]
)
def test_done_words_report_the_fix(chat: Chat, services: AppServices, done: str) -> None:
    garbage(chat, 1)
    assert chat.say(f"1号{done}", sender=UNIT) == fixed_line(1)
    assert ticket(services, 1).status == "fixed"


@pytest.mark.parametrize(
    "text", ["1号清理了吗", "1号还是没清理", "1号不是清理了吗", "1号又脏了", "1号处理了一半", "1号明天清理了"]
)
def test_words_that_deny_ask_or_plan_stay_no_fix(chat: Chat, services: AppServices, text: str) -> None:
    garbage(chat, 1)
    assert "已报完成" not in chat.say(text, sender=UNIT)
    assert ticket(services, 1).status == "dispatched"


def test_the_reporter_saying_two_are_done_adds_a_note_to_each(chat: Chat, services: AppServices) -> None:
    garbage(chat, 2)
    assert chat.say("1号2号都清理了") == "已补充到 #1：「1号2号都清理了」\n已补充到 #2：「1号2号都清理了」"
    assert ticket(services, 1).status == ticket(services, 2).status == "dispatched"


def test_two_tickets_of_one_stall_taken_down_are_both_fixed(chat: Chat, services: AppServices) -> None:
    for place in ("府前街与南环路交叉口", "东关大街北口"):
        chat.report(f"{place}有烧烤摊占道经营")
    outcome = chat.send("1号和2号是同一个烧烤摊，已经取缔了", sender="cgzf_liu")
    assert [line.split("。")[0] for line in outcome.replies[0].text.splitlines()] == [
        "#1【占道经营】城管执法队已报完成",
        "#2【占道经营】城管执法队已报完成",
    ]
    assert ticket(services, 1).status == ticket(services, 2).status == "fixed"


def test_a_remark_naming_two_tickets_is_a_note_on_each(chat: Chat, services: AppServices) -> None:
    garbage(chat, 3)
    outcome = chat.send("1号和2号是同一堆垃圾")
    assert [r.text for r in outcome.replies] == ["已补充到 #1、#2：「1号和2号是同一堆垃圾」"]
    assert outcome.replies[0].mentions == (UNIT,)
    assert outcome.tickets == [1, 2]
    for n in (1, 2):
        assert events(services, n) == ["reported", "dispatched", "supplemented"]
    assert events(services, 3) == ["reported", "dispatched"]
    assert count(services) == 3


# --- 3. "Not ours" about a ticket gets the 退回 hint, whatever the rest names -----------------


@pytest.mark.parametrize("text", ["{n}号不归我们管，是银行自己的装修垃圾", "{n}号不是我们的，垃圾桶归环卫"])
def test_not_ours_about_a_ticket_gets_how_to_return_it(chat: Chat, services: AppServices, text: str) -> None:
    """The first named 垃圾, so the parser read it as a report, and a report gets no hint: it was
    a note on #8 the 创城办 never saw, while the second, read as 【其他】, got the hint."""
    garbage(chat, 8)
    outcome = chat.send(text.format(n=8), sender=UNIT)
    assert [r.text for r in outcome.replies] == ["请写：退回 8 原因，例如：退回 8 不属于我单位职责"]
    assert outcome.tickets == []
    assert events(services, 8) == ["reported", "dispatched"]
    assert count(services) == 8


# --- 4. A claim past the fix deadline says it is past ----------------------------------------


@pytest.mark.parametrize("text", ["认领 1", "1号收到 已经劝导了"])
def test_a_claim_past_the_fix_deadline_says_by_how_much(
    chat: Chat, services: AppServices, clock: ManualClock, text: str
) -> None:
    garbage(chat, 1)
    clock.advance(timedelta(hours=30))  # due 11月24日 09:00, now 15:00
    reply = chat.say(text, sender=UNIT)
    assert reply == "#1【垃圾与环境卫生】已由陈环卫（环卫中心）认领，整改期限11月24日 09:00已过6小时，请尽快整改"
    assert ticket(services, 1).status == "claimed"
