"""拒绝延期 says the deadline as it is: still ahead ("请按原期限…前整改") or gone ("已过…")."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from bot.app_services import AppServices
from bot.core.clock import ManualClock
from models import Ticket
from tests.support.chat import Chat

SH = ZoneInfo("Asia/Shanghai")
BIKES = "菜市场东门共享单车乱停一大片"  # 交通局 (jtj_wu): fix 24 h


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=SH)


def asked_for_more_time(chat: Chat, clock: ManualClock, when: str) -> int:
    clock.set(at("2026-12-07T09:00"))
    n = chat.report(BIKES)  # fix by 12月8日 09:00
    chat.say(f"{n}号收到", sender="jtj_wu")
    clock.set(at(when))
    chat.say(f"延期 {n} 1天 车辆太多需要协调企业", sender="jtj_wu")
    return n


def test_rejecting_an_extension_past_the_deadline_says_how_late(
    chat: Chat, services: AppServices, clock: ManualClock
) -> None:
    n = asked_for_more_time(chat, clock, "2026-12-08T10:00")
    clock.set(at("2026-12-08T12:00"))
    reply = chat.say(f"拒绝延期 {n} 今天必须处理完", sender="ccb_wang")
    assert reply == f"#{n} 延期申请未同意（今天必须处理完），原整改期限12月8日 09:00已过3小时，请尽快整改"
    with services.session_factory() as session:
        ticket = session.get_one(Ticket, n)
        assert (ticket.status, ticket.pending_extension_hours) == ("claimed", None)
        assert ticket.fix_deadline == at("2026-12-08T09:00")


def test_rejecting_an_extension_before_the_deadline_keeps_it(chat: Chat, clock: ManualClock) -> None:
    n = asked_for_more_time(chat, clock, "2026-12-08T06:00")
    clock.set(at("2026-12-08T07:00"))
    reply = chat.say(f"拒绝延期 {n}", sender="ccb_wang")
    assert reply == f"#{n} 延期申请未同意，请按原期限12月8日 09:00前整改"
