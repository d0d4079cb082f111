"""Short Chinese renderings shared by the reply texts: hours, times, one-line tickets."""

from __future__ import annotations

from datetime import datetime
from typing import NamedTuple, Protocol
from zoneinfo import ZoneInfo

from bot.core.echo_safety import echo
from bot.tickets.status_labels import status_label
from config.schema import GuanjiaConfig
from models import Ticket, TicketStatus

# Said of a ticket with no place, wherever it is shown (chat, digests, the web ledger).
NO_PLACE = "未注明地点"


def hours_text(hours: float | None) -> str:
    """The one rendering of a duration given in hours: 40分钟, 5.5小时, 24小时, 3天, 4天4小时.

    Deadlines, extensions, reminders and the digests' averages all use it, so the same
    number of hours reads the same everywhere. From two days on it is days and whole
    hours, as `late` counts: exact enough for a deadline, short enough for an average.
    """
    if hours is None:
        return "—"
    if hours < 1:
        return f"{round(hours * 60)}分钟"
    if hours < 48:
        return f"{hours:.1f}小时".replace(".0小时", "小时")
    days, rest = divmod(round(hours), 24)
    return f"{days}天{rest}小时" if rest else f"{days}天"


def time_text(cfg: GuanjiaConfig, instant: datetime | None) -> str:
    if instant is None:
        return "—"
    local = instant.astimezone(ZoneInfo(cfg.timezone))
    return f"{local.month}月{local.day}日 {local:%H:%M}"


def category_tag(cfg: GuanjiaConfig, ticket: Ticket) -> str:
    urgent = "紧急·" if ticket.urgent else ""
    return f"【{urgent}{cfg.category_name(ticket.category)}】"


class Located(Protocol):
    """A ticket, or a summary of one (bot/tickets/hot_writes.Repeated): what has a place."""

    @property
    def location(self) -> str | None: ...


def place_text(ticket: Located) -> str:
    """The ticket's place for a chat text (defanged), or NO_PLACE."""
    return echo(ticket.location) or NO_PLACE


def ticket_line(cfg: GuanjiaConfig, ticket: Ticket) -> str:
    """One line for lists: number, category, place, unit, status and the next deadline."""
    line = f"#{ticket.id}{category_tag(cfg, ticket)}{place_text(ticket)} · {cfg.unit_name(ticket.unit)}"
    line += f" · {status_label(ticket.status)}"
    if ticket.status == TicketStatus.DISPATCHED:
        line += f" · 认领截止{time_text(cfg, ticket.claim_deadline)}"
    elif ticket.status == TicketStatus.CLAIMED:
        line += f" · 整改截止{time_text(cfg, ticket.fix_deadline)}"
    return line


class Listed(NamedTuple):
    """The first tickets of a chat list and how many there are in all."""

    tickets: list[Ticket]
    total: int


LISTED = 20  # tickets a chat list shows


def list_text(cfg: GuanjiaConfig, title: str, listed: Listed) -> str:
    if not listed.tickets:
        return f"{title}：无"
    lines = [f"{title}（{listed.total}）："]
    lines += [ticket_line(cfg, t) for t in listed.tickets]
    if listed.total > len(listed.tickets):
        lines.append(f"……另有{listed.total - len(listed.tickets)}条")
    return "\n".join(lines)


def deadline_phrase(cfg: GuanjiaConfig, ticket: Ticket) -> str:
    """'请2小时内认领、24小时内整改', or the clock times when the category counts working hours."""
    if ticket.claim_deadline is None or ticket.fix_deadline is None or ticket.dispatched_at is None:
        return ""
    category = cfg.categories.get(ticket.category)
    if category is not None and category.clock == "working" and not ticket.urgent:
        return (
            f"请于{time_text(cfg, ticket.claim_deadline)}前认领、"
            f"{time_text(cfg, ticket.fix_deadline)}前整改（按工作时计）"
        )
    claim_h = (ticket.claim_deadline - ticket.dispatched_at).total_seconds() / 3600
    fix_h = (ticket.fix_deadline - ticket.dispatched_at).total_seconds() / 3600
    return f"请{hours_text(claim_h)}内认领、{hours_text(fix_h)}内整改"
