"""满意度: the reporter rates a closed ticket within the window; 不满意 reopens it as 二次督办."""

from __future__ import annotations

from datetime import timedelta

from fastapi.testclient import TestClient
from sqlalchemy import func, select

from bot.app_services import AppServices
from bot.core.clock import ManualClock
from bot.reports import periods
from bot.reports.kpi import unit_kpis
from bot.reports.periods import Period
from bot.reports.summaries import weekly_summary
from models import Ticket, TicketEvent
from tests.support.chat import Chat
from tests.support.web_helpers import login, make_user
from tests.tickets.test_recheck import closed_ticket
from tests.web.test_web_units import _cells


def status(services: AppServices, n: int) -> str:
    with services.session_factory() as session:
        return session.get_one(Ticket, n).status


def rating_events(services: AppServices) -> int:
    with services.session_factory() as session:
        answers = ("satisfied", "dissatisfied")
        return session.scalar(select(func.count()).where(TicketEvent.type.in_(answers))) or 0


def test_satisfied_within_the_window_counts_once(chat: Chat, services: AppServices, clock: ManualClock) -> None:
    start = clock.now()
    n = closed_ticket(chat, clock)
    clock.advance(timedelta(hours=71))
    assert chat.say(f"满意 {n}") == f"#{n}【垃圾与环境卫生】已记录：满意，感谢反馈 🙏"
    assert chat.say(f"满意 {n}") == f"#{n} 已评价过"
    assert chat.say(f"不满意 {n} 又脏了") == f"#{n} 已评价过"
    assert status(services, n) == "closed"
    now = clock.now()
    with services.session_factory() as session:
        period = Period(start.date(), now.date(), start, now + timedelta(seconds=1))
        hws = unit_kpis(session, services.cfg, period, now)["hws"]
    assert (hws.rated, hws.satisfied, hws.satisfaction_rate) == (1, 1, 1.0)


def test_dissatisfied_reopens_as_second_supervision_and_notifies_leaders(
    chat: Chat, services: AppServices, clock: ManualClock
) -> None:
    start = clock.now()
    n = closed_ticket(chat, clock)
    kept = closed_ticket(chat, clock, "人民路公交站旁边垃圾桶满溢了没人清")
    clock.advance(timedelta(hours=5))
    chat.say(f"满意 {kept}")
    outcome = chat.send(f"不满意 {n} 只清了一半")
    reply = outcome.replies[0]
    assert reply.text.startswith(f"🚨 二次督办 #{n}") and "上报人不满意（只清了一半）" in reply.text
    assert "已重新交办环卫中心" in reply.text
    assert "ld_ma" in reply.mentions and "hws_chen" in reply.mentions
    now = clock.now()
    with services.session_factory() as session:
        ticket = session.get_one(Ticket, n)
        assert (ticket.status, ticket.unit, ticket.closed_at) == ("dispatched", "hws", None)
        assert ticket.dispatched_at == now and ticket.fix_deadline == now + timedelta(hours=24)
        event = ticket.events[-1]
        assert (event.type, event.note, event.actor_id) == ("dissatisfied", "只清了一半", "wgy_li")
        assert event.data == {"unit": "hws", "escalated": True}
        period = Period(start.date(), now.date(), start, now + timedelta(seconds=1))
        hws = unit_kpis(session, services.cfg, period, now)["hws"]
    assert (hws.rated, hws.satisfied, hws.satisfaction_rate) == (2, 1, 0.5)


def test_dissatisfied_needs_a_reason_and_changes_nothing_without(
    chat: Chat, services: AppServices, clock: ManualClock
) -> None:
    n = closed_ticket(chat, clock)
    assert chat.say(f"不满意 {n}") == f"请写明不满意的原因，例如：不满意 {n} 垃圾没清干净"
    assert status(services, n) == "closed"
    assert rating_events(services) == 0


def test_after_the_window_the_answer_is_refused(chat: Chat, services: AppServices, clock: ManualClock) -> None:
    n = closed_ticket(chat, clock)
    clock.advance(timedelta(hours=72, minutes=1))
    refused = f"#{n} 销账已超过72小时，不能再评价；如问题仍在，请重新上报"
    assert chat.say(f"不满意 {n} 又脏了") == refused
    assert chat.say(f"满意 {n}") == refused
    assert status(services, n) == "closed"
    assert rating_events(services) == 0


def test_a_stranger_cannot_answer_someone_elses_ticket(chat: Chat, services: AppServices, clock: ManualClock) -> None:
    n = closed_ticket(chat, clock)
    for sender in ("wgy_sun", "hws_chen", "ccb_wang"):
        assert chat.say(f"不满意 {n} 我觉得不行", sender=sender) == f"只有上报人可以评价满意度 #{n}"
    assert status(services, n) == "closed"
    assert rating_events(services) == 0


def test_an_open_ticket_cannot_be_rated(chat: Chat, services: AppServices) -> None:
    n = chat.report("府前街与南环路交叉口西北角垃圾堆了两天了")
    assert chat.say(f"满意 {n}") == f"#{n} 当前状态为「待认领」，不能评价满意度"


def test_rating_a_fix_not_yet_verified_says_how_to_verify_it(chat: Chat, services: AppServices) -> None:
    """ "1号满意" right after the unit reported the fix: the reporter means 验收 通过."""
    n = chat.report("府前街与南环路交叉口西北角垃圾堆了两天了")
    chat.say(f"完成 {n}", sender="hws_chen")
    assert chat.say(f"{n}号满意") == f"#{n} 当前状态为「待验收」，不能评价满意度；满意请先验收：验收 {n} 通过"
    assert chat.say(f"不满意 {n} 还有") == (
        f"#{n} 当前状态为「待验收」，不能评价满意度；不满意请发：验收 {n} 不通过 原因"
    )
    assert status(services, n) == "fixed"


def test_the_weekly_digest_and_the_units_page_show_the_satisfaction_rate(
    client: TestClient, chat: Chat, services: AppServices, clock: ManualClock
) -> None:
    good = closed_ticket(chat, clock)
    bad = closed_ticket(chat, clock, "人民路公交站旁边垃圾桶满溢了没人清")
    chat.say(f"满意 {good}")
    chat.say(f"不满意 {bad} 只清了一半")
    clock.advance(timedelta(days=7))  # the next Monday: the weekly digest covers the week of the answers
    now = clock.now()
    with services.session_factory() as session:
        digest = weekly_summary(session, services.cfg, periods.local_date(services.cfg, now), now, chart=False).text
    hws_line = digest.split("▪环卫中心：")[1].split("\n")[1]
    assert "满意率50%（评价2件）" in hws_line
    make_user(services, "wang", "supervisor")
    login(client, "wang")
    assert _cells(client.get("/units").text, "环卫中心")[-2:] == ["—", "50%"]  # 反弹率, 满意率


def test_every_event_type_has_a_chinese_label() -> None:
    """A tester read "最近：… 王督查recategorized" in a 查询 answer."""
    from bot.tickets.status_labels import EVENT_LABELS
    from models import EventType

    types = {v for k, v in vars(EventType).items() if k.isupper() and isinstance(v, str)}
    assert types - set(EVENT_LABELS) == set()
