"""Territorial routing by the gazetteer, and follow-ups that add to a report just made."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from bot.app_services import AppServices
from bot.core.clock import ManualClock
from models import Ticket
from tests.support.chat import Chat


def load(services: AppServices, ticket_id: int) -> Ticket:
    with services.session_factory() as session:
        ticket = session.get(Ticket, ticket_id)
        assert ticket is not None
        ticket.events, ticket.images  # noqa: B018 - load before the session closes
        return ticket


# --- gazetteer ----------------------------------------------------------------------


def test_territorial_ticket_goes_to_the_community_of_the_place(chat: Chat, services: AppServices) -> None:
    outcome = chat.send("东湖家园3号楼楼道里堆满了旧家具和纸箱")
    (n,) = outcome.tickets
    assert outcome.replies[0].mentions == ("sd_qin",)
    ticket = load(services, n)
    assert (ticket.unit, ticket.area) == ("sd", "延庆镇/东湖社区")

    outcome = chat.send("百泉小区8号楼有人飞线充电 线从窗户拉出来")
    assert outcome.replies[0].mentions == ("sd_zhu",)


def test_unknown_place_keeps_the_group_area_and_the_unit_members(chat: Chat, services: AppServices) -> None:
    outcome = chat.send("松林小区5号楼楼道里堆满了杂物")
    ticket = load(services, outcome.tickets[0])
    assert ticket.area == "延庆镇"
    assert set(outcome.replies[0].mentions) == {"sd_zhu", "sd_qin"}


def test_a_known_place_fills_the_area_for_any_unit(chat: Chat, services: AppServices) -> None:
    outcome = chat.send("湖滨路与百花街路口 一辆轿车违停在人行道上")
    ticket = load(services, outcome.tickets[0])
    assert (ticket.unit, ticket.area) == ("jtzd", "延庆镇/东湖社区")
    assert outcome.replies[0].mentions == ("jtzd_zhou",)


def test_community_member_acts_for_its_territorial_tickets(chat: Chat, services: AppServices) -> None:
    n = chat.report("东湖家园3号楼楼道里堆满了旧家具和纸箱")
    assert chat.say(f"认领 {n}", sender="sd_qin").startswith(f"#{n}【堆物堆料】已由秦物业（属地街乡）认领")
    ticket = load(services, n)
    assert (ticket.status, ticket.claimed_by, ticket.area) == ("claimed", "sd_qin", "延庆镇/东湖社区")
    assert chat.say(f"查询 {n}").startswith(f"#{n}【堆物堆料】整改中")


# --- follow-ups ---------------------------------------------------------------------


def test_a_photo_within_two_minutes_is_added_to_the_report(
    chat: Chat, services: AppServices, clock: ManualClock
) -> None:
    n = chat.report("松林小区南门 垃圾桶满了 没人清")
    clock.advance(timedelta(seconds=90))
    outcome = chat.send("[图片]", images=("https://img/1.jpg",))
    assert outcome.tickets == [n]
    assert outcome.replies[0].text == f"已补充到 #{n}：照片1张"
    ticket = load(services, n)
    assert [e.type for e in ticket.events][-1] == "supplemented"
    assert [i.url for i in ticket.images] == ["https://img/1.jpg"]
    assert len(services_tickets(services)) == 1


def test_a_short_place_line_fills_the_missing_place(chat: Chat, services: AppServices, clock: ManualClock) -> None:
    n = chat.report("楼道里堆满了杂物 老人上下楼都困难")
    assert load(services, n).location is None
    clock.advance(timedelta(minutes=1))
    outcome = chat.send("在松林小区3号楼北边")
    assert outcome.tickets == [n]
    assert outcome.replies[0].text.startswith(f"已补充到 #{n}：")
    assert load(services, n).location == "松林小区3号楼北边"


def test_a_place_line_after_a_placed_report_is_a_note_not_a_new_ticket(
    chat: Chat, services: AppServices, clock: ManualClock
) -> None:
    n = chat.report("松林小区 垃圾桶满了 没人清")
    clock.advance(timedelta(minutes=1))
    outcome = chat.send("在北门")
    assert outcome.tickets == [n]
    assert outcome.replies[0].text == f"已补充到 #{n}：「在北门」"
    ticket = load(services, n)
    assert ticket.location == "松林小区"  # the report's own place stays; the line is on record
    assert (ticket.events[-1].type, ticket.events[-1].note) == ("supplemented", "在北门")
    assert services_tickets(services) == [n]


def test_another_problem_right_after_a_report_is_its_own_ticket_not_its_place(
    chat: Chat, services: AppServices, clock: ManualClock
) -> None:
    """人行道 and 路口 are place words, but these lines report new problems: neither may vanish
    into the report before them as a note, nor become the place it was asked for."""
    placed = chat.report("东湖家园北门那边有一堆建筑垃圾 没人管")
    unplaced = chat.report("楼道里堆满了杂物 老人上下楼都困难", sender="wgy_sun")
    clock.advance(timedelta(seconds=30))
    car = chat.send("那辆灰色面包车已经在人行道上停三天了")
    light = chat.send("路口的红绿灯坏了 不亮了", sender="wgy_sun")
    assert car.tickets and car.tickets[0] not in (placed, unplaced)
    assert light.tickets and light.tickets[0] not in (placed, unplaced)
    assert car.replies[0].text.startswith(f"已登记 #{car.tickets[0]}【机动车乱停乱放】")
    assert load(services, unplaced).location is None
    assert "supplemented" not in [e.type for e in load(services, placed).events]


def test_after_two_minutes_a_photo_is_read_alone(chat: Chat, services: AppServices, clock: ManualClock) -> None:
    chat.report("松林小区南门 垃圾桶满了 没人清")
    clock.advance(timedelta(minutes=2, seconds=1))
    outcome = chat.send("[图片]", images=("https://img/2.jpg",))
    assert outcome.tickets == [] and outcome.replies == []


def test_another_senders_photo_is_not_added(chat: Chat, services: AppServices, clock: ManualClock) -> None:
    chat.report("松林小区南门 垃圾桶满了 没人清")
    clock.advance(timedelta(seconds=30))
    outcome = chat.send("[图片]", sender="wgy_sun", images=("https://img/3.jpg",))
    assert outcome.tickets == [] and outcome.replies == []


def test_a_new_report_soon_after_is_its_own_ticket(chat: Chat, services: AppServices, clock: ManualClock) -> None:
    first = chat.report("松林小区南门 垃圾桶满了 没人清")
    clock.advance(timedelta(seconds=30))
    outcome = chat.send("松林小区北门 有人遛狗不拴绳")
    assert outcome.tickets and outcome.tickets[0] != first
    assert chat.send("好的").replies == []  # an acknowledgement is not added either


def services_tickets(services: AppServices) -> list[int]:
    with services.session_factory() as session:
        return [t.id for t in session.query(Ticket).all()]


def test_a_report_its_place_and_a_query_in_one_group_commit_batch(services: AppServices) -> None:
    """A follow-up is written past the ORM (bot/tickets/hot_writes.py): a later message of the
    same transaction that reads the ticket must see the place it filled, not the stale object."""
    from bot.chat.messages import IncomingMessage

    def msg(n: int, text: str) -> IncomingMessage:
        return IncomingMessage("generic", f"fb-{n}", "demo", "wgy_li", "李网格", text)

    with services.session_factory() as session:  # the next ticket's number, to query it in the batch
        n = (session.scalar(select(func.max(Ticket.id))) or 0) + 1
    batch = [msg(1, "楼道里堆满了旧家具和纸箱"), msg(2, "在东湖家园3号楼"), msg(3, f"查询 {n}")]
    results = services.intake.handle_batch([(services.intake.read(m), ()) for m in batch])
    assert results[0].tickets == [n]  # type: ignore[union-attr]
    assert not any(isinstance(r, Exception) for r in results)
    shown = "\n".join(r.text for r in results[2].replies)  # type: ignore[union-attr]
    assert "地点：东湖家园3号楼" in shown and "属地街乡" in shown
    ticket = load(services, n)
    assert ticket.location == "东湖家园3号楼" and ticket.area == "延庆镇/东湖社区"
    assert [e.type for e in ticket.events][-2:] == ["supplemented", "rerouted"]


def test_a_photo_after_a_two_problem_report_joins_both_tickets(
    chat: Chat, services: AppServices, clock: ManualClock
) -> None:
    first, second = chat.send("松林小区南门垃圾桶满了没人清，旁边还有一辆车违停在人行道上").tickets
    clock.advance(timedelta(seconds=40))
    outcome = chat.send("[图片]", images=("https://img/both.jpg",))
    assert outcome.tickets == [first, second]
    assert outcome.replies[0].text == f"已补充到 #{first}、#{second}：照片1张"
    assert [i.url for i in load(services, first).images] == ["https://img/both.jpg"]
    assert [i.url for i in load(services, second).images] == ["https://img/both.jpg"]


def test_a_photo_joins_only_the_latest_of_two_reports_made_at_the_same_instant(
    chat: Chat, services: AppServices
) -> None:
    """Same reporter, group and time (the clock stands still): the tickets of the report the
    photo follows are told apart from the earlier report's by the message that made them."""
    earlier = chat.report("松林小区南门 垃圾桶满了 没人清")
    latest = chat.report("百泉小区8号楼有人飞线充电 线从窗户拉出来")
    outcome = chat.send("[图片]", images=("https://img/later.jpg",))
    assert outcome.tickets == [latest]
    assert load(services, earlier).images == []


# --- photos before the words ----------------------------------------------------------


def test_photos_sent_before_the_report_are_its_before_photos(
    chat: Chat, services: AppServices, clock: ManualClock
) -> None:
    """The usual order in a chat: the picture, then what it shows. The photo was lost before."""
    assert chat.send("[图片]", images=("https://img/a.jpg",)).replies == []
    clock.advance(timedelta(seconds=40))
    assert chat.send("[图片]", images=("https://img/b.jpg",)).replies == []
    outcome = chat.send("这里垃圾没人清 东湖家园北门")
    (n,) = outcome.tickets
    assert "已附上：照片2张" in outcome.replies[0].text
    assert sorted(i.url for i in load(services, n).images) == ["https://img/a.jpg", "https://img/b.jpg"]
    # taken once: the next report of the same sender does not take them again
    clock.advance(timedelta(seconds=30))
    (m,) = chat.send("府前街有人乱扔垃圾").tickets
    assert load(services, m).images == []


def test_a_photo_already_added_to_a_report_is_not_taken_by_the_next(
    chat: Chat, services: AppServices, clock: ManualClock
) -> None:
    n = chat.report("松林小区南门 垃圾桶满了 没人清")
    clock.advance(timedelta(seconds=30))
    assert chat.send("[图片]", images=("https://img/1.jpg",)).tickets == [n]
    clock.advance(timedelta(seconds=30))
    (m,) = chat.send("府前街有人乱扔垃圾").tickets
    assert [i.url for i in load(services, n).images] == ["https://img/1.jpg"]
    assert load(services, m).images == []


def test_another_senders_photo_or_an_old_one_is_not_taken(
    chat: Chat, services: AppServices, clock: ManualClock
) -> None:
    chat.send("[图片]", sender="wgy_sun", images=("https://img/sun.jpg",))
    chat.send("[图片]", images=("https://img/old.jpg",))
    clock.advance(timedelta(minutes=2, seconds=1))
    (n,) = chat.send("这里垃圾没人清 东湖家园北门").tickets
    assert load(services, n).images == []
