"""Short Chinese renderings for digests (rates, durations, signed changes, ticket lines) and the Digest itself."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from bot.reports.kpi_chart import ChartData
from bot.tickets.formatting import category_tag, place_text
from config.schema import GuanjiaConfig
from models import Ticket


@dataclass(frozen=True)
class Digest:
    text: str
    # The weekly/monthly bar chart, for platforms that show images (outbox `image_png_base64`).
    image_png_base64: str | None = None
    # What that chart shows (weekly/monthly), drawn or not yet: `summaries.with_chart` draws it.
    chart: ChartData | None = None


def pct(rate: float | None) -> str:
    return "—" if rate is None else f"{rate * 100:.0f}%"


def late(delta: timedelta) -> str:
    """How late: 2天3小时, 5小时20分钟, 40分钟."""
    minutes = max(int(delta.total_seconds() // 60), 0)
    days, minutes = divmod(minutes, 24 * 60)
    hrs, minutes = divmod(minutes, 60)
    if days:
        return f"{days}天{hrs}小时" if hrs else f"{days}天"
    if hrs:
        return f"{hrs}小时{minutes}分钟" if minutes else f"{hrs}小时"
    return f"{minutes}分钟"


def signed(value: float) -> str:
    """+3, -2.5, 持平."""
    value = round(value, 1)
    if value == 0:
        return "持平"
    return f"{int(value):+d}" if value == int(value) else f"{value:+.1f}"


def rate_change(now: float | None, before: float | None) -> str | None:
    if now is None or before is None:
        return None
    points = round((now - before) * 100)
    return "持平" if points == 0 else f"{points:+d}个百分点"


def ticket_head(cfg: GuanjiaConfig, ticket: Ticket) -> str:
    return f"#{ticket.id}{category_tag(cfg, ticket)}{place_text(ticket)} · {cfg.unit_name(ticket.unit)}"
