"""Card clicks that arrive over a long connection: the same command, as the clicker, once.

Why not bot/api/card_clicks.py: that one runs inside a request (its intake limiter lives on the
app); here the connection's own task runs the intake on a worker thread. What a click means —
the text command it stands for, the clicker's permissions, dedupe on the platform's click id,
the group told only of a click that did something — is the shared code in bot/chat/cards.py.
"""

from __future__ import annotations

import asyncio

from bot.app_services import AppServices
from bot.chat.cards import CardView, Click, ClickResult, card_view, click_message
from bot.outbound.outbox import announce_click


def _view(services: AppServices, ticket_id: int) -> CardView | None:
    with services.session_factory() as session:
        return card_view(session, services.cfg, ticket_id)


async def current_view(services: AppServices, ticket_id: int) -> CardView | None:
    """Ticket `ticket_id`'s card as it stands now, read on a worker thread."""
    return await asyncio.to_thread(_view, services, ticket_id)


async def run_click(services: AppServices, click: Click) -> ClickResult | None:
    """Run the command the button stands for, as the clicker; None for a button no card offers."""
    incoming = click_message(click, services.cfg)
    if incoming is None or click.ticket_id is None:
        return None
    outcome = await asyncio.to_thread(services.intake.handle, incoming, (announce_click,))
    done = click.ticket_id in outcome.tickets
    text = "\n".join(r.text for r in outcome.replies) or "已处理"
    return ClickResult(done, text, await current_view(services, click.ticket_id))
