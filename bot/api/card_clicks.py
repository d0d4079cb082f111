"""Card button clicks: each runs the text command it stands for, as the clicker.

Why through the intake: the click gets the clicker's identity and permissions from the same
command handler a typed `认领 12` reaches, and the platform's click id is the message id, so a
click delivered twice is handled once (the second gets the stored answer). A refused click
changes nothing (the command's savepoint is rolled back) and only the clicker is told why.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fastapi import Request, Response
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse
from sqlalchemy.orm import Session

from bot.adapters import feishu, feishu_cards
from bot.api.intake_calls import take_in
from bot.app_services import AppServices
from bot.chat.cards import CardView, card_view, click_command
from bot.chat.messages import IncomingMessage, Outcome
from bot.outbound.outbox import enqueue

UNKNOWN_BUTTON = "无法识别的按钮，请改用文字命令"


def _announce(session: Session, incoming: IncomingMessage, outcome: Outcome, now: datetime) -> None:
    """A click that did something is told to the group too (who claimed, who verified), like a
    typed command's reply; a refused click is told to the clicker alone, in the toast."""
    if not outcome.tickets:
        return
    for n, reply in enumerate(outcome.replies):
        enqueue(
            session,
            group_id=incoming.group_id,
            kind="reply",
            text=reply.text,
            mentions=reply.mentions,
            now=now,
            dedupe_key=f"reply:{incoming.platform}:{incoming.msg_id}:{n}"[:200],
        )


def _view(services: AppServices, ticket_id: int) -> CardView | None:
    with services.session_factory() as session:
        return card_view(session, services.cfg, ticket_id)


async def feishu_click(request: Request, services: AppServices, event: dict[str, Any]) -> Response:
    """Answer a signed `card.action.trigger`: a toast, and the card redrawn for the ticket's state."""
    try:
        click = feishu_cards.read_click(event, services.cfg)
    except feishu.NotAMessage:
        return JSONResponse(feishu_cards.click_answer(UNKNOWN_BUTTON, False, None))
    command = click_command(click.ticket_id, click.action) if click.ticket_id is not None else None
    if click.ticket_id is None or command is None:
        return JSONResponse(feishu_cards.click_answer(UNKNOWN_BUTTON, False, None))
    incoming = IncomingMessage(
        platform=feishu.PLATFORM,
        msg_id=f"card:{click.event_id}",
        group_id=click.group_id,
        sender_id=click.sender_id,
        sender_name=services.cfg.display_name(click.sender_id),
        text=command,
        addressed=True,
    )
    outcome = await take_in(request, services, incoming, (_announce,))
    done = click.ticket_id in outcome.tickets
    toast = "\n".join(r.text for r in outcome.replies) or ("已处理" if done else UNKNOWN_BUTTON)
    view = await run_in_threadpool(_view, services, click.ticket_id)
    card = feishu_cards.card_json(view.text, view.card, view.title) if view is not None else None
    return JSONResponse(feishu_cards.click_answer(toast, done, card))
