"""The ledger's current filter as an xlsx: the rows and cells of bot/reports/ledger_export.py, one
keyset page of tickets at a time through a write-only workbook (100k rows stay out of memory).
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime
from typing import IO, Any

from openpyxl import Workbook
from sqlalchemy import and_, select
from sqlalchemy.orm import Session

from bot.reports import ledger_export as lx
from bot.reports.ledger_query import LedgerFilter, conditions
from config.schema import GuanjiaConfig
from models import Ticket, TicketImage


def write_filtered_ledger(
    session: Session, cfg: GuanjiaConfig, out: IO[bytes], flt: LedgerFilter, now: datetime, scope_unit: str | None
) -> int:
    """Write the tickets `flt` selects (oldest first) to `out`; returns how many."""
    where = and_(True, *conditions(cfg, flt, now, scope_unit))
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("台账")
    lx.write_header(ws, lx.TICKET_COLUMNS)
    count, last_id = 0, 0
    while True:
        page = session.execute(
            select(*lx.SELECTED_COLUMNS).where(where, Ticket.id > last_id).order_by(Ticket.id).limit(lx.PAGE)
        ).all()
        if not page:
            break
        ids = [row.id for row in page]
        images: dict[int, list[tuple[str, str]]] = defaultdict(list)
        image_rows = select(TicketImage.ticket_id, TicketImage.kind, TicketImage.url).where(
            TicketImage.ticket_id.in_(ids)
        )
        for ticket_id, kind, url in session.execute(image_rows.order_by(TicketImage.id)):
            images[ticket_id].append((kind, url))
        for row in page:
            cells: list[Any] = lx.ticket_cells(ws, cfg, row, images.get(row.id, []), now)
            ws.append(cells)
        count += len(page)
        last_id = ids[-1]
    wb.save(out)
    return count
