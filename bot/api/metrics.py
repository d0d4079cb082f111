"""GET /metrics in the Prometheus text format (see bot/api/prometheus.py for what is measured)."""

from __future__ import annotations

from fastapi import APIRouter, Depends, FastAPI, Response
from fastapi.concurrency import run_in_threadpool
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest
from sqlalchemy.exc import SQLAlchemyError

from bot.api.api_access import require_api_token
from bot.api.prometheus import PROCESS, LedgerCollector, WebhookTimer
from bot.app_services import AppServices, Services

router = APIRouter()


def _exposition(services: AppServices) -> bytes:
    ledger = CollectorRegistry(auto_describe=False)
    ledger.register(LedgerCollector(services.session_factory, services.clock.now))
    try:
        from_db = generate_latest(ledger)
    except SQLAlchemyError:  # the process figures still say something while the database is away
        from_db = b"# guanjia: database unreachable, ledger figures left out\n"
    return generate_latest(PROCESS) + from_db


# Behind the API token: the figures tell an outsider how busy the ledger is and what is overdue.
@router.get("/metrics", include_in_schema=False, dependencies=[Depends(require_api_token)])
async def metrics(services: Services) -> Response:
    body = await run_in_threadpool(_exposition, services)
    return Response(content=body, media_type=CONTENT_TYPE_LATEST)


def install(app: FastAPI) -> None:
    """Serve /metrics and time the webhooks."""
    app.include_router(router)
    app.add_middleware(WebhookTimer)
