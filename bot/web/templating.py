"""The Jinja2 environment (autoescaped) and the small formatter the templates call as `fmt`."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from fastapi.templating import Jinja2Templates
from jinja2 import Environment, FileSystemLoader, StrictUndefined

from bot.reports.digest_format import late
from bot.tickets.formatting import NO_PLACE
from bot.tickets.status_labels import event_label, status_label
from config.schema import GuanjiaConfig
from models import Ticket, TicketStatus

WEB_DIR = Path(__file__).resolve().parent
S = TicketStatus

# Autoescape everything: ticket texts, names and notes come from chat messages.
_env = Environment(
    loader=FileSystemLoader(WEB_DIR / "templates"), autoescape=True, undefined=StrictUndefined, trim_blocks=True
)
# Templates compare statuses with the enum (`ticket.status == S.DISPATCHED`), never a spelled-out string.
_env.globals["S"] = TicketStatus
templates = Jinja2Templates(env=_env)


def is_overdue(ticket: Ticket, now: datetime) -> bool:
    """The digests' 超期 (bot.reports.digests.overdue_condition), for one loaded ticket."""
    claim_late = ticket.status == S.DISPATCHED and ticket.claim_deadline is not None and ticket.claim_deadline < now
    fix_late = ticket.status in (S.DISPATCHED, S.CLAIMED) and ticket.fix_deadline is not None
    return claim_late or (fix_late and ticket.fix_deadline is not None and ticket.fix_deadline < now)


class Fmt:
    """Times in the deployment's zone, labels, and how much time is left or how late."""

    def __init__(self, cfg: GuanjiaConfig, now: datetime) -> None:
        self.cfg = cfg
        self.now = now
        self.zone = ZoneInfo(cfg.timezone)

    def time(self, instant: datetime | None, year: bool = False) -> str:
        if instant is None:
            return "—"
        local = instant.astimezone(self.zone)
        if year or local.year != self.now.astimezone(self.zone).year:
            return f"{local:%Y-%m-%d %H:%M}"
        return f"{local:%m-%d %H:%M}"

    def place(self, ticket: Ticket) -> str:
        """The place as written (the page escapes it), or the same NO_PLACE the chat shows."""
        return ticket.location or NO_PLACE

    def unit(self, code: str | None) -> str:
        return self.cfg.unit_name(code) if code else "—"

    def category(self, code: str) -> str:
        return self.cfg.category_name(code)

    def status(self, status: str) -> str:
        return status_label(status)

    def event(self, event_type: str) -> str:
        return event_label(event_type)

    def overdue(self, ticket: Ticket) -> bool:
        return is_overdue(ticket, self.now)

    def due(self, ticket: Ticket) -> str:
        """The next deadline and the time left, or how late; a phrase for every status."""
        if ticket.status == S.TRIAGE:
            return "待创城办分拨"
        if ticket.status == S.FIXED:
            return f"{self.time(ticket.fixed_at)} 报完成，待验收"
        if ticket.status == S.CLOSED:
            return f"{self.time(ticket.closed_at)} 销账"
        if ticket.status == S.CANCELLED:
            return f"与 #{ticket.duplicate_of} 重复" if ticket.duplicate_of else "已撤销"
        if ticket.status == S.DISPATCHED and ticket.claim_deadline is not None:
            if ticket.claim_deadline < self.now:
                return f"超时未认领 {late(self.now - ticket.claim_deadline)}"
            if ticket.fix_deadline is None or ticket.fix_deadline >= self.now:
                return f"{self.time(ticket.claim_deadline)} 前认领（剩 {late(ticket.claim_deadline - self.now)}）"
        if ticket.fix_deadline is None:
            return "—"
        if ticket.fix_deadline < self.now:
            return f"超期未整改 {late(self.now - ticket.fix_deadline)}"
        return f"{self.time(ticket.fix_deadline)} 前整改（剩 {late(ticket.fix_deadline - self.now)}）"

    def left(self, deadline: datetime | None) -> str:
        if deadline is None:
            return ""
        if deadline < self.now:
            return f"已超 {late(self.now - deadline)}"
        return f"剩余 {late(deadline - self.now)}"
