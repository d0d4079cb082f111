"""Everything a running app needs, built once: config, clock, database, intake, outbox, scheduler."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from bot.chat.group_commit import BatchWriter, GroupCommit, LoopGroupCommit
from bot.chat.intake import Intake
from bot.core.clock import Clock, SystemClock
from bot.core.db import make_engine, make_session_factory
from bot.core.open_transactions import watch_open_transactions
from bot.media import downloads
from bot.outbound.delivery import Transport
from bot.outbound.sender import OutboxSender
from bot.outbound.transports import default_transports
from bot.parsing.learning import nightly, train_in_subprocess
from bot.parsing.loading import ParserSource
from bot.reports.exports.jobs import ExportWorker
from bot.schedule.campaign_jobs import CampaignEscalationProducer
from bot.schedule.digest_jobs import digest_producers
from bot.schedule.lease import SchedulerLease
from bot.schedule.rechecks import RecheckProducer
from bot.schedule.round_jobs import RoundTimeoutProducer
from bot.schedule.scheduler import DueProducer, Scheduler
from config.loader import load_config
from config.schema import GuanjiaConfig
from config.settings import Settings
from handlers import load_handlers


@dataclass
class AppServices:
    settings: Settings
    cfg: GuanjiaConfig
    clock: Clock
    engine: Engine
    session_factory: sessionmaker[Session]
    intake: Intake
    sender: OutboxSender
    scheduler: Scheduler
    # The intake's writer for HTTP messages (GUANJIA_INTAKE_GROUP_COMMIT); None: one transaction each.
    group_commit: BatchWriter | None = None


def build_services(
    settings: Settings,
    cfg: GuanjiaConfig | None = None,
    clock: Clock | None = None,
    engine: Engine | None = None,
    transports: dict[str, Transport] | None = None,
) -> AppServices:
    cfg = cfg or load_config(settings.config)
    clock = clock or SystemClock()
    engine = engine or make_engine(settings.database_url)
    session_factory = make_session_factory(engine)
    intake = Intake(session_factory, cfg, clock, ParserSource(cfg, settings.parser_model, clock), load_handlers())
    sender = OutboxSender(session_factory, cfg, clock, transports or default_transports(clock))
    producers: list[DueProducer] = [
        *digest_producers(),
        RoundTimeoutProducer(),
        RecheckProducer(),
        CampaignEscalationProducer(),
    ]
    scheduler = Scheduler(session_factory, cfg, clock, sender, producers=producers)
    scheduler.lease = SchedulerLease(engine)
    group_commit = _batch_writer(settings, engine, intake) if settings.intake_group_commit else None
    services = AppServices(settings, cfg, clock, engine, session_factory, intake, sender, scheduler, group_commit)
    scheduler.media_worker = lambda: downloads.worker(settings, session_factory, clock).run_once()
    scheduler.export_worker = ExportWorker(session_factory, cfg, clock, settings.export_dir).run_once
    scheduler.parser_retrainer = lambda now: nightly(cfg, settings.parser_model, now, train_in_subprocess)
    return services


def _batch_writer(settings: Settings, engine: Engine, intake: Intake) -> BatchWriter:
    on_loop = settings.intake_writer == "loop" or (settings.intake_writer == "auto" and engine.dialect.name == "sqlite")
    return LoopGroupCommit(intake, watch_open_transactions(engine)) if on_loop else GroupCommit(intake)


def services_of(request: Request) -> AppServices:
    """The running app's services (create_app puts them on app.state)."""
    services: AppServices = request.app.state.services
    return services


async def request_services(request: Request) -> AppServices:
    """services_of as a route dependency. `async` because FastAPI runs a plain `def` dependency
    on a worker thread: a thread hop on every request, a sixth of a bare webhook's cost."""
    return services_of(request)


# A route parameter `services: Services` receives the app's services: the API and the web
# ask for them the same way, and a test can override the one dependency.
Services = Annotated[AppServices, Depends(request_services)]
