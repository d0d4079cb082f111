"""Timed work, declared as data: what runs, how often. Every job calls into `run_due(now)`
or the outbox sender, so the scheduler, `guanjia sweep --now` and the tests share one path.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from sqlalchemy.orm import Session, sessionmaker

from bot.core.clock import Clock
from bot.outbound.sender import OutboxSender
from bot.schedule.lease import SchedulerLease
from bot.schedule.reminders import sweep
from config.schema import GuanjiaConfig

log = logging.getLogger(__name__)


@dataclass
class DueReport:
    reminded_tickets: list[int] = field(default_factory=list)
    digests: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)  # producers that raised (logged); the rest ran


class DueProducer(Protocol):
    """A periodic producer besides the reminders (each digest): owns its transactions and
    returns the names of what it queued. It may draw or compute between them."""

    @property
    def name(self) -> str: ...

    def __call__(self, session_factory: sessionmaker[Session], cfg: GuanjiaConfig, now: datetime) -> list[str]: ...


REMINDERS = "提醒"


class Scheduler:
    def __init__(
        self,
        session_factory: sessionmaker[Session],
        cfg: GuanjiaConfig,
        clock: Clock,
        sender: OutboxSender,
        producers: list[DueProducer] | None = None,
    ) -> None:
        self.session_factory = session_factory
        self.cfg = cfg
        self.clock = clock
        self.sender = sender
        self.producers = list(producers or [])
        # Photo downloads that need a platform API; set once the app's services exist.
        self.media_worker: Callable[[], object] | None = None
        # The nightly parser retraining check (bot/parsing/learning.py); set with the app's services.
        self.parser_retrainer: Callable[[datetime], object] | None = None
        # Large ledger exports (bot/reports/exports/jobs.py); set with the app's services.
        self.export_worker: Callable[[], object] | None = None
        self.lease: SchedulerLease | None = None
        self._background: Any = None

    def run_due(self, now: datetime) -> DueReport:
        """Everything due as of `now`: reminders, escalations, digests. Safe to run twice.

        Each producer commits on its own: one that fails (logged, named in `failed`) takes
        nothing of the others with it, and what it did not queue is retried by the next sweep.
        """
        report = DueReport()
        try:
            with self.session_factory() as session, session.begin():
                report.reminded_tickets = sweep(session, self.cfg, now)
        except Exception:
            log.exception("%s as of %s failed", REMINDERS, now.isoformat())
            report.failed.append(REMINDERS)
        for produce in self.producers:
            try:
                report.digests += produce(self.session_factory, self.cfg, now)
            except Exception:
                log.exception("%s as of %s failed", produce.name, now.isoformat())
                report.failed.append(produce.name)
        return report

    # --- in the server process -------------------------------------------------------

    def start(self) -> None:
        from apscheduler.schedulers.background import BackgroundScheduler
        from apscheduler.triggers.interval import IntervalTrigger

        background = BackgroundScheduler(timezone=self.cfg.timezone)
        for job in JOBS:
            background.add_job(
                _guarded(job, self),
                IntervalTrigger(seconds=job.every_seconds),
                id=job.name,
                max_instances=1,
                coalesce=True,
            )
        background.start()
        self._background = background
        log.info("scheduler started: %s", ", ".join(f"{j.name} every {j.every_seconds:g}s" for j in JOBS))

    def shutdown(self) -> None:
        if self._background is not None:
            self._background.shutdown(wait=True)
            self._background = None
        if self.lease is not None:
            self.lease.release()

    def leads(self) -> bool:
        """Only the process holding the lease runs jobs (always true without a lease: SQLite)."""
        return self.lease is None or self.lease.held()


@dataclass(frozen=True)
class Job:
    name: str
    every_seconds: float
    run: Callable[[Scheduler], object]


JOBS: tuple[Job, ...] = (
    Job("deadline_sweep", 60, lambda s: s.run_due(s.clock.now())),
    Job("outbox_sender", 2, lambda s: s.sender.run_once()),
    Job("media_downloads", 15, lambda s: s.media_worker() if s.media_worker else None),
    Job("ledger_exports", 3, lambda s: s.export_worker() if s.export_worker else None),
    Job("parser_retrain", 3600, lambda s: s.parser_retrainer(s.clock.now()) if s.parser_retrainer else None),
)


def _guarded(job: Job, scheduler: Scheduler) -> Callable[[], None]:
    def run() -> None:
        try:
            if not scheduler.leads():
                return
            job.run(scheduler)
        except Exception:  # one failed run must not kill the schedule; the next run retries
            log.exception("scheduled job %s failed", job.name)

    return run
