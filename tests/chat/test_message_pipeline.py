"""The message pipeline reads a message once: cleaned once, parsed once, learned words read first."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import event

from bot.app_services import AppServices
from bot.parsing.parser import Learned, ParsedMessage
from models import RoutingCorrection
from tests.support.chat import Chat

REPORT = "府前街与南环路交叉口西北角垃圾堆了两天了"


def teach(services: AppServices, word: str, category: str, unit: str) -> None:
    """A word supervisors' corrections agreed on often enough to route reports."""
    now = services.clock.now()
    with services.session_factory() as session, session.begin():
        session.add(
            RoutingCorrection(
                word=word,
                category=category,
                unit=unit,
                count=services.cfg.parser.learn_after,
                ticket_ids=[],
                first_at=now,
                last_at=now,
                last_actor_id="ccb_wang",
            )
        )


def test_a_report_is_cleaned_once_and_parsed_once_with_the_learned_words(
    chat: Chat, services: AppServices, monkeypatch: pytest.MonkeyPatch
) -> None:
    teach(services, "黑三轮", "ads", "cgzf")
    parser = services.intake.parser
    real_clean, real_parse = parser.clean, parser.parse_clean
    cleaned: list[str] = []
    parsed_with: list[Learned | None] = []

    def clean(text: str) -> str:
        cleaned.append(text)
        return real_clean(text)

    def parse_clean(text: str, learned: Learned | None = None) -> ParsedMessage:
        parsed_with.append(learned)
        return real_parse(text, learned)

    monkeypatch.setattr(parser, "clean", clean)
    monkeypatch.setattr(parser, "parse_clean", parse_clean)  # `parse` calls it too
    outcome = chat.send(REPORT)
    assert len(outcome.tickets) == 1 and outcome.replies[0].text.startswith(f"已登记 #{outcome.tickets[0]}")
    assert cleaned == [REPORT]
    assert len(parsed_with) == 1 and parsed_with[0] is not None  # the one parse already knows 黑三轮


def test_a_command_is_never_parsed(chat: Chat, services: AppServices, monkeypatch: pytest.MonkeyPatch) -> None:
    n = chat.report(REPORT)
    parser = services.intake.parser
    calls: list[str] = []
    monkeypatch.setattr(parser, "parse_clean", lambda text, learned=None: calls.append(text))
    assert chat.say(f"认领 {n}", sender="hws_chen").startswith(f"#{n}")
    assert calls == []


def test_the_learned_words_are_read_before_the_message_is_recorded(chat: Chat, services: AppServices) -> None:
    """The write transaction (on SQLite, the write lock) starts when the message is recorded."""
    teach(services, "黑三轮", "ads", "cgzf")
    statements: list[str] = []

    def record(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        statements.append(" ".join(statement.split()).lower())

    event.listen(services.engine, "before_cursor_execute", record)
    try:
        chat.report(REPORT)
    finally:
        event.remove(services.engine, "before_cursor_execute", record)
    learned = next(i for i, s in enumerate(statements) if "from routing_corrections" in s)
    recorded = next(i for i, s in enumerate(statements) if s.startswith("insert into inbound_messages"))
    assert learned < recorded
    assert not any("from routing_corrections" in s for s in statements[recorded:])
