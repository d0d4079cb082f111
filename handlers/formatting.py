"""Short Chinese renderings shared by the reply texts: hours, times, one-line tickets."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from bot.status_labels import status_label
from config.schema import GuanjiaConfig
from models import Ticket


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
    return ticket.location or "未注明"


def ticket_line(cfg: GuanjiaConfig, ticket: Ticket) -> str:
    """One line for lists: number, category, place, unit, status and the next deadline."""
    line = f"#{ticket.id}{category_tag(cfg, ticket)}{place_text(ticket)} · {cfg.unit_name(ticket.unit)}"
    line += f" · {status_label(ticket.status)}"
    if ticket.status == "dispatched":
        line += f" · 认领截止{time_text(cfg, ticket.claim_deadline)}"
    elif ticket.status == "claimed":
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
