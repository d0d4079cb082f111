"""The ledger (台账) as an Excel workbook: 汇总 (KPIs), 全部工单, and one sheet per unit (一单位一台账).

Tickets are read in keyset pages of plain columns and written by a write-only workbook,
so a 100k-ticket export never holds the ledger in memory. Times are real Excel dates in
the deployment's time zone (naive in the cell, as spreadsheets expect).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import IO, Any

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet._write_only import WriteOnlyWorksheet
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.reports import periods
from bot.reports.kpi import UnitKpi, district_total, unit_kpis
from bot.reports.ranking import rank
from bot.reports.safe_cells import safe_row
from bot.tickets.status_labels import status_label
from config.schema import GuanjiaConfig
from models import EventType, Ticket, TicketEvent, TicketImage, TicketStatus

PAGE = 1000
DATE_FORMAT = "yyyy-mm-dd hh:mm"
# (header, width in Excel character units; a Chinese character takes about two)
TICKET_COLUMNS = (
    ("编号", 8),
    ("上报时间", 17),
    ("上报人", 10),
    ("群", 22),
    ("类别", 16),
    ("地点", 28),
    ("属地", 10),
    ("描述", 50),
    ("责任单位", 14),
    ("认领时间", 17),
    ("整改时间", 17),
    ("验收时间", 17),
    ("状态", 8),
    ("是否超期", 10),
    ("超期时长（小时）", 16),
    ("照片", 40),
)
SUMMARY_COLUMNS = (
    ("单位", 14),
    ("派单数", 8),
    ("认领数", 8),
    ("响应率", 8),
    ("整改数", 8),
    ("解决率", 8),
    ("按期整改率", 11),
    ("平均认领时长（小时）", 20),
    ("平均整改时长（小时）", 20),
    ("超期数", 8),
    ("退回数", 8),
    ("返工数", 8),
    ("一次验收通过率", 14),
    ("综合得分", 10),
)
SELECTED_COLUMNS = (
    Ticket.id,
    Ticket.created_at,
    Ticket.reporter_name,
    Ticket.group_id,
    Ticket.category,
    Ticket.urgent,
    Ticket.location,
    Ticket.area,
    Ticket.text,
    Ticket.unit,
    Ticket.claimed_at,
    Ticket.fixed_at,
    Ticket.closed_at,
    Ticket.status,
    Ticket.claim_deadline,
    Ticket.fix_deadline,
    # The deadline a late fix had missed when it failed 验收 (bot/tickets/deadlines.py), if any.
    select(func.max(TicketEvent.data["missed"].as_string()))
    .where(TicketEvent.ticket_id == Ticket.id, TicketEvent.type == EventType.REOPENED)
    .correlate(Ticket)
    .scalar_subquery()
    .label("missed"),
)


@dataclass(frozen=True)
class _Sheets:
    all: WriteOnlyWorksheet
    units: dict[str, WriteOnlyWorksheet]


def write_header(ws: WriteOnlyWorksheet, columns: tuple[tuple[str, int], ...]) -> None:
    for i, (_, width) in enumerate(columns, start=1):
        ws.column_dimensions[get_column_letter(i)].width = width
    ws.freeze_panes = "A2"
    cells = []
    for name, _ in columns:
        cell = WriteOnlyCell(ws, value=name)
        cell.font = Font(bold=True)
        cell.alignment = Alignment(horizontal="center")
        cells.append(cell)
    ws.append(cells)


def _cell(ws: WriteOnlyWorksheet, value: Any, number_format: str | None = None) -> Any:
    if number_format is None or value is None:
        return value
    cell = WriteOnlyCell(ws, value=value)
    cell.number_format = number_format
    return cell


_FIRST_DAY, _LAST_DAY = date(1970, 1, 2), date(9999, 12, 30)


def overdue_state(row: Any, now: datetime) -> tuple[str, float | None]:
    """是否超期 and by how many hours: a fix reported (or still missing) after the fix deadline,
    or no claim by the claim deadline. Waiting for verification never counts."""
    if row.status in (TicketStatus.TRIAGE, TicketStatus.CANCELLED) or row.fix_deadline is None:
        return "否", None
    fixed_at = row.fixed_at or (now if row.status in (TicketStatus.DISPATCHED, TicketStatus.CLAIMED) else None)
    # A late fix that failed 验收 stays late, from the deadline it missed (not its rework deadline).
    deadline = datetime.fromisoformat(row.missed) if getattr(row, "missed", None) else row.fix_deadline
    if fixed_at is not None and fixed_at > deadline:
        return "是", round((fixed_at - deadline) / timedelta(hours=1), 1)
    if row.status == TicketStatus.DISPATCHED and row.claim_deadline is not None and now > row.claim_deadline:
        return "超时未认领", round((now - row.claim_deadline) / timedelta(hours=1), 1)
    return "否", None


def _photos(images: list[tuple[str, str]]) -> str | None:
    if not images:
        return None
    before = sum(1 for kind, _ in images if kind == "before")
    parts = [f"整改前{before}张 整改后{len(images) - before}张"]
    parts += [url for _, url in images if not url.startswith("data:")]
    return "\n".join(parts)


def _ticket_rows(session: Session, since: datetime, until: datetime) -> Iterator[tuple[Any, list[tuple[str, str]]]]:
    """(ticket columns, its images) in id order, one page of tickets and their images at a time."""
    last_id = 0
    while True:
        query = (
            select(*SELECTED_COLUMNS)
            .where(Ticket.created_at >= since, Ticket.created_at < until, Ticket.id > last_id)
            .order_by(Ticket.id)
            .limit(PAGE)
        )
        page = session.execute(query).all()
        if not page:
            return
        ids = [row.id for row in page]
        images: dict[int, list[tuple[str, str]]] = defaultdict(list)
        image_query = (
            select(TicketImage.ticket_id, TicketImage.kind, TicketImage.url)
            .where(TicketImage.ticket_id.in_(ids))
            .order_by(TicketImage.id)
        )
        for ticket_id, kind, url in session.execute(image_query):
            images[ticket_id].append((kind, url))
        for row in page:
            yield row, images.get(row.id, [])
        last_id = ids[-1]


def ticket_cells(ws: WriteOnlyWorksheet, cfg: GuanjiaConfig, row: Any, images: Any, now: datetime) -> list[Any]:
    group = cfg.groups.get(row.group_id)
    overdue, late_hours = overdue_state(row, now)
    category = ("紧急·" if row.urgent else "") + cfg.category_name(row.category)
    local = [periods.local_naive(cfg, t) for t in (row.created_at, row.claimed_at, row.fixed_at, row.closed_at)]
    # Every text cell through safe_row: any of them may be typed by a stranger (the group id too).
    cells = [
        row.id,
        _cell(ws, local[0], DATE_FORMAT),
        row.reporter_name,
        group.name if group else row.group_id,
        category,
        row.location,
        row.area,
        row.text,
        cfg.unit_name(row.unit),
        _cell(ws, local[1], DATE_FORMAT),
        _cell(ws, local[2], DATE_FORMAT),
        _cell(ws, local[3], DATE_FORMAT),
        status_label(row.status),
        overdue,
        late_hours,
        _photos(images),
    ]
    return safe_row(ws, cells)


def _summary_rows(ws: WriteOnlyWorksheet, cfg: GuanjiaConfig, kpis: dict[str, UnitKpi], district: UnitKpi) -> None:
    ranking = rank(cfg, kpis)
    rows = [(cfg.unit_name(u), k, ranking.of(u)) for u, k in kpis.items()]
    rows.append(("全区合计", district, None))
    for name, k, ranked in rows:
        ws.append(
            safe_row(
                ws,
                [
                    name,
                    k.dispatched,
                    k.claimed,
                    _cell(ws, k.response_rate, "0.0%"),
                    k.fixed,
                    _cell(ws, k.resolution_rate, "0.0%"),
                    _cell(ws, k.on_time_fix_rate, "0.0%"),
                    None if k.avg_claim_hours is None else round(k.avg_claim_hours, 1),
                    None if k.avg_fix_hours is None else round(k.avg_fix_hours, 1),
                    k.overdue,
                    k.returned,
                    k.reopened,
                    _cell(ws, k.first_pass_rate, "0.0%"),
                    ranked.score if ranked else None,
                ],
            )
        )


def ledger_period(
    session: Session, cfg: GuanjiaConfig, now: datetime, since: date | None, until: date | None
) -> periods.Period:
    """Local dates [since, until], both inclusive; open ends: the first report, and today."""
    if since is None:
        first = session.scalar(select(func.min(Ticket.created_at)))
        since = periods.local_date(cfg, first or now)
    until = until or periods.local_date(cfg, now)
    since, until = max(since, _FIRST_DAY), min(until, _LAST_DAY)  # beyond them: no tickets, and no UTC either
    return periods.dates(cfg, since, max(until, since))


def write_ledger(
    session: Session,
    cfg: GuanjiaConfig,
    out: IO[bytes],
    now: datetime,
    since: date | None = None,
    until: date | None = None,
) -> int:
    """Write the workbook to `out`; returns the number of tickets in it."""
    period = ledger_period(session, cfg, now, since, until)
    wb = Workbook(write_only=True)
    summary = wb.create_sheet("汇总")
    write_header(summary, SUMMARY_COLUMNS)
    kpis = unit_kpis(session, cfg, period, now)
    _summary_rows(summary, cfg, kpis, district_total(session, period, kpis))
    summary.append([])
    span = f"统计区间：{period.first:%Y-%m-%d} 至 {period.last:%Y-%m-%d}"
    summary.append(safe_row(summary, [f"{span}（指标口径见台账网页「单位排名」页的「指标说明」）"]))
    sheets = _Sheets(wb.create_sheet("全部工单"), {u: wb.create_sheet(cfg.unit_name(u)[:31]) for u in cfg.units})
    for ws in (sheets.all, *sheets.units.values()):
        write_header(ws, TICKET_COLUMNS)
    count = 0
    for row, images in _ticket_rows(session, period.start, period.end):
        sheets.all.append(ticket_cells(sheets.all, cfg, row, images, now))
        unit_sheet = sheets.units.get(row.unit)
        if unit_sheet is not None:
            unit_sheet.append(ticket_cells(unit_sheet, cfg, row, images, now))
        count += 1
    wb.save(out)
    return count


XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CHUNK = 64 * 1024


def file_chunks(file: IO[bytes]) -> Iterator[bytes]:
    """A written workbook's bytes in chunks for a streaming response; closes the file at the end."""
    with file:
        file.seek(0)
        while chunk := file.read(CHUNK):
            yield chunk
