"""The card a reply carries: decided from the lifecycle table, so buttons and commands agree.

Why here: the reply's author (a report, 完成) knows the ticket; the platform adapters only
draw what `Card` says, and a click comes back as the text command the button stands for.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from bot.chat.messages import Card, IncomingMessage
from bot.tickets.formatting import category_tag, place_text
from bot.tickets.lifecycle import Action, card_actions
from bot.tickets.status_labels import status_label
from config.schema import GuanjiaConfig
from models import Ticket

# A button carries no words: the reason a 不通过 click records, and what the answer asks for.
BUTTON_FAIL_REASON = "按钮验收、未写原因"  # no "，": the command text is NFKC-folded to ","
# The text command each button stands for: a click runs it as the clicker (bot/api/card_clicks.py).
_COMMANDS = {
    Action.CLAIM: "认领 {n}",
    Action.RETURN: "退回 {n} 不属于本单位职责，按钮退回",
    Action.VERIFY_PASS: "验收 {n} 通过",
    Action.VERIFY_FAIL: "验收 {n} 不通过 " + BUTTON_FAIL_REASON,
}
BUTTON_LABELS = {
    Action.CLAIM: "认领",
    Action.RETURN: "退回",
    Action.VERIFY_PASS: "验收通过",
    Action.VERIFY_FAIL: "不通过",
}


def card_for(ticket: Ticket) -> Card | None:
    """The ticket's buttons now; None when it waits for no click (a duplicate, in triage, closed)."""
    if ticket.duplicate_of is not None:
        return None
    actions = card_actions(ticket.status)
    return Card(ticket.id, tuple(a.value for a in actions)) if actions else None


def cards_for(tickets: list[Ticket]) -> tuple[Card, ...]:
    return tuple(c for c in (card_for(t) for t in tickets) if c is not None)


def click_command(ticket_id: int, action: str) -> str | None:
    """The text a click on `action` stands for; None for an action no card offers."""
    template = next((t for a, t in _COMMANDS.items() if a.value == action), None)
    return template.format(n=ticket_id) if template is not None else None


@dataclass(frozen=True)
class Click:
    """A button pressed, as any platform delivers it."""

    platform: str
    click_id: str  # one per click; a retry of the same push keeps it (the intake's dedupe key)
    ticket_id: int | None  # None: the button names no ticket (not one of our cards)
    action: str
    sender_id: str
    group_id: str


UNKNOWN_BUTTON = "无法识别的按钮，请改用文字命令"


def click_message(click: Click, cfg: GuanjiaConfig) -> IncomingMessage | None:
    """The text command a click stands for, as a message from the clicker; None for a button no
    card offers. Its id is the platform's click id, so the intake dedupes a click pushed twice."""
    command = click_command(click.ticket_id, click.action) if click.ticket_id is not None else None
    if command is None:
        return None
    return IncomingMessage(
        platform=click.platform,
        msg_id=f"card:{click.click_id}",
        group_id=click.group_id,
        sender_id=click.sender_id,
        sender_name=cfg.display_name(click.sender_id),
        text=command,
        addressed=True,
    )


@dataclass(frozen=True)
class ClickResult:
    done: bool  # the command changed the ticket; False: refused, nothing changed
    text: str  # what the command answered: the reason when refused
    view: CardView | None  # the ticket's card now


@dataclass(frozen=True)
class CardView:
    """A ticket's card as it stands now: what a click's answer redraws."""

    title: str
    text: str
    card: Card | None
    status: str  # the status's label, e.g. 整改中


def card_view(session: Session, cfg: GuanjiaConfig, ticket_id: int) -> CardView | None:
    """The card for ticket `ticket_id` in its current state; None when there is no such ticket."""
    ticket = session.get(Ticket, ticket_id)
    if ticket is None:
        return None
    text = (
        f"#{ticket.id}{category_tag(cfg, ticket)}地点：{place_text(ticket)}\n"
        f"{cfg.unit_name(ticket.unit)}　状态：{status_label(ticket.status)}"
    )
    return CardView(f"工单 #{ticket.id}", text, card_for(ticket), status_label(ticket.status))
