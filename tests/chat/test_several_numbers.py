"""Several ticket numbers and one verb in a line: the verb on each ticket, one reply listing each.

Found by a tester playing a unit: "27号 29号都已经处理好了" was refused as 没有找到工单 #27 or kept
as a note on one ticket, "3号4号我们认领" was silence, "11 12号收到" opened a new 【其他】 ticket,
and "认领 3 4" claimed #3 with "4" as its note.
"""

from __future__ import annotations

import pytest

from bot.app_services import AppServices
from models import Ticket, TicketEvent
from tests.support.chat import Chat

PARKING = "东关大街与北环路交叉口有辆白色轿车停在人行道上，行人只能走机动车道"


def garbage(chat: Chat, count: int) -> None:
    """Tickets #1…#count, each reported as it is in the group, all for 环卫中心."""
    for n in range(1, count + 1):
        assert chat.send(f"府前街{n}号院门口垃圾堆了两天了").tickets == [n]


def status(services: AppServices, ticket_id: int) -> str:
    with services.session_factory() as session:
        return session.get_one(Ticket, ticket_id).status


def events(services: AppServices, ticket_id: int) -> list[str]:
    with services.session_factory() as session:
        query = session.query(TicketEvent).filter_by(ticket_id=ticket_id).order_by(TicketEvent.id)
        return [e.type for e in query]


def after_photos(services: AppServices, ticket_id: int) -> list[str]:
    with services.session_factory() as session:
        return [i.url for i in session.get_one(Ticket, ticket_id).images if i.kind == "after"]


def fixed_line(n: int, photos: str = "") -> str:
    return (
        f"#{n}【垃圾与环境卫生】环卫中心已报完成{photos}。"
        f"请上报人李网格或创城办验收：验收 {n} 通过 / 验收 {n} 不通过 原因"
    )


def claimed_line(n: int) -> str:
    return f"#{n}【垃圾与环境卫生】已由陈环卫（环卫中心）认领，请于11月24日 09:00前整改（剩余24小时）"


def test_a_unit_reports_two_fixes_in_one_line(chat: Chat, services: AppServices) -> None:
    garbage(chat, 29)
    outcome = chat.send("27号 29号都已经处理好了 [图片]", sender="hws_chen", images=("https://img/after.jpg",))
    assert [r.text for r in outcome.replies] == [
        f"{fixed_line(27, '，整改照片1张')}\n{fixed_line(29, '，整改照片1张')}"
    ]
    assert outcome.replies[0].mentions == ("wgy_li",)  # the reporter, once
    assert [c.ticket_id for c in outcome.replies[0].cards] == [27, 29]
    assert outcome.tickets == [27, 29]
    for n in (27, 29):
        assert status(services, n) == "fixed"
        assert events(services, n) == ["reported", "dispatched", "claimed", "fixed"]
        assert after_photos(services, n) == ["https://img/after.jpg"]
    assert status(services, 28) == "dispatched"


def test_a_unit_claims_two_in_one_line(chat: Chat, services: AppServices) -> None:
    garbage(chat, 4)
    assert chat.say("3号4号我们认领", sender="hws_chen") == f"{claimed_line(3)}\n{claimed_line(4)}"
    assert [status(services, n) for n in (1, 2, 3, 4)] == ["dispatched", "dispatched", "claimed", "claimed"]
    assert events(services, 4) == ["reported", "dispatched", "claimed"]


def test_received_with_two_numbers_claims_both(chat: Chat, services: AppServices) -> None:
    garbage(chat, 12)
    outcome = chat.send("11 12号收到", sender="hws_chen")
    assert [r.text for r in outcome.replies] == [f"{claimed_line(11)}\n{claimed_line(12)}"]
    assert outcome.tickets == [11, 12]  # no new ticket for the line
    assert status(services, 11) == status(services, 12) == "claimed"
    # From someone 收到 is only chat for, it stays chat for each ticket, as "11号收到" does.
    assert chat.send("1 2号收到", sender="ccb_wang").replies == []
    assert status(services, 1) == "dispatched"
    with services.session_factory() as session:
        assert session.query(Ticket).count() == 12


@pytest.mark.parametrize(
    ("text", "verb"),
    [
        ("认领 3 4", "claimed"),
        ("认领 3号 4号", "claimed"),
        ("1,2号收到", "claimed"),
        ("3、4号马上去", "claimed"),
        ("完成 5、6", "fixed"),
        ("完成 5，6 已清运", "fixed"),
        ("3号和4号已处理", "fixed"),
        ("#5 #6 已整改", "fixed"),
        ("5号6号垃圾都已清运", "fixed"),
    ],
)
def test_every_way_of_listing_the_numbers(chat: Chat, services: AppServices, text: str, verb: str) -> None:
    garbage(chat, 6)
    outcome = chat.send(text, sender="hws_chen")
    named = [int(n) for n in "".join(c if c.isdigit() else " " for c in text).split()]
    assert outcome.tickets == named
    assert len(outcome.replies) == 1 and len(outcome.replies[0].text.splitlines()) == 2
    for n in range(1, 7):
        assert status(services, n) == (verb if n in named else "dispatched")


def test_another_units_ticket_is_refused_alone(chat: Chat, services: AppServices) -> None:
    garbage(chat, 3)
    parking = chat.report(PARKING)
    assert parking == 4
    reply = chat.say("认领 3 4", sender="hws_chen")
    assert reply == f"{claimed_line(3)}\n#4 属于交警支队，您不是该单位成员"
    assert status(services, 3) == "claimed"
    assert status(services, 4) == "dispatched"
    assert events(services, 4) == ["reported", "dispatched"]
    reply = chat.say("2号 4号已经清理完毕", sender="hws_chen")
    assert reply == f"{fixed_line(2)}\n#4 属于交警支队，您不是该单位成员"
    assert events(services, 4) == ["reported", "dispatched"]


def test_a_closed_ticket_is_refused_alone(chat: Chat, services: AppServices) -> None:
    garbage(chat, 2)
    chat.say("完成 1", sender="hws_chen")
    chat.say("验收 1 通过")
    assert chat.say("完成 1 2", sender="hws_chen") == f"#1 当前状态为「已销账」，不能报完成\n{fixed_line(2)}"
    assert status(services, 1) == "closed" and status(services, 2) == "fixed"


@pytest.mark.parametrize(
    ("text", "answer"),
    [
        ("27号 29号都已经处理好了", "没有找到工单 #29，本条消息未处理任何工单，请核对工单号后重发"),
        ("认领 27 30 31", "没有找到工单 #30、#31，本条消息未处理任何工单，请核对工单号后重发"),
        ("认领 27 123456789012", "没有找到工单 #1234567890…"),
        ("认领 " + " ".join(str(n) for n in range(7, 28)), "一条消息最多写20个工单号，请分几条发"),
    ],
)
def test_a_number_that_names_no_ticket_refuses_the_whole_line(
    chat: Chat, services: AppServices, text: str, answer: str
) -> None:
    garbage(chat, 28)
    assert chat.say(text, sender="hws_chen") == answer
    assert status(services, 27) == "dispatched"
    assert events(services, 27) == ["reported", "dispatched"]


def test_the_reporter_saying_two_are_done_adds_a_note_to_each(chat: Chat, services: AppServices) -> None:
    """As "3号好了" from the reporter: the fix is not theirs to report, the line is a note."""
    garbage(chat, 4)
    reply = chat.say("3号4号都好了")
    assert reply == "已补充到 #3：「3号4号都好了」\n已补充到 #4：「3号4号都好了」"
    assert status(services, 3) == status(services, 4) == "dispatched"
    assert events(services, 4) == ["reported", "dispatched", "supplemented"]


def test_a_question_about_two_tickets_gets_both_statuses(chat: Chat, services: AppServices) -> None:
    garbage(chat, 10)
    outcome = chat.send("9号10号完成了吗", sender="wgy_li")
    text = outcome.replies[0].text
    assert text.startswith("#9【垃圾与环境卫生】待认领") and "\n#10【垃圾与环境卫生】待认领" in text
    assert outcome.tickets == []
    assert status(services, 9) == "dispatched"


@pytest.mark.parametrize("text", ["3号4号还没处理好", "3号4号又脏了", "3号 4号处理好了吗"])
def test_words_that_deny_or_ask_are_no_fix_of_either(chat: Chat, services: AppServices, text: str) -> None:
    garbage(chat, 4)
    chat.send(text, sender="hws_chen")
    assert status(services, 3) == status(services, 4) == "dispatched"
    chat.send("3号4号处理好了", sender="hws_chen")  # said plainly, it is the fix of both
    assert status(services, 3) == status(services, 4) == "fixed"


@pytest.mark.parametrize("text", ["3号楼和5号楼之间有垃圾", "7号摊位 8号摊位门口垃圾已清理", "3 4号楼中间的垃圾已处理"])
def test_numbered_places_are_no_tickets(chat: Chat, services: AppServices, text: str) -> None:
    """3号楼, 7号摊位 (NOT_A_TICKET) name places; the same numbers as tickets are tickets."""
    garbage(chat, 8)
    outcome = chat.send(text, sender="hws_chen")
    assert all(status(services, n) == "dispatched" for n in range(1, 9))
    if text.startswith("3号楼"):
        assert outcome.replies[0].text.startswith("已登记 #9【垃圾与环境卫生】地点：3号楼和5号楼之间")
    chat.send("3号 5号 7号已清理", sender="hws_chen")
    assert [status(services, n) for n in (3, 5, 7, 8)] == ["fixed", "fixed", "fixed", "dispatched"]
