"""A line about a ticket by its number ("1号不行 还是挂着") is a note on that ticket, not a new one.

Found in the simulator: the reporter's "1号不行 还是挂着" after the unit said it was done opened
a new 【其他】 ticket for the office, and the unit never heard it.
"""

from __future__ import annotations

import itertools

import pytest

from bot.app_services import AppServices
from bot.chat.messages import IncomingMessage, Outcome
from bot.core.clock import ManualClock
from models import Ticket, TicketEvent
from tests.support.chat import Chat

_quotes = itertools.count(1)
SIGN = "东关大街与北环路交叉口的路灯杆倒了一半"
GARBAGE = "府前街与南环路交叉口西北角垃圾堆了两天了"


def tickets(services: AppServices) -> int:
    with services.session_factory() as session:
        return session.query(Ticket).count()


def notes(services: AppServices, ticket_id: int) -> list[str | None]:
    with services.session_factory() as session:
        events = session.query(TicketEvent).filter_by(ticket_id=ticket_id, type="supplemented").all()
        return [e.note for e in events]


def test_the_reporter_says_the_fix_did_not_hold(chat: Chat, services: AppServices) -> None:
    n = chat.report(GARBAGE)
    chat.say(f"认领 {n}", sender="hws_chen")
    chat.say(f"{n}号已经清理完毕", sender="hws_chen")
    outcome = chat.send(f"{n}号不行 还是有一堆", sender="wgy_li")
    assert outcome.tickets == [n]
    reply = outcome.replies[0]
    assert reply.text == (f"已补充到 #{n}：「{n}号不行 还是有一堆」\n如验收不通过，请发：验收 {n} 不通过 原因")
    assert reply.mentions == ("hws_chen",)  # the unit hears it
    assert tickets(services) == 1
    assert notes(services, n) == [f"{n}号不行 还是有一堆"]


def test_the_unit_remarking_on_its_own_ticket_is_not_told_about_itself(chat: Chat, services: AppServices) -> None:
    n = chat.report(GARBAGE)
    outcome = chat.send(f"#{n} 那边要派铲车", sender="hws_chen")
    assert outcome.replies[0].text == f"已补充到 #{n}：「＃{n} 那边要派铲车」"  # echoed safely
    assert outcome.replies[0].mentions == ()


def test_a_remark_right_after_ones_own_next_report_goes_to_the_ticket_it_names(
    chat: Chat, services: AppServices
) -> None:
    first = chat.report(GARBAGE)
    second = chat.report(SIGN)
    assert chat.send(f"{first}号那边还是没人来", sender="wgy_li").tickets == [first]
    assert notes(services, second) == []


@pytest.mark.parametrize(
    "text",
    [
        "{n}号楼楼道里垃圾没人清",  # a building
        "{n}号摊位又把货摆到路上了",  # a stall
        "{n}号下午开会，各单位负责人参加",  # a date
        "{n}号前各单位报送整改台账",
        "{n}号检查，大家注意",
    ],
)
def test_places_and_dates_are_not_remarks(chat: Chat, services: AppServices, text: str) -> None:
    n = chat.report(GARBAGE)
    assert notes(services, n) == []
    chat.send(text.format(n=n), sender="ccb_wang")
    assert notes(services, n) == []


def test_a_number_that_names_no_open_ticket_here_is_read_as_usual(
    chat: Chat, services: AppServices, clock: ManualClock
) -> None:
    n = chat.report(GARBAGE)
    elsewhere = chat.send(f"{n}号那边还是没人来", sender="wgy_li", group="other")
    assert elsewhere.tickets != [n]
    assert notes(services, n) == []
    chat.say(f"认领 {n}", sender="hws_chen")
    chat.say(f"完成 {n}", sender="hws_chen")
    chat.say(f"验收 {n} 通过", sender="wgy_li")
    chat.send(f"{n}号不行 还是有一堆", sender="wgy_li")  # closed: a new report, or 疑似上报
    assert notes(services, n) == []
    assert chat.send("99号不行 还是有一堆").tickets != [99]


def quoting(chat: Chat, text: str, quoted: str, sender: str = "wgy_li") -> Outcome:
    """A reply that quotes another message, as DingTalk and WeCom send it (the quoted text)."""
    msg = IncomingMessage(
        platform="test",
        msg_id=f"q{next(_quotes)}",
        group_id="demo",
        sender_id=sender,
        sender_name=chat.services.cfg.display_name(sender),
        text=text,
        quoted_text=quoted,
    )
    return chat.services.intake.handle(msg)


def test_a_question_quoting_the_bots_message_gets_that_tickets_status(chat: Chat, services: AppServices) -> None:
    """Quoting "已登记 #2…" with "怎么还没人处理" right after one's own report #1: it was added
    to both as a note (the quoted #2 and the unquoted #1), and 查询 showed it as the latest step."""
    first = chat.report(SIGN)
    second = chat.report(GARBAGE)
    outcome = quoting(chat, "怎么还没人处理", f"已登记 #{second}【垃圾与环境卫生】")
    assert outcome.replies[0].text.startswith(f"#{second}【垃圾与环境卫生】待认领")
    assert notes(services, first) == [] and notes(services, second) == []


def test_a_remark_quoting_the_bots_message_goes_to_that_ticket(chat: Chat, services: AppServices) -> None:
    first = chat.report(GARBAGE)
    chat.report(SIGN)
    outcome = quoting(chat, "东北角那边还有一堆", f"已登记 #{first}【垃圾与环境卫生】")
    assert outcome.tickets == [first]
    assert notes(services, first) == ["东北角那边还有一堆"]


@pytest.mark.parametrize("text", ["验收不通过，车还在", "验收不通过 西北角还有一堆没清"])
def test_verification_failed_in_words_quoting_the_fix_fails_it(chat: Chat, services: AppServices, text: str) -> None:
    """ "验收不通过，车还在" quoting the bot's "已报完成" opened a new ticket for the office: the
    reason after 不通过 made the line too long to be read as a command."""
    n = chat.report(GARBAGE)
    chat.say(f"完成 {n}", sender="hws_chen")
    outcome = quoting(chat, text, f"#{n}【垃圾与环境卫生】环卫中心已报完成。请上报人李网格或创城办验收")
    assert "验收不通过" in outcome.replies[0].text
    assert tickets(services) == 1
    with services.session_factory() as session:
        assert session.get(Ticket, n).status == "claimed"  # back to the unit
    assert chat.say("验收不通过，车还在") == "请写明工单号，例如：验收 12 通过 / 验收 12 不通过 原因"
    assert tickets(services) == 1
