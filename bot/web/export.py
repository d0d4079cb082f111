"""The ledger's xlsx export: small results at once, large ones as a job with a progress page.

The threshold is `GUANJIA_EXPORT_JOB_ROWS` (5,000): below it the file streams in the request
as before; above it the request stores a job (bot/reports/exports/jobs.py) and redirects to
`/exports/N`, which refreshes itself until the scheduler's export worker has written the file.
Only the requester, or the 创城办, sees a job and downloads its file.
"""

from __future__ import annotations

import tempfile
from dataclasses import replace
from pathlib import Path
from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.responses import FileResponse, RedirectResponse, Response, StreamingResponse

from bot.reports.exports import jobs
from bot.reports.exports.writer import write_filtered_ledger
from bot.reports.ledger_export import XLSX, file_chunks
from bot.reports.ledger_query import LedgerFilter
from bot.reports.periods import local_date
from bot.web.deps import CurrentUser, Services, render
from bot.web.ledger_routes import date_problems
from bot.web.templating import Fmt

router = APIRouter()


def _disposition(name: str) -> str:
    return f"attachment; filename=ledger.xlsx; filename*=UTF-8''{quote(name)}"


@router.get("/ledger.xlsx")
def ledger_xlsx(request: Request, services: Services, user: CurrentUser) -> Response:
    cfg = services.cfg
    now = services.clock.now()
    flt = LedgerFilter.from_query(request.query_params, cfg)
    # The page shows a dropped date above the list; a file has nowhere to say it, and a
    # silently dropped date would export the whole ledger under a name that looks filtered.
    problems = date_problems(request.query_params, flt)
    if problems:
        context = {"user": user, "title": "导出的日期有误", "message": "；".join(problems) + "。请改正后再导出"}
        return render(request, "error.html", context, status_code=422)
    # A unit member's ledger is the unit's; another unit in the query string is ignored.
    flt = replace(flt, unit="", page=1) if user.scope_unit else replace(flt, page=1)
    threshold = services.settings.export_job_rows
    with services.session_factory() as session:
        large = jobs.matching_rows(session, cfg, flt, now, user.scope_unit, bound=threshold) > threshold
    if large:
        with services.session_factory() as session, session.begin():
            job_id = jobs.request_export(session, user.id, user.scope_unit, flt, now)
        return RedirectResponse(f"/exports/{job_id}", status_code=303)
    file = tempfile.SpooledTemporaryFile(max_size=8 * 1024 * 1024)  # noqa: SIM115 - closed by file_chunks
    write_filtered_ledger(services.session_factory, cfg, file, flt, now, user.scope_unit)
    headers = {
        "Content-Disposition": _disposition(f"台账{local_date(cfg, now):%Y%m%d}.xlsx"),
        "Cache-Control": "no-store",
    }
    return StreamingResponse(file_chunks(file), media_type=XLSX, headers=headers)


def _not_found(request: Request, user: CurrentUser, job_id: int) -> Response:
    context = {
        "user": user,
        "title": "没有找到导出",
        "message": f"没有找到导出任务 {job_id}，或它已过期（文件保留一天）",
    }
    return render(request, "error.html", context, status_code=404)


@router.get("/exports/{job_id}")
def export_page(request: Request, job_id: int, services: Services, user: CurrentUser) -> Response:
    with services.session_factory() as session:
        job = jobs.job_for(session, job_id, user.id, user.is_supervisor)
        if job is None or job.status == jobs.EXPIRED:
            return _not_found(request, user, job_id)
        context = {
            "user": user,
            "job": job,
            "working": job.status in (jobs.QUEUED, jobs.RUNNING),
            "filter_query": job.filter_query,
            "fmt": Fmt(services.cfg, services.clock.now()),
            "nav": "ledger",
        }
        return render(request, "export_job.html", context)


@router.get("/exports/{job_id}/download")
def export_download(request: Request, job_id: int, services: Services, user: CurrentUser) -> Response:
    with services.session_factory() as session:
        job = jobs.job_for(session, job_id, user.id, user.is_supervisor)
        path = Path(job.file_path) if job is not None and job.status == jobs.DONE and job.file_path else None
        made = job.finished_at if job is not None else None
    if path is None or made is None or not path.is_file():
        return _not_found(request, user, job_id)
    name = f"台账{local_date(services.cfg, made):%Y%m%d}.xlsx"
    headers = {"Content-Disposition": _disposition(name), "Cache-Control": "no-store"}
    return FileResponse(path, media_type=XLSX, headers=headers)
