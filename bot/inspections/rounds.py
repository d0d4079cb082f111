"""The round service: every change to an inspection round goes through here, with an event row.

A round belongs to one inspector in one group. It ends on 督查结束 or, `points.round_hours`
after it started, by itself: the end is then recorded at the time limit (not when somebody
next noticed), so a report posted after the limit is never linked to the point.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.core.actor import BOT, Actor
from bot.core.clock import Clock
from bot.core.errors import InvalidArgument, InvalidState, PermissionDenied
from bot.inspections.points import checklist, find_points, point_name, similar_points
from config.schema import GuanjiaConfig
from models import InspectionEvent, InspectionRound, RoundEventType, Ticket

# Candidates listed when a point query is ambiguous.
_MAX_CANDIDATES = 8


class RoundService:
    def __init__(self, session: Session, cfg: GuanjiaConfig, clock: Clock) -> None:
        self.session = session
        self.cfg = cfg
        self.clock = clock

    # --- reading -------------------------------------------------------------------------

    def open_round(self, inspector_id: str, group_id: str) -> InspectionRound | None:
        """The inspector's round in this group still running now; one past its limit is ended first."""
        found = self.session.scalars(
            select(InspectionRound)
            .where(
                InspectionRound.inspector_id == inspector_id,
                InspectionRound.group_id == group_id,
                InspectionRound.ended_at.is_(None),
            )
            .order_by(InspectionRound.id.desc())
            .with_for_update()
        ).first()
        if found is None:
            return None
        if self.deadline(found) <= self.clock.now():
            self._close(found, BOT, self.deadline(found), how="timeout")
            return None
        return found

    def deadline(self, round_: InspectionRound) -> datetime:
        return round_.started_at + timedelta(hours=self.cfg.points.round_hours)

    def problems(self, round_: InspectionRound) -> list[Ticket]:
        return list(self.session.scalars(select(Ticket).where(Ticket.round_id == round_.id).order_by(Ticket.id)))

    # --- changing ------------------------------------------------------------------------

    def start(self, actor: Actor, group_id: str, query: str) -> InspectionRound:
        if not self.cfg.may_inspect(actor.id):
            raise PermissionDenied("只有创城办或督查员可以发起督查")
        if not query.strip():
            raise InvalidArgument("请写明点位，例如：督查 妫水农贸市场（或 督查 农贸市场 妫水）")
        running = self.open_round(actor.id, group_id)
        if running is not None:
            raise InvalidState(f"您正在督查{point_name(self.cfg, running.point_id)}，请先发“督查结束”")
        codes = find_points(self.cfg, query)
        if not codes:
            near = "、".join(point_name(self.cfg, c) for c in similar_points(self.cfg, query))
            offer = f"。相近的点位：{near}" if near else ""
            raise InvalidArgument(
                f"没有找到点位“{query.strip()[:30]}”{offer}。请写点位名称，或“类型 区域”；全部点位见网页「测评点位」页"
            )
        if len(codes) > 1:
            names = "、".join(point_name(self.cfg, c) for c in codes[:_MAX_CANDIDATES])
            more = f"等{len(codes)}个" if len(codes) > _MAX_CANDIDATES else ""
            raise InvalidArgument(f"“{query.strip()[:30]}”对应多个点位：{names}{more}，请写明其中一个")
        round_ = InspectionRound(
            point_id=codes[0],
            inspector_id=actor.id,
            inspector_name=actor.name,
            group_id=group_id,
            started_at=self.clock.now(),
            ended_at=None,
            failed_items=[],
        )
        self.session.add(round_)
        self.session.flush()
        self._event(round_, RoundEventType.STARTED, actor, {"point": codes[0]})
        return round_

    def mark_failed(self, actor: Actor, group_id: str, items: Sequence[int]) -> InspectionRound:
        round_ = self._require_open(actor, group_id)
        size = len(checklist(self.cfg, round_.point_id))
        if not items:
            raise InvalidArgument("请写明不合格的检查项序号，例如：不合格 1 3")
        wrong = [n for n in items if not 1 <= n <= size]
        if wrong:
            raise InvalidArgument(f"检查项序号应为 1-{size}，没有第{wrong[0]}项")
        round_.failed_items = sorted(set(round_.failed_items) | set(items))
        self._event(round_, RoundEventType.ITEMS_FAILED, actor, {"items": sorted(set(items))})
        return round_

    def attach(self, round_: InspectionRound, ticket: Ticket, actor: Actor) -> None:
        """`ticket` was found during `round_`: it counts at the round's point."""
        ticket.point_id = round_.point_id
        ticket.round_id = round_.id
        self._event(round_, RoundEventType.PROBLEM_LINKED, actor, {"ticket": ticket.id})

    def end(self, actor: Actor, group_id: str) -> InspectionRound:
        round_ = self._require_open(actor, group_id)
        self._close(round_, actor, self.clock.now(), how="command")
        return round_

    def end_overdue(self) -> list[InspectionRound]:
        """End every round past its time limit (the scheduler's sweep); they need their summary."""
        limit = self.clock.now() - timedelta(hours=self.cfg.points.round_hours)
        due = list(
            self.session.scalars(
                select(InspectionRound)
                .where(InspectionRound.ended_at.is_(None), InspectionRound.started_at <= limit)
                .order_by(InspectionRound.id)
                .with_for_update()
            )
        )
        for round_ in due:
            self._close(round_, BOT, self.deadline(round_), how="timeout")
        return due

    # --- internals -----------------------------------------------------------------------

    def _require_open(self, actor: Actor, group_id: str) -> InspectionRound:
        round_ = self.open_round(actor.id, group_id)
        if round_ is None:
            raise InvalidState("您当前没有进行中的督查，请先发“督查 点位名称”")
        return round_

    def _close(self, round_: InspectionRound, actor: Actor, at: datetime, how: str) -> None:
        round_.ended_at = at
        self._event(round_, RoundEventType.ENDED, actor, {"how": how}, at=at)

    def _event(
        self, round_: InspectionRound, type_: str, actor: Actor, data: dict[str, Any], at: datetime | None = None
    ) -> None:
        self.session.add(
            InspectionEvent(
                round_id=round_.id,
                type=type_,
                actor_id=actor.id,
                actor_name=actor.name,
                at=at or self.clock.now(),
                data=data,
            )
        )
