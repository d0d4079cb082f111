"""An @message (or a private one) that is neither a command nor a report is never ignored."""

from __future__ import annotations

import itertools
from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient

from bot.app_services import AppServices
from bot.chat.messages import IncomingMessage, Outcome
from bot.chat.unreported import HINT, QUESTION, WITHDRAWN
from bot.core.clock import ManualClock
from bot.parsing.parser import NOT_A_REPORT, ParsedMessage
from models import Ticket
from tests.support.web_helpers import login, make_user

_ids = itertools.count(1)
UNCLEAR = "@大管家 那边不太对劲"


def send(services: AppServices, text: str, sender: str = "wgy_li", addressed: bool = False) -> Outcome:
    msg = IncomingMessage(
        platform="test",
        msg_id=f"nr{next(_ids)}",
        group_id="demo",
        sender_id=sender,
        sender_name=services.cfg.display_name(sender),
        text=text,
        addressed=addressed,
    )
    return services.intake.handle(msg)


def say(services: AppServices, text: str, sender: str = "wgy_li", addressed: bool = False) -> str:
    return "\n".join(r.text for r in send(services, text, sender, addressed).replies)


def ticket(services: AppServices, ticket_id: int) -> Ticket:
    with services.session_factory() as session:
        found = session.get(Ticket, ticket_id)
        assert found is not None
        return found


def test_an_unclear_at_message_gets_one_question_and_the_answer_completes_it(
    services: AppServices, clock: ManualClock
) -> None:
    assert say(services, UNCLEAR) == QUESTION == "要登记为问题吗？请说明问题和地点"
    clock.advance(timedelta(minutes=1))
    outcome = send(services, "府前街与南环路交叉口西北角垃圾堆了两天了")
    (n,) = outcome.tickets
    assert outcome.replies[0].text.startswith(f"已登记 #{n}【垃圾与环境卫生】地点：府前街与南环路交叉口西北角")
    t = ticket(services, n)
    assert t.text == f"{UNCLEAR} 府前街与南环路交叉口西北角垃圾堆了两天了"
    assert (t.reporter_id, t.unit, t.status) == ("wgy_li", "hws", "dispatched")


def test_an_answer_that_is_still_no_report_is_registered_for_the_office(
    services: AppServices, clock: ManualClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    parser = services.intake.parser
    real = parser.parse_clean

    def parse_clean(clean: str, *args: object, **kwargs: object) -> ParsedMessage:
        # Built in the test: however the parser improves, these texts stay "not a report".
        return NOT_A_REPORT if "这个得有人来看看" in clean else real(clean, *args, **kwargs)  # type: ignore[arg-type]

    # The intake parses once, on the cleaned text (bot/chat/reading.py).
    monkeypatch.setattr(parser, "parse_clean", parse_clean)
    assert say(services, "@大管家 这个得有人来看看") == QUESTION
    clock.advance(timedelta(seconds=40))
    outcome = send(services, "就在南门口")
    (n,) = outcome.tickets
    reply = outcome.replies[0].text
    assert reply.startswith(f"已登记 #{n}【其他】") and "待创城办分拨" in reply
    assert set(outcome.replies[0].mentions) == {"ccb_wang", "ccb_zhao"}
    t = ticket(services, n)
    assert (t.category, t.status, t.location) == ("other", "triage", "就在南门口")


def test_a_bare_yes_registers_the_first_text(services: AppServices, clock: ManualClock) -> None:
    say(services, "@大管家 东关大街北口那块不太对劲")
    outcome = send(services, "是的")
    (n,) = outcome.tickets
    assert ticket(services, n).text == "@大管家 东关大街北口那块不太对劲"


def test_a_no_withdraws_the_question(services: AppServices) -> None:
    say(services, UNCLEAR)
    assert say(services, "不用了") == WITHDRAWN
    assert say(services, "好的") == ""  # the question is settled: an acknowledgement is chatter again


def test_after_the_window_the_next_message_is_read_alone_and_the_question_stays_listed(
    services: AppServices, client: TestClient, clock: ManualClock
) -> None:
    assert say(services, UNCLEAR) == QUESTION
    clock.advance(timedelta(minutes=2, seconds=1))
    for n in send(services, "就在南门口").tickets:  # read alone, whatever the parser makes of it
        assert "不太对劲" not in ticket(services, n).text
    make_user(services, "wang", "supervisor")
    login(client, "wang")
    page = client.get("/suspects").text
    assert "那边不太对劲" in page and "已询问，未回复" in page
    assert "就在南门口" not in page


def test_thanks_get_no_answer_and_questions_get_the_hint(services: AppServices) -> None:
    for thanks in ("@大管家 谢谢", "@大管家 收到", "@创城大管家 好的"):
        assert send(services, thanks) == Outcome(), thanks
    for question in (
        "@大管家 你好",
        "@大管家 怎么报问题？",
        "@大管家 在吗",
        "@大管家 今天有多少问题",
        "@大管家 这个归谁管",
    ):
        assert say(services, question) == HINT, question
    assert "帮助" in HINT


def test_a_private_message_counts_as_addressed(services: AppServices) -> None:
    assert say(services, "谢谢", addressed=True) == ""
    assert say(services, "那边不太对劲", addressed=True) == QUESTION


def test_an_unaddressed_group_message_gets_no_question(services: AppServices) -> None:
    assert send(services, "那边不太对劲") == Outcome()
    for n in send(services, "就在南门口").tickets:  # read alone, whatever the parser makes of it
        assert "不太对劲" not in ticket(services, n).text


def test_a_report_or_a_command_at_the_bot_is_not_asked_about(services: AppServices) -> None:
    assert say(services, "@大管家 府前街与南环路交叉口西北角垃圾堆了两天了").startswith("已登记 #1")
    assert say(services, "@大管家 查询 1").startswith("#1")


def test_a_greeting_soon_after_a_report_is_answered_not_added_to_it(services: AppServices, clock: ManualClock) -> None:
    """Within the follow-up window a short line joins the sender's report; a greeting is not one."""
    (n,) = send(services, "府前街与南环路交叉口西北角垃圾堆了两天了").tickets
    clock.advance(timedelta(minutes=1))
    for greeting in ("@大管家 你好", "@创城大管家 在吗"):
        assert say(services, greeting) == HINT, greeting
    assert [e.type for e in ticket_events(services, n)] == ["reported", "dispatched"]
    assert say(services, "就在3号楼北边").startswith(f"已补充到 #{n}")  # a real follow-up still joins it


def ticket_events(services: AppServices, ticket_id: int) -> list[Any]:
    with services.session_factory() as session:
        found = session.get(Ticket, ticket_id)
        assert found is not None
        return list(found.events)
