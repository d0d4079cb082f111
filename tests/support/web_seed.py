"""A small realistic ledger for the web tests: five weeks of reports, claims, fixes and checks
through the real chat intake, ending on a Monday morning (so "last week" is a full week).
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from bot.core.clock import ManualClock
from models import Ticket

XSS_SCRIPT = "<script>alert(1)</script>府前街垃圾桶满溢"
XSS_IMG = "南环路<img src=x onerror=alert(1)>小广告贴满了电线杆"
PHOTO = "data:image/svg+xml;base64,AAAA"  # refused by the page (svg), shown as 照片获取中
PNG = (
    "data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAIAAAACCAIAAAD91JpzAAAAFklEQVQI12P8z8DAwMDAxMDAwMDAAAANHQEDasKb"
    "6QAAAABJRU5ErkJggg=="
)

REPORTS = (
    "府前街与南环路交叉口西北角垃圾堆了两天了",
    "东关大街与北环路交叉口有辆白色轿车停在人行道上",
    "妫水北街12号楼下共享单车倒了一片",
    "高塔街小区3号楼楼道里堆满了旧家具和纸箱",
    "百泉街烧烤摊占道经营，烟熏火燎",
    "温泉南区工地围挡倒了，黄土未覆盖",
    "东外大街公交站牌上贴满小广告",
    "新城北街井盖缺失，很危险",
    "夏都公园门口有人遛狗不拴绳",
)


def _member(chat: Any, ticket_id: int) -> str | None:
    with chat.services.session_factory() as session:
        ticket = session.get(Ticket, ticket_id)
        unit = ticket.unit if ticket else None
    members = chat.services.cfg.units[unit].members if unit else []
    return members[0] if members else None


def _work(chat: Any, clock: ManualClock, ticket_id: int, steps: int, late: bool = False) -> None:
    """Take a ticket `steps` far: 1 claimed, 2 fixed, 3 verified; `late`: fixed after its deadline."""
    member = _member(chat, ticket_id)
    if member is None or steps < 1:
        return
    chat.send(f"认领 {ticket_id}", member)
    if steps >= 2:
        clock.advance(timedelta(hours=30) if late else timedelta(minutes=50))
        chat.send(f"完成 {ticket_id} 已处理", member, images=(PNG,))
    if steps >= 3:
        chat.send(f"验收 {ticket_id} 通过", "ccb_wang")


def seed_ledger(chat: Any, clock: ManualClock) -> dict[str, int]:
    """Returns the ids worth knowing: xss_script, xss_img, closed, claimed."""
    monday = clock.now()
    clock.set(monday - timedelta(weeks=4))
    for week in range(4):
        for n, text in enumerate(REPORTS[week : week + 5]):
            clock.advance(timedelta(hours=2))
            ticket_id = chat.report(text)
            # The dog report stays claimed (overdue ever since); every third fix comes late.
            _work(chat, clock, ticket_id, 1 if text == REPORTS[-1] else 3, late=(n + week) % 3 == 0)
        clock.set(monday - timedelta(weeks=3 - week))
    ids = [chat.send(REPORTS[0], images=(PNG,)).tickets[0]] + [chat.report(text) for text in REPORTS[1:]]
    clock.advance(timedelta(minutes=40))
    ids.append(chat.report(XSS_SCRIPT))
    ids.append(chat.report(XSS_IMG))
    _work(chat, clock, ids[0], 3)
    chat.send(f"认领 {ids[1]}", "jtzd_zhou")
    _work(chat, clock, ids[4], 2)
    _work(chat, clock, ids[5], 3)
    clock.advance(timedelta(hours=2))
    member = _member(chat, ids[2])
    chat.send(f"认领 {ids[2]}", member)
    chat.send(f"完成 {ids[2]} 已扶正清理", member)
    chat.send(f"验收 {ids[2]} 不通过 还有三辆没扶", "ccb_wang")
    clock.advance(timedelta(days=6, hours=22))
    return {"xss_script": ids[-2], "xss_img": ids[-1], "closed": ids[0], "claimed": ids[1]}
