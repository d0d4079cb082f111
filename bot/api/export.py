"""GET /api/export.xlsx: the ledger (台账) workbook, the same as `guanjia export`."""

from __future__ import annotations

import tempfile
from datetime import date
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Query
from fastapi.responses import StreamingResponse

from bot.app_services import Services
from bot.reports.ledger_export import XLSX, file_chunks, write_ledger
from bot.reports.periods import local_date

router = APIRouter(prefix="/api")


@router.get("/export.xlsx")
def export_ledger(
    services: Services,
    since: Annotated[date | None, Query(description="first local date reported (inclusive), YYYY-MM-DD")] = None,
    until: Annotated[date | None, Query(description="last local date reported (inclusive), YYYY-MM-DD")] = None,
) -> Any:
    now = services.clock.now()
    # Spooled: small ledgers stay in memory, big ones go to a temporary file.
    file = tempfile.SpooledTemporaryFile(max_size=8 * 1024 * 1024)  # noqa: SIM115 - closed by file_chunks
    with services.session_factory() as session:
        write_ledger(session, services.cfg, file, now, since=since, until=until)
    name = f"台账{local_date(services.cfg, now):%Y%m%d}.xlsx"
    disposition = f"attachment; filename=ledger.xlsx; filename*=UTF-8''{quote(name)}"
    return StreamingResponse(file_chunks(file), media_type=XLSX, headers={"Content-Disposition": disposition})
