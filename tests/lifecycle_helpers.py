"""Tickets brought to a given status the ordinary way, for the lifecycle tests (service and web)."""

from __future__ import annotations

from bot.core.actor import Actor, ActorKind
from bot.parsing.parser import Problem
from bot.tickets.service import TicketService
from models import Ticket, TicketStatus

S = TicketStatus
REPORTER = Actor("wgy_li", "李网格员", "m-report", kind=ActorKind.CHAT, platform="test")
SUPERVISOR = Actor("ccb_wang", "王主任")
UNIT_MEMBER = Actor("hws_chen", "陈环卫")
GARBAGE = Problem("garbage", "hws", "府前街", False, 0.9)
UNCLEAR = Problem("other", "ccb", "府前街", False, 0.9)


def make_ticket(svc: TicketService, status: TicketStatus, pending_extension: bool = False) -> Ticket:
    """A ticket in `status`: reported by a grid worker, worked by 环卫中心, decided by the 创城办."""
    if status == S.TRIAGE:
        return svc.report(REPORTER, group_id="demo", text="府前街有问题", problem=UNCLEAR)
    ticket = svc.report(REPORTER, group_id="demo", text="府前街垃圾", problem=GARBAGE)
    if status in (S.CLAIMED, S.FIXED, S.CLOSED):
        svc.claim(ticket.id, UNIT_MEMBER)
    if status in (S.FIXED, S.CLOSED):
        svc.fix(ticket.id, UNIT_MEMBER, "已清理")
    if status == S.CLOSED:
        svc.verify(ticket.id, SUPERVISOR, True, None)
    if status == S.CANCELLED:
        svc.cancel(ticket.id, SUPERVISOR, "重复上报")
    if pending_extension and status in (S.DISPATCHED, S.CLAIMED):
        svc.request_extension(ticket.id, UNIT_MEMBER, 24, "材料未到")
    assert ticket.status == status
    return ticket
