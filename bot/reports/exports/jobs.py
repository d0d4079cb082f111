"""Large ledger exports as jobs: created by the request, claimed and written by the export worker.

Why a job: 100k tickets take tens of seconds to write, too long for a request (proxies time
out, a worker is tied up). The request stores the filter; the scheduler's export worker (in
the process holding the scheduler lease, every few seconds) claims a job with a
compare-and-set on its status and heartbeat, so two processes never write the same job, and a
job whose worker died (no heartbeat for STALE_AFTER) is claimed again. Every page of rows is
read in its own short transaction (SQLite takes its write lock at BEGIN) and the progress is
committed after it, so the browser's progress page sees it move. Files live a day.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from urllib.parse import parse_qsl

from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from bot.core.clock import Clock
from bot.reports.exports.writer import write_filtered_ledger
from bot.reports.ledger_query import LedgerFilter, bounded_count, selected
from config.schema import GuanjiaConfig
from models import MAX_TICKET_ID, ExportJob

log = logging.getLogger(__name__)

QUEUED, RUNNING, DONE, FAILED, EXPIRED = "queued", "running", "done", "failed", "expired"
STALE_AFTER = timedelta(minutes=10)
KEEP_FILES = timedelta(days=1)


def matching_rows(
    session: Session, cfg: GuanjiaConfig, flt: LedgerFilter, now: datetime, scope_unit: str | None, bound: int
) -> int:
    """How many tickets `flt` selects, counting no further than `bound` + 1 (enough to decide)."""
    matching, _ = selected(session, cfg, flt, now, scope_unit)
    return bounded_count(session, matching, bound)


def request_export(session: Session, user_id: int, scope_unit: str | None, flt: LedgerFilter, now: datetime) -> int:
    """The job for this user's export of `flt`: the one already queued or running, else a new one.

    Reusing an unfinished job means reloading the page (or a forged link) does not pile up work.
    """
    query = flt.query_string()
    existing = session.scalar(
        select(ExportJob.id).where(
            ExportJob.requested_by == user_id,
            ExportJob.filter_query == query,
            ExportJob.scope_unit.is_(None) if scope_unit is None else ExportJob.scope_unit == scope_unit,
            ExportJob.status.in_((QUEUED, RUNNING)),
        )
    )
    if existing is not None:
        return existing
    job = ExportJob(status=QUEUED, requested_by=user_id, scope_unit=scope_unit, filter_query=query, created_at=now)
    session.add(job)
    session.flush()
    return job.id


def job_for(session: Session, job_id: int, user_id: int, supervisor: bool) -> ExportJob | None:
    """The job if this user may see it: the requester's own, or any for the 创城办."""
    if not 0 < job_id <= MAX_TICKET_ID:  # a 32-bit id on PostgreSQL; a larger one names no job
        return None
    job = session.get(ExportJob, job_id)
    if job is None or not (supervisor or job.requested_by == user_id):
        return None
    return job


class ExportWorker:
    """Claims and runs export jobs; `run_once` is what the scheduler and the tests call."""

    def __init__(
        self, session_factory: sessionmaker[Session], cfg: GuanjiaConfig, clock: Clock, directory: Path
    ) -> None:
        self.session_factory = session_factory
        self.cfg = cfg
        self.clock = clock
        self.directory = directory

    def run_once(self) -> list[int]:
        """Remove expired files, then run every job that can be claimed; returns the jobs run."""
        self.expire()
        ran: list[int] = []
        while (job_id := self.claim()) is not None:
            self.run(job_id)
            ran.append(job_id)
        return ran

    def claim(self) -> int | None:
        now = self.clock.now()
        with self.session_factory() as session, session.begin():
            stale = now - STALE_AFTER
            candidates = session.execute(
                select(ExportJob.id, ExportJob.status, ExportJob.heartbeat_at)
                .where(
                    (ExportJob.status == QUEUED) | ((ExportJob.status == RUNNING) & (ExportJob.heartbeat_at < stale))
                )
                .order_by(ExportJob.id)
                .limit(10)
            ).all()
            for job_id, status, heartbeat in candidates:
                same_heartbeat = (
                    ExportJob.heartbeat_at.is_(None) if heartbeat is None else ExportJob.heartbeat_at == heartbeat
                )
                won = session.execute(
                    update(ExportJob)
                    .where(ExportJob.id == job_id, ExportJob.status == status, same_heartbeat)
                    .values(status=RUNNING, heartbeat_at=now, rows_done=0)
                )
                if getattr(won, "rowcount", 0) == 1:  # an UPDATE's result is a CursorResult
                    return int(job_id)
        return None

    def run(self, job_id: int) -> None:
        with self.session_factory() as session:
            job = session.get(ExportJob, job_id)
            assert job is not None
            flt = LedgerFilter.from_query(dict(parse_qsl(job.filter_query)), self.cfg)
            scope_unit = job.scope_unit
        now = self.clock.now()
        self.directory.mkdir(parents=True, exist_ok=True)
        final = self.directory / f"ledger-{job_id}-{secrets.token_hex(8)}.xlsx"
        partial = final.with_suffix(".part")
        try:
            with self.session_factory() as session:
                total = matching_rows(session, self.cfg, flt, now, scope_unit, bound=10**9)
            self._update(job_id, rows_total=total)
            with partial.open("wb") as out:
                written = write_filtered_ledger(
                    self.session_factory, self.cfg, out, flt, now, scope_unit, progress=self._progress(job_id)
                )
            partial.replace(final)
            self._update(job_id, status=DONE, rows_done=written, rows_total=max(total, written),
                         file_path=str(final), finished_at=self.clock.now())  # fmt: skip
        except Exception:
            log.exception("ledger export job %s failed", job_id)
            partial.unlink(missing_ok=True)
            self._update(job_id, status=FAILED, error="导出失败，请重新导出", finished_at=self.clock.now())

    def _progress(self, job_id: int) -> Callable[[int], None]:
        def report(done: int) -> None:
            self._update(job_id, rows_done=done)

        return report

    def _update(self, job_id: int, **values: object) -> None:
        with self.session_factory() as session, session.begin():
            session.execute(
                update(ExportJob).where(ExportJob.id == job_id).values(heartbeat_at=self.clock.now(), **values)
            )

    def expire(self) -> int:
        """Delete the files of jobs finished more than KEEP_FILES ago; the rows stay, as expired."""
        cutoff = self.clock.now() - KEEP_FILES
        with self.session_factory() as session, session.begin():
            old = session.scalars(
                select(ExportJob).where(ExportJob.status.in_((DONE, FAILED)), ExportJob.finished_at < cutoff)
            ).all()
            for job in old:
                if job.file_path:
                    Path(job.file_path).unlink(missing_ok=True)
                job.status, job.file_path = EXPIRED, None
            return len(old)
