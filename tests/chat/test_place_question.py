"""A report without a place is registered and asked for its place; the answer fills it and
moves a territorial ticket to its community."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.app_services import AppServices
from bot.core.clock import ManualClock
from models import Ticket
from tests.support.chat import Chat

NO_PLACE = "楼道里堆满了杂物 老人上下楼都困难"
PLACE_QUESTION = "请补充地点（30分钟内直接回复地点即可）"  # parser.place_answer_minutes


def load(services: AppServices, ticket_id: int) -> Ticket:
    with services.session_factory() as session:
        ticket = session.get(Ticket, ticket_id)
        assert ticket is not None
        ticket.events  # noqa: B018 - load before the session closes
        return ticket


def test_a_report_without_a_place_is_registered_and_asked_for_it(chat: Chat, services: AppServices) -> None:
    outcome = chat.send(NO_PLACE)
    (n,) = outcome.tickets
    lines = outcome.replies[0].text.split("\n")
    assert lines[0].startswith(f"已登记 #{n}【堆物堆料】地点：未注明地点 → 属地街乡")
    assert lines[-1] == PLACE_QUESTION
    assert load(services, n).status == "dispatched"


def test_a_report_with_a_place_is_not_asked(chat: Chat) -> None:
    assert PLACE_QUESTION not in chat.say("府前街与南环路交叉口西北角垃圾堆了两天了")


def test_the_answer_fills_the_place_and_reroutes_to_the_community(
    chat: Chat, services: AppServices, clock: ManualClock
) -> None:
    first = chat.send(NO_PLACE)
    assert set(first.replies[0].mentions) == {"sd_zhu", "sd_qin"}  # no community known yet
    (n,) = first.tickets
    clock.advance(timedelta(minutes=1))
    outcome = chat.send("东湖家园3号楼")
    assert outcome.tickets == [n]
    assert outcome.replies[0].text == f"已补充到 #{n}：「东湖家园3号楼」\n#{n} 属地：延庆镇/东湖社区"
    assert outcome.replies[0].mentions == ("sd_qin",)
    ticket = load(services, n)
    assert (ticket.location, ticket.area, ticket.unit) == ("东湖家园3号楼", "延庆镇/东湖社区", "sd")
    rerouted = ticket.events[-1]
    assert rerouted.type == "rerouted"
    assert rerouted.data == {"from_area": "延庆镇", "to_area": "延庆镇/东湖社区"}


def test_a_long_place_answer_fills_it_too(chat: Chat, services: AppServices, clock: ManualClock) -> None:
    n = chat.report(NO_PLACE)
    place = "松林小区3号楼和5号楼之间的那条小路往北大概五十米"
    assert len(place) > services.cfg.parser.followup_max_chars
    clock.advance(timedelta(seconds=30))
    assert chat.send(place).tickets == [n]
    location = load(services, n).location  # as far as the parser reads the place
    assert location is not None and location.startswith("松林小区3号楼") and place.startswith(location)


def test_a_non_territorial_ticket_only_gets_its_place(chat: Chat, services: AppServices, clock: ManualClock) -> None:
    outcome = chat.send("有辆白色轿车停在人行道上好几天了")
    (n,) = outcome.tickets
    assert outcome.replies[0].text.endswith(PLACE_QUESTION)
    clock.advance(timedelta(minutes=1))
    reply = chat.send("在湖滨路与百花街路口").replies[0]
    assert reply.text == f"已补充到 #{n}：「在湖滨路与百花街路口」" and reply.mentions == ()
    ticket = load(services, n)
    assert ticket.location is not None and "湖滨路与百花街路口" in ticket.location
    assert ticket.unit == "jtzd" and "rerouted" not in [e.type for e in ticket.events]


def test_after_the_window_the_answer_does_not_fill_it(chat: Chat, services: AppServices, clock: ManualClock) -> None:
    n = chat.report(NO_PLACE)
    clock.advance(timedelta(minutes=30, seconds=1))  # parser.place_answer_minutes
    assert n not in chat.send("东湖家园3号楼").tickets  # read alone, whatever the parser makes of it
    assert load(services, n).location is None


def test_words_that_name_no_place_do_not_fill_it(chat: Chat, services: AppServices, clock: ManualClock) -> None:
    n = chat.report(NO_PLACE)
    clock.advance(timedelta(seconds=20))
    chat.send("那个东西")
    assert load(services, n).location is None


@pytest.mark.parametrize("answer", ["这里", "就在那边", "这儿"])
def test_pointing_is_no_place_and_the_question_stands(
    chat: Chat, services: AppServices, clock: ManualClock, answer: str
) -> None:
    """A tester's "这里" became the ticket's place, and every reminder after said 地点：这里."""
    n = chat.report(NO_PLACE)
    clock.advance(timedelta(seconds=20))
    said = chat.say(answer)
    assert load(services, n).location is None
    assert said.endswith("地点还未注明，请补充具体地点（路名、小区、门牌或附近的店）")
    clock.advance(timedelta(seconds=20))
    chat.send("在幸福小区3号楼")
    assert load(services, n).location == "幸福小区3号楼"


def test_the_place_given_by_number_fills_it_and_opens_no_ticket(
    chat: Chat, services: AppServices, clock: ManualClock
) -> None:
    n = chat.report("还有路边小广告贴满了电线杆")
    assert chat.say(f"{n}号收到 在哪", sender="cgzf_liu").startswith(f"#{n}【非法小广告】已由刘城管")
    clock.advance(timedelta(minutes=10))
    outcome = chat.send(f"{n}号在南菜园路公交站附近")
    assert outcome.tickets == [n]
    assert outcome.replies[0].text == f"已补充到 #{n}：「{n}号在南菜园路公交站附近」\n#{n} 地点：南菜园路公交站附近"
    assert outcome.replies[0].mentions == ("cgzf_liu",)
    assert load(services, n).location == "南菜园路公交站附近"
    assert chat.send("查询 2").replies[0].text == "没有找到工单 #2"


def test_the_office_gives_the_place_by_number_and_the_ticket_moves(chat: Chat, services: AppServices) -> None:
    n = chat.report(NO_PLACE)
    outcome = chat.send(f"{n}号 地点：东湖家园3号楼", sender="ccb_wang")
    assert outcome.replies[0].text.endswith(f"\n#{n} 地点：东湖家园3号楼\n#{n} 属地：延庆镇/东湖社区")
    assert outcome.replies[0].mentions == ("sd_qin",)
    ticket = load(services, n)
    assert (ticket.location, ticket.area) == ("东湖家园3号楼", "延庆镇/东湖社区")


def test_only_the_reporter_or_the_office_gives_the_place_by_number(chat: Chat, services: AppServices) -> None:
    n = chat.report(NO_PLACE)
    chat.send(f"{n}号在东湖家园3号楼", sender="wgy_sun")
    assert load(services, n).location is None


def test_the_place_answer_is_taken_past_the_follow_up_window(
    chat: Chat, services: AppServices, clock: ManualClock
) -> None:
    first = chat.send("公厕没水了")
    (n,) = first.tickets
    assert first.replies[0].text.endswith("请补充地点（30分钟内直接回复地点即可）")
    clock.advance(timedelta(minutes=4))
    outcome = chat.send("妫水公园南门的公厕")
    assert outcome.tickets == [n]
    assert outcome.replies[0].text == f"已补充到 #{n}：「妫水公园南门的公厕」"
    assert load(services, n).location == "妫水公园南门的公厕"


def test_past_the_follow_up_window_only_a_place_is_taken(chat: Chat, services: AppServices, clock: ManualClock) -> None:
    n = chat.report("公厕没水了")
    clock.advance(timedelta(minutes=4))
    assert chat.send("[图片]", images=("p.jpg",)).tickets != [n]  # a photo alone: not this late
    assert chat.say("南门外垃圾桶满了").startswith("已登记 #2")  # another problem: a new report
    assert load(services, n).location is None


def test_the_place_answer_waits_only_so_long_and_not_past_another_report(
    chat: Chat, services: AppServices, clock: ManualClock
) -> None:
    n = chat.report("公厕没水了")
    clock.advance(timedelta(minutes=31))
    assert chat.send("妫水公园南门的公厕").tickets != [n]
    m = chat.report("楼道里堆满了杂物")
    chat.report("府前街路灯不亮了")
    clock.advance(timedelta(minutes=4))
    assert chat.send("东湖家园3号楼").tickets != [m]
    assert load(services, n).location != "妫水公园南门的公厕" and load(services, m).location is None
