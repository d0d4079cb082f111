"""The ledger's current filter as an xlsx: the rows and cells of bot/reports/ledger_export.py, one
keyset page of tickets at a time through a write-only workbook (100k rows stay out of memory).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from contextlib import AbstractContextManager
from datetime import datetime
from typing import IO, Any

from openpyxl import Workbook
from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from bot.reports import ledger_export as lx
from bot.reports.ledger_query import LedgerFilter, selected
from config.schema import GuanjiaConfig
from models import TicketImage


def write_filtered_ledger(
    sessions: Callable[[], AbstractContextManager[Session]],
    cfg: GuanjiaConfig,
    out: IO[bytes],
    flt: LedgerFilter,
    now: datetime,
    scope_unit: str | None,
    progress: Callable[[int], None] | None = None,
) -> int:
    """Write the tickets `flt` selects (oldest first) to `out`; returns how many.

    Every page is read in a session of its own from `sessions`: a long export holds no
    transaction (nor SQLite's write lock) between pages. `progress(rows written so far)` is
    called after every page, so a job can report it.
    """
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("台账")
    lx.write_header(ws, lx.TICKET_COLUMNS)
    count, last_id = 0, 0
    while True:
        with sessions() as session:
            matching, ticket_id = selected(session, cfg, flt, now, scope_unit, lx.SELECTED_COLUMNS)
            page, images = _page(session, matching, ticket_id, last_id)
        if not page:
            break
        for row in page:
            cells: list[Any] = lx.ticket_cells(ws, cfg, row, images.get(row.id, []), now)
            ws.append(cells)
        count += len(page)
        last_id = page[-1].id
        if progress is not None:
            progress(count)
    wb.save(out)
    return count


def _page(
    session: Session, matching: Select[Any], ticket_id: Any, last_id: int
) -> tuple[list[Any], dict[int, list[tuple[str, str]]]]:
    """The next page of rows after `last_id` (a keyset page), and their photos' (kind, url)."""
    query = matching.where(ticket_id > last_id).order_by(ticket_id).limit(lx.PAGE)
    page = list(session.execute(query).all())
    images: dict[int, list[tuple[str, str]]] = defaultdict(list)
    if page:
        ids = [row.id for row in page]
        image_rows = select(TicketImage.ticket_id, TicketImage.kind, TicketImage.url).where(
            TicketImage.ticket_id.in_(ids)
        )
        for ticket_id, kind, url in session.execute(image_rows.order_by(TicketImage.id)):
            images[ticket_id].append((kind, url))
    return page, images
