"""Short Chinese renderings shared by the reply texts: hours, times, one-line tickets."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from bot.core.echo_safety import echo
from bot.tickets.status_labels import status_label
from config.schema import GuanjiaConfig
from models import Ticket, TicketStatus


def hours_text(hours: float) -> str:
    if hours < 1:
        return f"{round(hours * 60)}分钟"
    if hours >= 48 and hours % 24 == 0:
        return f"{int(hours // 24)}天"
    return f"{hours:g}小时"


def time_text(cfg: GuanjiaConfig, instant: datetime | None) -> str:
    if instant is None:
        return "—"
    local = instant.astimezone(ZoneInfo(cfg.timezone))
    return f"{local.month}月{local.day}日 {local:%H:%M}"


def category_tag(cfg: GuanjiaConfig, ticket: Ticket) -> str:
    urgent = "紧急·" if ticket.urgent else ""
    return f"【{urgent}{cfg.category_name(ticket.category)}】"


def place_text(ticket: Ticket) -> str:
    return echo(ticket.location) or "未注明"


def ticket_line(cfg: GuanjiaConfig, ticket: Ticket) -> str:
    """One line for lists: number, category, place, unit, status and the next deadline."""
    line = f"#{ticket.id}{category_tag(cfg, ticket)}{place_text(ticket)} · {cfg.unit_name(ticket.unit)}"
    line += f" · {status_label(ticket.status)}"
    if ticket.status == TicketStatus.DISPATCHED:
        line += f" · 认领截止{time_text(cfg, ticket.claim_deadline)}"
    elif ticket.status == TicketStatus.CLAIMED:
        line += f" · 整改截止{time_text(cfg, ticket.fix_deadline)}"
    return line


def list_text(cfg: GuanjiaConfig, title: str, tickets: list[Ticket], limit: int = 20) -> str:
    if not tickets:
        return f"{title}：无"
    lines = [f"{title}（{len(tickets)}）："]
    lines += [ticket_line(cfg, t) for t in tickets[:limit]]
    if len(tickets) > limit:
        lines.append(f"……另有{len(tickets) - limit}条")
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
