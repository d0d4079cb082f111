"""Reports become tickets: dispatched by category, urgent deadlines, triage, duplicates, several problems."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.app_services import AppServices
from bot.core.clock import ManualClock
from models import Ticket
from tests.support.chat import Chat


def load(services: AppServices, ticket_id: int) -> Ticket:
    with services.session_factory() as session:
        ticket = session.get(Ticket, ticket_id)
        assert ticket is not None
        return ticket


def test_parking_report_goes_to_traffic_police_with_category_deadlines(
    chat: Chat, services: AppServices, clock: ManualClock
) -> None:
    outcome = chat.send("东关大街与北环路交叉口有辆白色轿车停在人行道上，行人只能走机动车道")
    (n,) = outcome.tickets
    reply = outcome.replies[0]
    assert reply.text.startswith(f"已登记 #{n}【机动车乱停乱放】地点：东关大街与北环路交叉口")
    assert reply.text.endswith("→ 交警支队，请2小时内认领、24小时内整改")
    assert reply.mentions == ("jtzd_zhou",)
    ticket = load(services, n)
    assert ticket.claim_deadline == clock.now() + timedelta(hours=2)
    assert ticket.fix_deadline == clock.now() + timedelta(hours=24)
    assert ticket.area == "延庆镇"


def test_urgent_report_gets_urgent_deadlines(chat: Chat, services: AppServices, clock: ManualClock) -> None:
    outcome = chat.send("杏园村村口有个井盖没了，就剩一个大窟窿，旁边还有小孩在玩")
    (n,) = outcome.tickets
    assert "【紧急·污水与排水设施】" in outcome.replies[0].text
    assert "请30分钟内认领、4小时内整改" in outcome.replies[0].text
    ticket = load(services, n)
    assert ticket.urgent and ticket.fix_deadline == clock.now() + timedelta(hours=4)


def test_same_problem_at_same_place_is_linked_as_duplicate(chat: Chat, services: AppServices) -> None:
    first = chat.report("府前街与南环路交叉口西北角垃圾堆了两天了")
    outcome = chat.send("府前街与南环路交叉口西北角垃圾堆了两天了，还没人管", sender="wgy_sun")
    duplicate = load(services, outcome.tickets[0])
    assert duplicate.duplicate_of == first and duplicate.status == "cancelled"
    assert first in outcome.tickets
    # The repeat takes a number of its own: the reply says which, so none seems to go missing.
    assert outcome.replies[0].text == (
        f"已有工单 #{first}【垃圾与环境卫生】地点：府前街与南环路交叉口西北角，环卫中心待认领；"
        f"本条记为重复上报 #{duplicate.id}，并入 #{first} 跟进，不另派单"
    )
    assert f"与 #{first} 重复" in chat.say(f"查询 {duplicate.id}").replace("＃", "#")

    chat.say(f"完成 {first}", sender="hws_chen")
    chat.say(f"验收 {first} 通过")
    again = chat.send("府前街与南环路交叉口西北角垃圾堆了两天了", sender="wgy_sun")
    assert again.replies[0].text.startswith("已登记")


@pytest.mark.parametrize(
    "again",
    ["府前街南环路口西北角那堆垃圾还没人清", "南环路和府前街十字路口西北角附近 垃圾没人清理"],
)
def test_the_same_spot_written_another_way_is_the_same_spot(chat: Chat, services: AppServices, again: str) -> None:
    """Another member reports the same heap, naming the crossing in their own words: no second
    ticket for a second unit member to walk to."""
    first = chat.report("府前街与南环路交叉口西北角垃圾堆了两天了")
    outcome = chat.send(again, sender="wgy_sun")
    assert outcome.replies[0].text.startswith(f"已有工单 #{first}【垃圾与环境卫生】"), outcome
    assert load(services, outcome.tickets[0]).duplicate_of == first


def test_other_spots_stay_their_own_tickets(chat: Chat) -> None:
    chat.report("府前街与南环路交叉口西北角垃圾堆了两天了")
    for text in ("府前街与南环路交叉口东南角垃圾堆了两天了", "府前街与北环路交叉口西北角垃圾堆了两天了"):
        assert chat.send(text, sender="wgy_sun").replies[0].text.startswith("已登记"), text


def test_several_problems_in_one_message_make_one_ticket_each(chat: Chat, services: AppServices) -> None:
    outcome = chat.send("滨河公园东门 垃圾桶满了没人清，门口还有辆车停在盲道上")
    assert len(outcome.replies) == 1
    text = outcome.replies[0].text
    assert text.startswith("本条消息含2个问题：")
    units = sorted(load(services, n).unit for n in outcome.tickets)
    assert units == ["hws", "jtzd"]
    assert set(outcome.replies[0].mentions) == {"hws_chen", "jtzd_zhou"}


def test_unclear_report_goes_to_triage_for_the_office(chat: Chat, services: AppServices) -> None:
    outcome = chat.send("【问题上报】地点：西门桥下 问题：有人在桥下住着，情况不明，请研判")
    assert outcome.tickets, outcome
    ticket = load(services, outcome.tickets[0])
    assert ticket.status == "triage" and ticket.unit == "ccb"
    assert "待创城办分拨" in outcome.replies[0].text
    assert set(outcome.replies[0].mentions) >= {"ccb_wang", "ccb_zhao"}
