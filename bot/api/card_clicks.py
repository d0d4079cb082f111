"""Card button clicks: each runs the text command it stands for, as the clicker.

Why through the intake: the click gets the clicker's identity and permissions from the same
command handler a typed `认领 12` reaches, and the platform's click id is the message id, so a
click delivered twice is handled once (the second gets the stored answer). A refused click
changes nothing (the command's savepoint is rolled back) and only the clicker is told why.
"""

from __future__ import annotations

import logging
from typing import Any

from fastapi import Request, Response
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse

from bot.adapters import feishu, feishu_cards, wecom_cards
from bot.adapters.wecom_crypto import WXBizMsgCrypt
from bot.api.errors import error_response
from bot.api.intake_calls import take_in
from bot.app_services import AppServices
from bot.chat.cards import UNKNOWN_BUTTON, CardView, Click, ClickResult, card_view, click_message
from bot.chat.messages import Outcome
from bot.outbound.outbox import announce_click

log = logging.getLogger(__name__)


def _view(services: AppServices, ticket_id: int) -> CardView | None:
    with services.session_factory() as session:
        return card_view(session, services.cfg, ticket_id)


async def run_click(request: Request, services: AppServices, click: Click) -> ClickResult | None:
    """Run the command the button stands for, as the clicker; None for a button no card offers."""
    incoming = click_message(click, services.cfg)
    if incoming is None or click.ticket_id is None:
        return None
    outcome = await take_in(request, services, incoming, (announce_click,))
    done = click.ticket_id in outcome.tickets
    text = "\n".join(r.text for r in outcome.replies) or "已处理"
    view = await run_in_threadpool(_view, services, click.ticket_id)
    return ClickResult(done, text, view)


async def feishu_click(request: Request, services: AppServices, event: dict[str, Any]) -> Response:
    """Answer a signed `card.action.trigger`: a toast, and the card redrawn for the ticket's state.

    A click that cannot be read (no event_id, or a part that must be an object is not one) is no
    button guanjia drew: 422 naming the field, as for a malformed message, never a 500.
    """
    try:
        click = feishu_cards.read_click(event, services.cfg)
    except feishu.NotAMessage as exc:
        log.warning("feishu card click refused: %s", exc)
        return error_response(422, "invalid_request", str(exc))
    result = await run_click(request, services, click)
    if result is None:
        return JSONResponse(feishu_cards.click_answer(UNKNOWN_BUTTON, False, None))
    view = result.view
    card = feishu_cards.card_json(view.text, view.card, view.title) if view is not None else None
    return JSONResponse(feishu_cards.click_answer(result.text, result.done, card))


async def wecom_click(
    request: Request, services: AppServices, plain: bytes, crypt: WXBizMsgCrypt, nonce: str
) -> Response | None:
    """Answer a 智能机器人 `template_card_event` with the redrawn card; None: not a click.

    A click whose `from` is not an object names no clicker: 422, like a malformed message.
    """
    try:
        read = wecom_cards.read_click(plain, services.cfg)
    except wecom_cards.NotAMessage as exc:
        log.warning("wecom card click refused: %s", exc)
        return error_response(422, "invalid_request", str(exc))
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
