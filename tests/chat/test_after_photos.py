"""A photo sent on its own by the member who claimed a ticket is that ticket's after-photo."""

from __future__ import annotations

from datetime import timedelta

from bot.app_services import AppServices
from bot.core.clock import ManualClock
from models import Ticket
from tests.support.chat import Chat

GARBAGE = "府前街与南环路交叉口西北角垃圾堆了两天了"


def images(services: AppServices, ticket_id: int) -> list[tuple[str, str]]:
    with services.session_factory() as session:
        return [(i.kind, i.url) for i in session.get_one(Ticket, ticket_id).images]


def test_photo_after_claim_is_an_after_photo(chat: Chat, services: AppServices, clock: ManualClock) -> None:
    n = chat.report(GARBAGE)
    chat.say(f"认领 {n}", sender="hws_chen")
    clock.advance(timedelta(hours=3))
    outcome = chat.send("[图片]", sender="hws_chen", images=("https://img/after-1.jpg",))
    assert outcome.replies[0].text == f"已收到 #{n} 的整改照片1张"
    assert outcome.tickets == [n]
    assert images(services, n) == [("after", "https://img/after-1.jpg")]
    chat.say(f"完成 {n} 已清运", sender="hws_chen")
    chat.send("", sender="hws_chen", images=("https://img/after-2.jpg",))
    assert images(services, n)[-1] == ("after", "https://img/after-2.jpg")


def test_photo_from_someone_else_or_too_late_is_not_attached(
    chat: Chat, services: AppServices, clock: ManualClock
) -> None:
    n = chat.report(GARBAGE)
    chat.say(f"认领 {n}", sender="hws_chen")
    clock.advance(timedelta(minutes=30))
    assert chat.send("[图片]", sender="jtzd_zhou", images=("https://img/x.jpg",)).tickets == []
    clock.advance(timedelta(hours=25))
    assert chat.send("[图片]", sender="hws_chen", images=("https://img/late.jpg",)).tickets == []
    assert images(services, n) == []
