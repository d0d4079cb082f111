"""The one place where tickets change. Chat, HTTP, CLI and scheduler all call this.

Every change appends a TicketEvent. The caller owns the transaction: methods flush but
never commit, and a refused request raises a DomainError before touching anything.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import Session

from bot.core.actor import BOT, Actor
from bot.core.clock import Clock
from bot.core.errors import InvalidArgument, InvalidState, TicketNotFound
from bot.parsing.parsed import Problem
from bot.tickets import hot_writes, lifecycle
from bot.tickets.campaign import deadline_factor
from bot.tickets.deadlines import deadlines_from, rework_deadline, time_limits
from bot.tickets.dispatcher import route
from bot.tickets.formatting import LISTED, Listed
from bot.tickets.gazetteer import area_for, by_area
from bot.tickets.hot_writes import Repeated, Supplemented
from bot.tickets.lifecycle import Action, Rule
from bot.tickets.permissions import require_unit_member
from config.schema import GuanjiaConfig
from models import MAX_TICKET_ID, OPEN_STATUSES, EventType, Ticket, TicketEvent, TicketImage, TicketStatus

S = TicketStatus


class TicketService:
    def __init__(self, session: Session, cfg: GuanjiaConfig, clock: Clock) -> None:
        self.session = session
        self.cfg = cfg
        self.clock = clock
        self.repeated: dict[int, Repeated] = {}  # new duplicates -> the ticket each repeats

    # --- reading ---------------------------------------------------------------------

    def get(self, ticket_id: int, *, for_update: bool = False) -> Ticket:
        if not 0 < ticket_id <= MAX_TICKET_ID:
            raise TicketNotFound(ticket_id)
        ticket = self.session.get(Ticket, ticket_id, with_for_update=for_update)
        if ticket is None:
            raise TicketNotFound(ticket_id)
        return ticket

    def last_event(self, ticket: Ticket) -> TicketEvent:
        """The ticket's latest event, read alone: a ticket chased for weeks holds hundreds."""
        if "events" in ticket.__dict__:  # already loaded, maybe with changes not yet written
            return ticket.events[-1]
        query = select(TicketEvent).where(TicketEvent.ticket_id == ticket.id).order_by(TicketEvent.id.desc()).limit(1)
        return self.session.scalars(query).one()

    def open_tickets(self, units: Sequence[str] | None = None) -> Listed:
        query = select(Ticket).where(Ticket.status.in_(OPEN_STATUSES))
        return self._listed(query.where(Ticket.unit.in_(units)) if units is not None else query, Ticket.id)

    def reported_by(self, reporter_id: str) -> Listed:
        query = select(Ticket).where(Ticket.reporter_id == reporter_id, Ticket.status.in_(OPEN_STATUSES))
        return self._listed(query, Ticket.id)

    def overdue(self) -> Listed:
        now = self.clock.now()
        claim_late = (Ticket.status == S.DISPATCHED) & (Ticket.claim_deadline < now)
        fix_late = Ticket.status.in_((S.DISPATCHED, S.CLAIMED)) & (Ticket.fix_deadline < now)
        return self._listed(select(Ticket).where(or_(claim_late, fix_late)), Ticket.fix_deadline, Ticket.id)

    def _listed(self, query: Select[Ticket], *order: Any) -> Listed:
        """The first LISTED tickets of `query` for a chat list, and how many it selects in all
        (counted only when there are more: a list shows 20, the count says what it leaves out)."""
        shown = list(self.session.scalars(query.order_by(*order).limit(LISTED)))
        counted = select(func.count()).select_from(query.subquery())
        total = len(shown) if len(shown) < LISTED else self.session.scalar(counted)
        return Listed(shown, total or 0)

    # --- intake ----------------------------------------------------------------------

    def report(
        self,
        actor: Actor,
        *,
        group_id: str,
        text: str,
        problem: Problem,
        images: Sequence[str] = (),
    ) -> Ticket:
        """Open a ticket for one reported problem: dispatch it, triage it, or link it as duplicate."""
        now = self.clock.now()
        # Looked up before the new ticket exists, so the ticket is written once, complete.
        earlier = hot_writes.open_repeated(self.session, problem.category, problem.location)
        ticket = Ticket(
            status=S.TRIAGE,
            category=problem.category,
            unit=self.cfg.triage_unit,
            location=problem.location[:200] if problem.location else None,
            area=area_for(self.cfg, group_id, problem.location, text),
            urgent=problem.urgent,
            confidence=problem.confidence,
            text=text,
            reporter_id=actor.id,
            reporter_name=actor.name,
            group_id=group_id,
            source_msg_id=actor.source_msg_id,
            created_at=now,
        )
        events = [
            self._event_row(EventType.REPORTED, actor, note=text, data={"suggestions": list(problem.suggestions)})
        ]
        if earlier is not None:
            ticket.status = S.CANCELLED
            ticket.unit = earlier.unit
            ticket.duplicate_of = earlier.id
            events.append(
                self._event_row(EventType.DUPLICATE, BOT, note=f"与 #{earlier.id} 重复", data={"of": earlier.id})
            )
        else:
            routing = route(self.cfg, problem)
            if routing.status == S.TRIAGE:
                events.append(self._event_row(EventType.TRIAGED, BOT, note="类别不明确，待创城办分拨"))
            else:
                self._dispatch(ticket, routing.unit, now)
                events.append(self._event_row(EventType.DISPATCHED, BOT, data={"unit": routing.unit}))
        hot_writes.insert_new_ticket(self.session, ticket, events, images)
        if earlier is not None:  # the reply names it (bot/chat/report.py), no need to reread it
            self.repeated[ticket.id] = earlier
        return ticket

    # --- unit actions ----------------------------------------------------------------

    def claim(self, ticket_id: int, actor: Actor) -> Ticket:
        ticket = self.get(ticket_id, for_update=True)
        if ticket.status == S.CLAIMED:
            require_unit_member(self.cfg, ticket, actor)  # a stranger hears why they may not
            who = self.cfg.display_name(ticket.claimed_by or "")
            raise InvalidState(f"#{ticket.id} 已由{who}认领")
        rule = self._allow(ticket, Action.CLAIM, actor)
        self._mark_claimed(ticket, actor)
        return self._arrived(ticket, rule)

    def fix(self, ticket_id: int, actor: Actor, note: str | None, images: Sequence[str] = ()) -> Ticket:
        ticket = self.get(ticket_id, for_update=True)
        rule = self._allow(ticket, Action.FIX, actor)
        if ticket.status == S.DISPATCHED:
            self._mark_claimed(ticket, actor)
        ticket.status = S.FIXED
        ticket.fixed_at = self.clock.now()
        event = self._event(ticket, EventType.FIXED, actor, note=note, data={"images": len(images)})
        for url in images:
            self.session.add(TicketImage(ticket=ticket, kind="after", url=url, event=event))
        return self._arrived(ticket, rule)

    def return_to_triage(self, ticket_id: int, actor: Actor, reason: str) -> Ticket:
        ticket = self.get(ticket_id, for_update=True)
        rule = self._allow(ticket, Action.RETURN, actor)
        self._require_text(reason, "退回原因", f"退回 {ticket.id} 不属于我单位职责")
        from_unit = ticket.unit
        self._to_triage(ticket)
        self._event(ticket, EventType.RETURNED, actor, note=reason, data={"from_unit": from_unit})
        return self._arrived(ticket, rule)

    def request_extension(self, ticket_id: int, actor: Actor, hours: float, reason: str) -> Ticket:
        ticket = self.get(ticket_id, for_update=True)
        rule = self._allow(ticket, Action.EXTEND, actor)
        if ticket.pending_extension_hours is not None:
            raise InvalidState(f"#{ticket.id} 已有待审批的延期申请")
        if hours <= 0:
            raise InvalidArgument("延期时长必须大于0")
        self._require_text(reason, "延期原因", f"延期 {ticket.id} 2天 材料未到")
        ticket.pending_extension_hours = hours
        self._event(ticket, EventType.EXTENSION_REQUESTED, actor, note=reason, data={"hours": hours})
        return self._arrived(ticket, rule)

    # --- supervisor actions ----------------------------------------------------------

    def reassign(self, ticket_id: int, actor: Actor, unit: str, note: str | None = None) -> Ticket:
        ticket = self.get(ticket_id, for_update=True)
        rule = self._allow(ticket, Action.REASSIGN, actor)
        if unit not in self.cfg.units:
            raise InvalidArgument(f"没有这个单位：{unit}")
        if unit == ticket.unit and ticket.status != S.TRIAGE:
            raise InvalidState(f"#{ticket.id} 已经是{self.cfg.unit_name(unit)}的工单")
        from_unit = ticket.unit
        self._dispatch(ticket, unit, self.clock.now())
        self._event(ticket, EventType.REASSIGNED, actor, note=note, data={"from_unit": from_unit, "to_unit": unit})
        return self._arrived(ticket, rule)

    def recategorize(self, ticket_id: int, actor: Actor, category: str) -> Ticket:
        """改类: a new category; when its unit differs, re-dispatch with fresh deadlines."""
        ticket = self.get(ticket_id, for_update=True)
        rule = self._allow(ticket, Action.RECATEGORIZE, actor)
        if category not in self.cfg.categories:
            raise InvalidArgument(f"没有这个类别：{category}")
        if category == ticket.category and ticket.status != S.TRIAGE:  # in triage: confirms the guess
            raise InvalidState(f"#{ticket.id} 已经是「{self.cfg.category_name(category)}」")
        before = {"from_category": ticket.category, "from_unit": ticket.unit}
        ticket.category = category
        unit = self.cfg.categories[category].unit
        if unit == self.cfg.triage_unit:
            self._to_triage(ticket)
        elif unit != ticket.unit or ticket.status == S.TRIAGE:
            self._dispatch(ticket, unit, self.clock.now())
        data = before | {"to_category": category, "to_unit": ticket.unit}
        self._event(ticket, EventType.RECATEGORIZED, actor, data=data)
        return self._arrived(ticket, rule)

    def add_after_photos(self, ticket_id: int, actor: Actor, images: Sequence[str]) -> Ticket:
        """Photos of the fix sent on their own by the unit working on the ticket."""
        ticket = self.get(ticket_id, for_update=True)
        rule = self._allow(ticket, Action.AFTER_PHOTOS, actor)
        event = self._event(ticket, EventType.SUPPLEMENTED, actor, data={"images": len(images), "kind": "after"})
        for url in images:
            self.session.add(TicketImage(ticket=ticket, kind="after", url=url, event=event))
        return self._arrived(ticket, rule)

    def supplement(
        self,
        ticket_id: int,
        actor: Actor,
        note: str | None,
        images: Sequence[str],
        place: str | None,
        details: dict[str, Any] | None = None,
    ) -> Supplemented:
        """A follow-up from the reporter: more photos or words; a place fills a missing one.

        `details` go into the event's data as they are: a shared pin's coordinates, the platform
        keys of files and videos kept as evidence (bot/chat/evidence.py). Written with plain
        statements (bot/tickets/hot_writes.py): follow-ups are frequent.
        """
        found = hot_writes.read_for_followup(self.session, ticket_id) if 0 < ticket_id <= MAX_TICKET_ID else None
        if found is None:
            raise TicketNotFound(ticket_id)
        data: dict[str, Any] = {"images": len(images), **(details or {})}
        area = found.area
        if place and not found.location:
            location = place[:200]
            area = area_for(self.cfg, found.group_id, place, found.text)
            hot_writes.set_place(self.session, ticket_id, location, area)
            data["location"] = location
        events = [self._event_row(EventType.SUPPLEMENTED, actor, note=note, data=data)]
        if found.unit == self.cfg.gazetteer.unit and area != found.area and by_area(self.cfg, area):
            # The place names a community: the territorial ticket is now that community's.
            reroute = {"from_area": found.area, "to_area": area}
            events.append(self._event_row(EventType.REROUTED, BOT, note=f"属地：{area}", data=reroute))
        hot_writes.insert_events(self.session, ticket_id, events, images)
        hot_writes.forget_loaded(self.session, ticket_id)
        return Supplemented(ticket_id, found.unit, area)

    def converted(self, ticket_id: int, actor: Actor, suspect_id: int, via: str) -> Ticket:
        """Who turned 疑似上报 `suspect_id` into this new ticket (bot/chat/suspects.py), and how."""
        ticket = self.get(ticket_id)
        self._event(
            ticket, EventType.CONVERTED, actor, note=f"疑似上报 {suspect_id}", data={"suspect": suspect_id, "via": via}
        )
        return ticket

    def approve_extension(self, ticket_id: int, actor: Actor) -> Ticket:
        ticket = self.get(ticket_id, for_update=True)
        rule = self._allow(ticket, Action.APPROVE_EXTENSION, actor)
        hours = self._pending_extension(ticket)
        if ticket.fix_deadline is not None:  # from now if it has passed: never a deadline already gone
            ticket.fix_deadline = max(ticket.fix_deadline, self.clock.now()) + timedelta(hours=hours)
        ticket.pending_extension_hours = None
        self._event(ticket, EventType.EXTENSION_APPROVED, actor, data={"hours": hours})
        return self._arrived(ticket, rule)

    def reject_extension(self, ticket_id: int, actor: Actor, reason: str | None) -> Ticket:
        ticket = self.get(ticket_id, for_update=True)
        rule = self._allow(ticket, Action.REJECT_EXTENSION, actor)
        hours = self._pending_extension(ticket)
        ticket.pending_extension_hours = None
        self._event(ticket, EventType.EXTENSION_REJECTED, actor, note=reason, data={"hours": hours})
        return self._arrived(ticket, rule)

    # --- reporter / supervisor actions -----------------------------------------------

    def verify(self, ticket_id: int, actor: Actor, passed: bool, reason: str | None) -> Ticket:
        ticket = self.get(ticket_id, for_update=True)
        rule = self._allow(ticket, Action.VERIFY_PASS if passed else Action.VERIFY_FAIL, actor)
        if passed:
            ticket.status = S.CLOSED
            ticket.closed_at = self.clock.now()
            self._event(ticket, EventType.VERIFIED, actor, note=reason)
        else:
            self._require_text(reason, "不通过的原因", f"验收 {ticket.id} 不通过 还有垃圾未清")
            now = self.clock.now()  # the verification wait is not the unit's; a late fix stays late
            factor = deadline_factor(self.session, self.cfg, ticket.category, ticket.urgent, now)
            rework = rework_deadline(self.cfg, ticket, now, factor)
            ticket.fix_deadline, ticket.status, ticket.fixed_at = rework.deadline, S.CLAIMED, None
            self._event(ticket, EventType.REOPENED, actor, note=reason, data=rework.data)
        return self._arrived(ticket, rule)

    def cancel(self, ticket_id: int, actor: Actor, reason: str) -> Ticket:
        ticket = self.get(ticket_id, for_update=True)
        rule = self._allow(ticket, Action.CANCEL, actor)
        self._require_text(reason, "撤销原因", f"撤销 {ticket.id} 重复上报")
        ticket.status = S.CANCELLED
        ticket.pending_extension_hours = None
        self._event(ticket, EventType.CANCELLED, actor, note=reason)
        return self._arrived(ticket, rule)

    # --- internals -------------------------------------------------------------------

    def _dispatch(self, ticket: Ticket, unit: str, now: datetime) -> None:
        factor = deadline_factor(self.session, self.cfg, ticket.category, ticket.urgent, now)  # 迎检
        limits = time_limits(self.cfg, ticket.category, ticket.urgent, factor)
        ticket.unit = unit
        ticket.status = S.DISPATCHED
        ticket.dispatched_at = now
        ticket.claim_deadline, ticket.fix_deadline = deadlines_from(self.cfg, now, limits)
        ticket.claimed_at = None
        ticket.claimed_by = None
        ticket.pending_extension_hours = None

    def _to_triage(self, ticket: Ticket) -> None:
        ticket.status = S.TRIAGE
        ticket.unit = self.cfg.triage_unit
        ticket.claim_deadline = None
        ticket.fix_deadline = None
        ticket.claimed_at = None
        ticket.claimed_by = None
        ticket.pending_extension_hours = None

    def _mark_claimed(self, ticket: Ticket, actor: Actor) -> None:
        ticket.status = S.CLAIMED
        ticket.claimed_at = self.clock.now()
        ticket.claimed_by = actor.id
        self._event(ticket, EventType.CLAIMED, actor)

    def _pending_extension(self, ticket: Ticket) -> float:
        if ticket.pending_extension_hours is None:
            raise InvalidState(f"#{ticket.id} 没有待审批的延期申请")
        return ticket.pending_extension_hours

    def _allow(self, ticket: Ticket, action: Action, actor: Actor) -> Rule:
        """The one check before any change: the lifecycle table and separation of duties."""
        fixed_by = self._fixed_by(ticket) if action in (Action.VERIFY_PASS, Action.VERIFY_FAIL) else None
        return lifecycle.require(self.cfg, ticket, actor, action, now=self.clock.now(), fixed_by=fixed_by)

    def _fixed_by(self, ticket: Ticket) -> str | None:
        query = (
            select(TicketEvent.actor_id)
            .where(TicketEvent.ticket_id == ticket.id, TicketEvent.type == EventType.FIXED)
            .order_by(TicketEvent.id.desc())
            .limit(1)
        )
        return self.session.scalar(query)

    @staticmethod
    def _arrived(ticket: Ticket, rule: Rule) -> Ticket:
        """The table says where an action leads; code that leads elsewhere is a bug, caught here."""
        if ticket.status not in rule.to:
            raise AssertionError(
                f"{rule.action} led #{ticket.id} to {ticket.status}, the lifecycle table says {rule.to}"
            )
        return ticket

    @staticmethod
    def _require_text(value: str | None, what: str, example: str) -> None:
        if not value or not value.strip():
            raise InvalidArgument(f"请写明{what}，例如：{example}")

    def _event_row(
        self, type_: str, actor: Actor, *, note: str | None = None, data: dict[str, Any] | None = None
    ) -> dict[str, Any]:
        """An event of a ticket not yet written (see bot/tickets/hot_writes.py)."""
        return {
            "type": type_,
            "actor_id": actor.id,
            "actor_name": actor.name,
            "at": self.clock.now(),
            "note": note,
            "source_msg_id": actor.source_msg_id,
            "source_platform": actor.platform if actor.source_msg_id else None,
            "actor_kind": actor.kind,
            "data": data,
        }

    def _event(
        self,
        ticket: Ticket,
        type_: str,
        actor: Actor,
        *,
        note: str | None = None,
        data: dict[str, Any] | None = None,
    ) -> TicketEvent:
        # Set from the event's side: appending to ticket.events would first load every earlier
        # event. No flush here: the unit of work writes events with the ticket.
        event = TicketEvent(ticket=ticket, **self._event_row(type_, actor, note=note, data=data))
        self.session.add(event)
        return event
