"""Switching 迎检模式 on and off: the only code that writes campaign periods, each change with an event row.

The caller owns the transaction; a refused request raises a DomainError before anything is
written. Switching on while a chat period runs moves its end day (event `changed`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy.orm import Session

from bot.core.actor import Actor
from bot.core.clock import Clock
from bot.core.errors import InvalidArgument, InvalidState
from bot.tickets.campaign.dates import EXAMPLE, day_text, parse_end_day
from bot.tickets.campaign.periods import (
    ActivePeriod,
    chat_period_at,
    configured_period_at,
    end_of_day,
    local_date,
    period_at,
)
from bot.tickets.permissions import require_supervisor
from config.schema import GuanjiaConfig
from models import CampaignEvent, CampaignEventType, CampaignPeriod


@dataclass(frozen=True)
class SwitchedOn:
    period: ActivePeriod
    # The end day before, when an already running period was moved; None for a new one.
    moved_from: date | None


class CampaignService:
    def __init__(self, session: Session, cfg: GuanjiaConfig, clock: Clock) -> None:
        self.session = session
        self.cfg = cfg
        self.clock = clock

    def current(self) -> ActivePeriod | None:
        return period_at(self.session, self.cfg, self.clock.now())

    def switch_on(self, actor: Actor, end_text: str) -> SwitchedOn:
        """迎检模式 开启 至 <day>: a new period from now to the end of that local day."""
        require_supervisor(self.cfg, actor, "开启迎检模式")
        if not end_text.strip():
            raise InvalidArgument(f"请写明迎检结束日期，例如：{EXAMPLE}")
        now = self.clock.now()
        today = local_date(self.cfg, now)
        limit = self.cfg.campaign.max_days
        end_day = parse_end_day(end_text, today, limit)
        if end_day <= today:
            raise InvalidArgument(
                f"结束日期{end_day.year}年{day_text(end_day)}不在今天（{day_text(today)}）之后，请写以后的日期，例如：{EXAMPLE}"
            )
        if (end_day - today).days > limit:
            raise InvalidArgument(
                f"结束日期{end_day.year}年{day_text(end_day)}距今{(end_day - today).days}天，"
                f"超过{limit}天的上限，请写{limit}天以内的日期"
            )
        running = chat_period_at(self.session, now, for_update=True)
        if running is not None:
            if running.end_day == end_day:
                raise InvalidState(f"迎检模式已开启，至 {day_text(end_day)}，无需重复开启")
            moved_from = running.end_day
            running.end_day = end_day
            running.ends_at = end_of_day(self.cfg, end_day)
            self._event(
                running, CampaignEventType.CHANGED, actor, {"from_day": str(moved_from), "to_day": str(end_day)}
            )
            return SwitchedOn(self._active(running), moved_from)
        row = CampaignPeriod(
            name=self.cfg.campaign.name,
            starts_at=now,
            ends_at=end_of_day(self.cfg, end_day),
            end_day=end_day,
            started_by_id=actor.id,
            started_by_name=actor.name,
        )
        self.session.add(row)
        self.session.flush()
        self._event(row, CampaignEventType.STARTED, actor, {"end_day": str(end_day)})
        return SwitchedOn(self._active(row), None)

    def switch_off(self, actor: Actor) -> CampaignPeriod:
        """迎检模式 关闭: ends the chat period now; a configured period cannot be switched off here."""
        require_supervisor(self.cfg, actor, "关闭迎检模式")
        now = self.clock.now()
        running = chat_period_at(self.session, now, for_update=True)
        if running is None:
            configured = configured_period_at(self.cfg, now)
            if configured is not None:
                raise InvalidState(
                    f"当前迎检期由配置文件设定（至 {day_text(configured.end_day)}），"
                    "如需提前结束请修改配置中的 campaign.period"
                )
            raise InvalidState("迎检模式未开启")
        running.stopped_at = now
        running.stopped_by_id = actor.id
        running.stopped_by_name = actor.name
        self._event(running, CampaignEventType.STOPPED, actor, {"end_day": str(running.end_day)})
        return running

    def _active(self, row: CampaignPeriod) -> ActivePeriod:
        return ActivePeriod(row.name, row.starts_at, row.ends_at, row.end_day, "chat", row.id, row.started_by_name)

    def _event(self, row: CampaignPeriod, type_: str, actor: Actor, data: dict[str, Any]) -> None:
        self.session.add(
            CampaignEvent(
                period_id=row.id,
                type=type_,
                actor_id=actor.id,
                actor_name=actor.name,
                actor_kind=actor.kind.value,
                source_msg_id=actor.source_msg_id,
                at=self.clock.now(),
                data=data,
            )
        )
        self.session.flush()
