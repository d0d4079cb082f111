"""回头看: closed tickets are sampled for re-inspection once, and a 反弹 reopens them to the unit."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import Engine, func, select

from bot.app_services import AppServices, build_services
from bot.core.clock import ManualClock
from bot.reports import periods
from bot.reports.kpi import unit_kpis
from bot.reports.periods import Period
from bot.reports.summaries import weekly_summary
from bot.tickets.aftercare import is_sampled
from config.aftercare_schema import RecheckConfig
from config.schema import GuanjiaConfig
from config.settings import Settings
from models import OutboxMessage, Recheck, Ticket, TicketEvent, TicketImage
from tests.support.chat import Chat

GARBAGE = "府前街与南环路交叉口西北角垃圾堆了两天了"
PHOTO = ("https://img/recheck-1.jpg",)


def closed_ticket(chat: Chat, clock: ManualClock, text: str = GARBAGE, member: str = "hws_chen") -> int:
    """A ticket reported, fixed by its unit (环卫中心 by default) and verified by its reporter."""
    n = chat.report(text)
    chat.say(f"认领 {n}", sender=member)
    clock.advance(timedelta(hours=2))
    chat.say(f"完成 {n} 已清运", sender=member, images=("https://img/after.jpg",))
    assert "验收通过" in chat.say(f"验收 {n} 通过")
    return n


@pytest.fixture
def every_ticket(settings: Settings, cfg: GuanjiaConfig, clock: ManualClock, engine: Engine) -> AppServices:
    """Services whose 回头看 samples every closed ticket (share 1), inspector 孙巡查."""
    recheck = RecheckConfig(closed_days=7, share=1.0, inspectors=["wgy_sun"])
    return build_services(settings, cfg.model_copy(update={"recheck": recheck}), clock=clock, engine=engine)


def rechecks(services: AppServices) -> list[tuple[int, str, str | None]]:
    with services.session_factory() as session:
        rows = session.scalars(select(Recheck).order_by(Recheck.ticket_id))
        return [(r.ticket_id, r.inspector_id, r.result) for r in rows]


def sweep(services: AppServices, clock: ManualClock) -> list[str]:
    report = services.scheduler.run_due(clock.now())
    assert report.failed == []
    return [d for d in report.digests if d.startswith("回头看")]


def test_sampled_at_closed_days_once_with_a_reminder_to_the_inspector(
    every_ticket: AppServices, clock: ManualClock
) -> None:
    chat = Chat(every_ticket)
    n = closed_ticket(chat, clock)
    clock.advance(timedelta(days=6, hours=23))
    assert sweep(every_ticket, clock) == []
    assert rechecks(every_ticket) == []
    clock.advance(timedelta(hours=2))
    assert sweep(every_ticket, clock) == [f"回头看 #{n}"]
    clock.advance(timedelta(days=3))
    assert sweep(every_ticket, clock) == []  # a ticket is sampled once
    assert rechecks(every_ticket) == [(n, "wgy_sun", None)]
    with every_ticket.session_factory() as session:
        queued = session.scalars(select(OutboxMessage).where(OutboxMessage.kind == "recheck")).all()
        assert len(queued) == 1
        assert queued[0].mentions == ["wgy_sun"]
        assert f"回头看 {n} 合格" in queued[0].text and "孙巡查" in queued[0].text


def test_share_is_respected_and_reproducible(cfg: GuanjiaConfig) -> None:
    fifth = cfg.model_copy(update={"recheck": RecheckConfig(share=0.2)})
    tickets = [Ticket(id=i, category="garbage") for i in range(1, 2001)]
    chosen = [t.id for t in tickets if is_sampled(fifth, t)]
    assert 0.17 < len(chosen) / len(tickets) < 0.23
    assert chosen == [t.id for t in tickets if is_sampled(fifth, t)]
    none = cfg.model_copy(update={"recheck": RecheckConfig(share=0.0)})
    assert not any(is_sampled(none, t) for t in tickets)


def test_all_categories_are_always_sampled(
    settings: Settings, cfg: GuanjiaConfig, clock: ManualClock, engine: Engine
) -> None:
    recheck = RecheckConfig(share=0.0, all_categories=["garbage"], inspectors=["wgy_sun"])
    services = build_services(settings, cfg.model_copy(update={"recheck": recheck}), clock=clock, engine=engine)
    chat = Chat(services)
    garbage = closed_ticket(chat, clock)
    other = closed_ticket(chat, clock, "幸福里小区3号楼楼道里堆满了旧家具杂物", member="ccb_wang")
    clock.advance(timedelta(days=8))
    sweep(services, clock)
    assert [row[0] for row in rechecks(services)] == [garbage]
    with services.session_factory() as session:
        assert session.get_one(Ticket, other).category != "garbage"


def test_still_fixed_with_a_photo(every_ticket: AppServices, clock: ManualClock) -> None:
    chat = Chat(every_ticket)
    n = closed_ticket(chat, clock)
    clock.advance(timedelta(days=7, hours=1))
    sweep(every_ticket, clock)
    reply = chat.say(f"回头看 {n} 仍合格", sender="wgy_sun", images=PHOTO)
    assert reply.startswith(f"#{n}") and "回头看仍合格" in reply
    assert rechecks(every_ticket) == [(n, "wgy_sun", "passed")]
    with every_ticket.session_factory() as session:
        ticket = session.get_one(Ticket, n)
        assert ticket.status == "closed"
        assert [(i.kind, i.url) for i in ticket.images if i.kind == "recheck"] == [("recheck", PHOTO[0])]
        assert ticket.events[-1].type == "recheck_passed"
    assert "已回头看过" in chat.say(f"回头看 {n} 合格", sender="wgy_sun", images=PHOTO)


def test_a_result_without_a_photo_is_refused_and_changes_nothing(every_ticket: AppServices, clock: ManualClock) -> None:
    chat = Chat(every_ticket)
    n = closed_ticket(chat, clock)
    clock.advance(timedelta(days=7, hours=1))
    sweep(every_ticket, clock)
    assert chat.say(f"回头看 {n} 合格", sender="wgy_sun") == f"回头看须附现场照片，请发照片并写：回头看 {n} 合格"
    assert "须附现场照片" in chat.say(f"回头看 {n} 反弹 又堆了", sender="wgy_sun")
    assert rechecks(every_ticket) == [(n, "wgy_sun", None)]
    with every_ticket.session_factory() as session:
        assert session.get_one(Ticket, n).status == "closed"


def test_rebound_reopens_to_the_unit_with_a_fresh_deadline_and_counts_against_it(
    every_ticket: AppServices, clock: ManualClock
) -> None:
    chat = Chat(every_ticket)
    n = closed_ticket(chat, clock)
    kept = closed_ticket(chat, clock, "人民路公交站旁边垃圾桶满溢了没人清")
    period_start = clock.now()
    clock.advance(timedelta(days=7, hours=1))
    sweep(every_ticket, clock)
    chat.say(f"回头看 {kept} 合格", sender="wgy_sun", images=PHOTO)
    reply = chat.say(f"回头看 {n} 反弹 垃圾又堆起来了", sender="wgy_sun", images=PHOTO)
    assert "回头看反弹（垃圾又堆起来了），已重新交办环卫中心" in reply
    now = clock.now()
    with every_ticket.session_factory() as session:
        ticket = session.get_one(Ticket, n)
        assert (ticket.status, ticket.unit, ticket.closed_at, ticket.fixed_at) == ("dispatched", "hws", None, None)
        assert ticket.dispatched_at == now and ticket.fix_deadline == now + timedelta(hours=24)
        assert ticket.events[-1].type == "rebound" and ticket.events[-1].note == "垃圾又堆起来了"
        period = Period(period_start.date(), now.date(), period_start, now + timedelta(seconds=1))
        hws = unit_kpis(session, every_ticket.cfg, period, now)["hws"]
    assert (hws.rechecked, hws.rebounds, hws.rebound_rate) == (2, 1, 0.5)
    chat.say(f"认领 {n}", sender="hws_chen")  # the unit works on it again as on any dispatched ticket
    with every_ticket.session_factory() as session:
        assert session.get_one(Ticket, n).status == "claimed"


def test_the_weekly_digest_shows_the_rebound_rate(every_ticket: AppServices, clock: ManualClock) -> None:
    chat = Chat(every_ticket)
    n = closed_ticket(chat, clock)
    kept = closed_ticket(chat, clock, "人民路公交站旁边垃圾桶满溢了没人清")
    clock.advance(timedelta(days=7, hours=1))
    sweep(every_ticket, clock)
    chat.say(f"回头看 {kept} 合格", sender="wgy_sun", images=PHOTO)
    chat.say(f"回头看 {n} 反弹 垃圾又堆起来了", sender="wgy_sun", images=PHOTO)
    clock.advance(timedelta(days=7))
    now = clock.now()
    with every_ticket.session_factory() as session:
        on = periods.local_date(every_ticket.cfg, now)
        digest = weekly_summary(session, every_ticket.cfg, on, now, chart=False).text
    assert "反弹率50%（回头看2件，反弹1件）" in digest.split("▪环卫中心：")[1].split("\n")[1]


def test_rebound_needs_a_description(every_ticket: AppServices, clock: ManualClock) -> None:
    chat = Chat(every_ticket)
    n = closed_ticket(chat, clock)
    clock.advance(timedelta(days=7, hours=1))
    sweep(every_ticket, clock)
    assert "请写明反弹情况" in chat.say(f"回头看 {n} 反弹", sender="wgy_sun", images=PHOTO)


def test_a_stranger_cannot_record_a_recheck_and_an_unsampled_ticket_has_none(
    every_ticket: AppServices, clock: ManualClock
) -> None:
    chat = Chat(every_ticket)
    n = closed_ticket(chat, clock)
    assert chat.say(f"回头看 {n} 合格", sender="wgy_sun", images=PHOTO) == f"#{n} 未被抽中回头看"
    clock.advance(timedelta(days=7, hours=1))
    sweep(every_ticket, clock)
    # The unit that fixed it may not pass its own work, nor may the reporter.
    for sender in ("hws_chen", "wgy_li"):
        assert "只有创城办或回头看督查员可以回头看" in chat.say(f"回头看 {n} 合格", sender=sender, images=PHOTO)
    assert rechecks(every_ticket) == [(n, "wgy_sun", None)]
    with every_ticket.session_factory() as session:
        count = session.scalar(select(func.count()).select_from(TicketImage).where(TicketImage.kind == "recheck"))
        assert count == 0
        assert session.scalar(select(func.count()).where(TicketEvent.type == "rebound")) == 0
