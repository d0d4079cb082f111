"""Tickets brought to a given status the ordinary way, for the lifecycle tests (service and web)."""

from __future__ import annotations

from dataclasses import replace

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


def make_ticket(
    svc: TicketService, status: TicketStatus, pending_extension: bool = False, place: str = "府前街"
) -> Ticket:
    """A ticket in `status`: reported by a grid worker, worked by 环卫中心, decided by the 创城办.

    Open tickets of one category at one `place` are duplicates: give each its own place.
    """
    if status == S.TRIAGE:
        return svc.report(REPORTER, group_id="demo", text=f"{place}有问题", problem=replace(UNCLEAR, location=place))
    ticket = svc.report(REPORTER, group_id="demo", text=f"{place}垃圾", problem=replace(GARBAGE, location=place))
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
