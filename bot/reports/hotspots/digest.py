"""The weekly digest's 顽疾 line: the top hotspots in the D days up to the end of the week."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from bot.reports.hotspots.counting import hotspots
from bot.reports.periods import Period
from config.schema import GuanjiaConfig


def hotspot_lines(session: Session, cfg: GuanjiaConfig, period: Period, now: datetime) -> list[str]:
    """One heading line and the top `hotspots.digest_top` places, or a line saying there are none."""
    rule = f"{cfg.hotspots.days}天内同类问题{cfg.hotspots.count}次及以上"
    found = hotspots(session, cfg, period.as_of(now))
    if not found:
        return [f"顽疾（{rule}）：无"]
    top = found[: cfg.hotspots.digest_top]
    items = "；".join(f"{h.place}（{cfg.category_name(h.category)}）{h.count}次" for h in top)
    more = f"（共{len(found)}处）" if len(found) > len(top) else ""
    return [f"顽疾（{rule}）：{items}{more}"]
