"""The lifecycle table, enforced: every status x action x role through the ticket service.

Allowed by the table: the ticket reaches the status the table names, with one more event.
Not allowed: a one-line Chinese refusal, and nothing written (committed anyway to prove it).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session, sessionmaker

from bot.core.actor import Actor, ActorKind
from bot.core.clock import ManualClock
from bot.core.db import make_session_factory
from bot.core.errors import DomainError
from bot.tickets.aftercare import Aftercare
from bot.tickets.lifecycle import TABLE, Action, Role, who_may
from bot.tickets.service import TicketService
from bot.tickets.supervision import urge
from config import GuanjiaConfig
from models import Recheck, Ticket, TicketEvent, TicketStatus
from tests.support.lifecycle_helpers import REPORTER, SUPERVISOR, make_ticket

S = TicketStatus


def unit_actor(ticket: Ticket) -> Actor:
    """A web account of the ticket's current unit (the triage unit's members are supervisors too)."""
    return Actor("web:unit", "单位联络员", None, "unit", ticket.unit, ActorKind.WEB)


# In config `recheck.inspectors`; a chat sender, as inspectors answer in the group.
INSPECTOR = Actor("wgy_sun", "孙巡查", "m-recheck", kind=ActorKind.CHAT, platform="test")
PHOTO = ["https://img/recheck.jpg"]


def other_unit(ticket: Ticket) -> str:
    return "jtzd" if ticket.unit != "jtzd" else "hws"


CALLS: dict[Action, Callable[[TicketService, Ticket, Actor], Any]] = {
    Action.CLAIM: lambda svc, t, a: svc.claim(t.id, a),
    Action.FIX: lambda svc, t, a: svc.fix(t.id, a, "已清理"),
    Action.RETURN: lambda svc, t, a: svc.return_to_triage(t.id, a, "不属于我单位职责"),
    Action.EXTEND: lambda svc, t, a: svc.request_extension(t.id, a, 24, "材料未到"),
    Action.APPROVE_EXTENSION: lambda svc, t, a: svc.approve_extension(t.id, a),
    Action.REJECT_EXTENSION: lambda svc, t, a: svc.reject_extension(t.id, a, "理由不足"),
    Action.REASSIGN: lambda svc, t, a: svc.reassign(t.id, a, other_unit(t)),
    # 乱停车 belongs to another unit than 垃圾 (and than the triage unit): a real change of unit.
    Action.RECATEGORIZE: lambda svc, t, a: svc.recategorize(t.id, a, "car_parking"),
    Action.AFTER_PHOTOS: lambda svc, t, a: svc.add_after_photos(t.id, a, ["https://img/after.jpg"]),
    Action.VERIFY_PASS: lambda svc, t, a: svc.verify(t.id, a, True, None),
    Action.VERIFY_FAIL: lambda svc, t, a: svc.verify(t.id, a, False, "还有垃圾未清"),
    Action.CANCEL: lambda svc, t, a: svc.cancel(t.id, a, "重复上报"),
    Action.RECHECK_PASS: lambda svc, t, a: Aftercare(svc).recheck(t.id, a, True, None, PHOTO),
    Action.RECHECK_REBOUND: lambda svc, t, a: Aftercare(svc).recheck(t.id, a, False, "又堆了", PHOTO),
    Action.SATISFIED: lambda svc, t, a: Aftercare(svc).rate(t.id, a, True, None),
    Action.DISSATISFIED: lambda svc, t, a: Aftercare(svc).rate(t.id, a, False, "没清干净"),
    Action.URGE: lambda svc, t, a: urge(svc, t.id, a, "领导在问"),
}


def snapshot(session: Session, ticket_id: int) -> tuple[dict[str, Any], int]:
    ticket = session.get_one(Ticket, ticket_id)
    columns = {c.key: getattr(ticket, c.key) for c in Ticket.__table__.columns}
    events = session.scalar(select(func.count()).where(TicketEvent.ticket_id == ticket_id))
    return columns, events or 0


@pytest.fixture
def sessions(engine: Engine) -> sessionmaker[Session]:
    """Only the database: these tests need the service, not the whole app."""
    return make_session_factory(engine)


def test_every_action_has_a_call_and_every_role_a_place() -> None:
    assert set(CALLS) == set(Action)
    assert {rule.action for rule in TABLE.values()} == set(Action)
    assert who_may(Action.CLAIM) == "本单位成员或创城办"
    assert who_may(Action.VERIFY_PASS, Action.VERIFY_FAIL) == "上报人或创城办"
    assert who_may(Action.REASSIGN) == "创城办"


@pytest.mark.parametrize("role", list(Role))
@pytest.mark.parametrize("action", list(Action))
@pytest.mark.parametrize("status", list(TicketStatus))
def test_the_service_does_exactly_what_the_table_says(
    sessions: sessionmaker[Session],
    cfg: GuanjiaConfig,
    clock: ManualClock,
    status: TicketStatus,
    action: Action,
    role: Role,
) -> None:
    rule = TABLE.get((status, action))
    pending = action in (Action.APPROVE_EXTENSION, Action.REJECT_EXTENSION)
    with sessions() as session, session.begin():
        ticket = make_ticket(TicketService(session, cfg, clock), status, pending)
        ticket_id = ticket.id
        if status == S.CLOSED:  # sampled for 回头看, as the scheduler would have
            session.add(Recheck(ticket_id=ticket_id, unit=ticket.unit, inspector_id="wgy_sun", sampled_at=clock.now()))
    with sessions() as session:
        svc = TicketService(session, cfg, clock)
        ticket = svc.get(ticket_id)
        actors = {Role.REPORTER: REPORTER, Role.SUPERVISOR: SUPERVISOR, Role.RECHECK_INSPECTOR: INSPECTOR}
        actor = actors.get(role) or unit_actor(ticket)
        before, events_before = snapshot(session, ticket_id)
        if rule is not None and role in rule.who:
            CALLS[action](svc, ticket, actor)
            session.commit()
            after, events_after = snapshot(session, ticket_id)
            assert after["status"] == rule.to[0]
            assert events_after > events_before
            return
        with pytest.raises(DomainError) as refused:
            CALLS[action](svc, ticket, actor)
        assert refused.value.reason.startswith(("#", "只有")), refused.value.reason
        session.commit()  # whatever the refused call might have left in the session
    with sessions() as session:
        assert snapshot(session, ticket_id) == (before, events_before)


# The rules as the product spec states them (README "Chat commands"): a change to the table
# must be a deliberate change here too.
U, SUP, REP, INS = Role.UNIT, Role.SUPERVISOR, Role.REPORTER, Role.RECHECK_INSPECTOR
SPEC = {
    Action.CLAIM: ({S.DISPATCHED}, {U, SUP}),
    Action.FIX: ({S.DISPATCHED, S.CLAIMED}, {U, SUP}),
    Action.RETURN: ({S.DISPATCHED, S.CLAIMED}, {U}),
    Action.EXTEND: ({S.DISPATCHED, S.CLAIMED}, {U}),
    Action.APPROVE_EXTENSION: ({S.DISPATCHED, S.CLAIMED}, {SUP}),
    Action.REJECT_EXTENSION: ({S.DISPATCHED, S.CLAIMED}, {SUP}),
    Action.REASSIGN: ({S.TRIAGE, S.DISPATCHED, S.CLAIMED}, {SUP}),
    Action.RECATEGORIZE: ({S.TRIAGE, S.DISPATCHED, S.CLAIMED}, {SUP}),
    Action.AFTER_PHOTOS: ({S.CLAIMED, S.FIXED}, {U, SUP}),
    Action.VERIFY_PASS: ({S.FIXED}, {REP, SUP}),
    Action.VERIFY_FAIL: ({S.FIXED}, {REP, SUP}),
    Action.CANCEL: ({S.TRIAGE, S.DISPATCHED, S.CLAIMED, S.FIXED}, {REP, SUP}),
    # After closing: 回头看 by an inspector or the 创城办, 满意度 by the reporter alone.
    Action.RECHECK_PASS: ({S.CLOSED}, {INS, SUP}),
    Action.RECHECK_REBOUND: ({S.CLOSED}, {INS, SUP}),
    Action.SATISFIED: ({S.CLOSED}, {REP}),
    Action.DISSATISFIED: ({S.CLOSED}, {REP}),
}


def test_the_table_is_the_spec() -> None:
    for action, (statuses, who) in SPEC.items():
        rules = [r for r in TABLE.values() if r.action == action]
        assert {r.status for r in rules} == statuses, action
        assert all(r.who == who for r in rules), action
    assert S.CANCELLED not in {r.status for r in TABLE.values()}, "cancelled is final"
    after_closing = {Action.RECHECK_PASS, Action.RECHECK_REBOUND, Action.SATISFIED, Action.DISSATISFIED}
    assert {r.action for r in TABLE.values() if r.status == S.CLOSED} == after_closing
