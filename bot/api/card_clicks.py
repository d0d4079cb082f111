"""Card button clicks: each runs the text command it stands for, as the clicker.

Why through the intake: the click gets the clicker's identity and permissions from the same
command handler a typed `认领 12` reaches, and the platform's click id is the message id, so a
click delivered twice is handled once (the second gets the stored answer). A refused click
changes nothing (the command's savepoint is rolled back) and only the clicker is told why.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from fastapi import Request, Response
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse
from sqlalchemy.orm import Session

from bot.adapters import feishu, feishu_cards, wecom_cards
from bot.adapters.wecom_crypto import WXBizMsgCrypt
from bot.api.intake_calls import take_in
from bot.app_services import AppServices
from bot.chat.cards import CardView, Click, card_view, click_command
from bot.chat.messages import IncomingMessage, Outcome
from bot.outbound.outbox import enqueue_replies

UNKNOWN_BUTTON = "无法识别的按钮，请改用文字命令"


def _announce(session: Session, incoming: IncomingMessage, outcome: Outcome, now: datetime) -> None:
    """A click that did something is told to the group too (who claimed, who verified), like a
    typed command's reply; a refused click is told to the clicker alone, in the toast."""
    if outcome.tickets:
        enqueue_replies(session, incoming, outcome, now)


def _view(services: AppServices, ticket_id: int) -> CardView | None:
    with services.session_factory() as session:
        return card_view(session, services.cfg, ticket_id)


@dataclass(frozen=True)
class ClickResult:
    done: bool  # the command changed the ticket; False: refused, nothing changed
    text: str  # what the command answered: the reason when refused
    view: CardView | None  # the ticket's card now


async def run_click(request: Request, services: AppServices, click: Click) -> ClickResult | None:
    """Run the command the button stands for, as the clicker; None for a button no card offers."""
    command = click_command(click.ticket_id, click.action) if click.ticket_id is not None else None
    if click.ticket_id is None or command is None:
        return None
    incoming = IncomingMessage(
        platform=click.platform,
        msg_id=f"card:{click.click_id}",
        group_id=click.group_id,
        sender_id=click.sender_id,
        sender_name=services.cfg.display_name(click.sender_id),
        text=command,
        addressed=True,
    )
    outcome = await take_in(request, services, incoming, (_announce,))
    done = click.ticket_id in outcome.tickets
    text = "\n".join(r.text for r in outcome.replies) or "已处理"
    view = await run_in_threadpool(_view, services, click.ticket_id)
    return ClickResult(done, text, view)


async def feishu_click(request: Request, services: AppServices, event: dict[str, Any]) -> Response:
    """Answer a signed `card.action.trigger`: a toast, and the card redrawn for the ticket's state."""
    try:
        click = feishu_cards.read_click(event, services.cfg)
    except feishu.NotAMessage:
        return JSONResponse(feishu_cards.click_answer(UNKNOWN_BUTTON, False, None))
    result = await run_click(request, services, click)
    if result is None:
        return JSONResponse(feishu_cards.click_answer(UNKNOWN_BUTTON, False, None))
    view = result.view
    card = feishu_cards.card_json(view.text, view.card, view.title) if view is not None else None
    return JSONResponse(feishu_cards.click_answer(result.text, result.done, card))


async def wecom_click(
    request: Request, services: AppServices, plain: bytes, crypt: WXBizMsgCrypt, nonce: str
) -> Response | None:
    """Answer a 智能机器人 `template_card_event` with the redrawn card; None: not a click."""
    read = wecom_cards.read_click(plain, services.cfg)
    if read is None:
        return None
    click, task, clicker = read
    result = await run_click(request, services, click)
    ts = str(int(services.clock.now().timestamp()))
    if result is None:
        body = wecom_cards.click_reply(False, UNKNOWN_BUTTON, None, task, clicker, crypt, nonce, ts)
    else:
        body = wecom_cards.click_reply(result.done, result.text, result.view, task, clicker, crypt, nonce, ts)
    content, media_type = body
    return Response(content=content, media_type=media_type)


def wecom_card_reply(
    services: AppServices, kind: str, outcome: Outcome, msg_id: str, crypt: WXBizMsgCrypt, nonce: str
) -> tuple[str, str] | None:
    """A 智能机器人's passive reply as a template card, when cards are on and it carries one."""
    if kind != "json" or not services.settings.wecom_bot_cards:
        return None
    return wecom_cards.card_reply(outcome, msg_id, crypt, nonce, str(int(services.clock.now().timestamp())))
