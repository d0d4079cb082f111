"""A question about an earlier report without its number is answered, never silent, never a ticket."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from bot.app_services import AppServices
from bot.core.clock import ManualClock
from models import Ticket, TicketEvent
from tests.support.chat import Chat

MARKET = "菜市场门口垃圾堆了好几天了"
PARK = "妫水公园公厕太脏了"


def tickets(services: AppServices) -> int:
    with services.session_factory() as session:
        return session.scalar(select(func.count()).select_from(Ticket)) or 0


def notes(services: AppServices, ticket_id: int) -> list[str]:
    with services.session_factory() as session:
        query = select(TicketEvent.note).where(TicketEvent.ticket_id == ticket_id, TicketEvent.type == "supplemented")
        return [n or "" for n in session.scalars(query)]


def test_asking_about_the_market_shows_its_ticket(chat: Chat, services: AppServices, clock: ManualClock) -> None:
    n = chat.report(MARKET)
    clock.advance(timedelta(minutes=10))
    outcome = chat.send("@大管家 菜市场那个是不是处理了")
    text = outcome.replies[0].text
    assert text.startswith(f"#{n}【垃圾与环境卫生】待认领\n地点：菜市场门口　单位：环卫中心")
    assert outcome.tickets == [] and tickets(services) == 1


def test_asking_about_the_park_is_no_new_ticket(chat: Chat, services: AppServices, clock: ManualClock) -> None:
    chat.report(MARKET)
    n = chat.report(PARK)
    clock.advance(timedelta(minutes=10))
    text = chat.say("@大管家 妫水公园那个是不是处理了")
    assert text.startswith(f"#{n}【公厕】待认领\n地点：妫水公园公厕")
    assert tickets(services) == 2


def test_several_matches_are_listed_to_choose_from(chat: Chat, clock: ManualClock) -> None:
    first = chat.report(MARKET)
    second = chat.report("菜市场东门小广告很多")
    clock.advance(timedelta(minutes=10))
    assert chat.say("@大管家 菜市场那个处理了吗") == (
        "您问的是哪一张？\n"
        f"#{second}【非法小广告】菜市场东门 待认领\n"
        f"#{first}【垃圾与环境卫生】菜市场门口 待认领\n"
        "可发：查询 N（N 为工单号）"
    )


def test_no_match_says_so_and_how_to_ask(chat: Chat, services: AppServices) -> None:
    assert chat.say("@大管家 体育馆那个是不是处理了") == (
        "没有找到与「体育馆」有关的未办结或近期办结的工单。可发「查询 工单号」查看进度，或发「我的」查看您上报的工单。"
    )
    assert tickets(services) == 0


def test_my_report_without_a_place_means_my_own_tickets(chat: Chat, clock: ManualClock) -> None:
    n = chat.report(MARKET)
    chat.report("府前街路灯不亮了", sender="wgy_sun")
    clock.advance(timedelta(minutes=10))
    assert chat.say("@大管家 我报的那个怎么还没弄好").startswith(f"#{n}【垃圾与环境卫生】")


def test_a_complaint_matching_nothing_is_still_a_report(chat: Chat) -> None:
    assert chat.say("@大管家 体育馆门口垃圾怎么还没人清理").startswith("已登记 #1【垃圾与环境卫生】地点：体育馆门口")


def test_a_question_shaped_complaint_presses_the_open_ticket_at_that_place(
    chat: Chat, services: AppServices, clock: ManualClock
) -> None:
    n = chat.report("幸福小区3号楼门口井盖破损了")
    clock.advance(timedelta(minutes=10))
    outcome = chat.send("幸福小区那个井盖怎么还没弄好", sender="wgy_sun")
    assert outcome.tickets == [n] and tickets(services) == 1
    assert outcome.replies[0].text == f"已补充到 #{n}：「幸福小区那个井盖怎么还没弄好」"
    assert outcome.replies[0].mentions == ("sw_feng",)
    assert notes(services, n) == ["幸福小区那个井盖怎么还没弄好"]
    # Another problem at the same place is a report of its own.
    assert chat.say("幸福小区那个路灯怎么还没修").startswith("已登记 #2【公共设施损坏】")
