"""The FastAPI application: routes only; everything it needs comes in as AppServices."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import Depends, FastAPI
from fastapi.exceptions import RequestValidationError
from sqlalchemy.exc import InterfaceError, OperationalError
from starlette.exceptions import HTTPException

from bot.api import export, health, metrics, platform_webhooks, tickets_api, webhooks
from bot.api.api_access import require_api_token
from bot.api.body_limit import BodyLimitMiddleware
from bot.api.errors import database_unavailable_handler, http_error_handler, request_validation_handler
from bot.app_services import AppServices
from bot.connections.registry import configured_connections
from bot.connections.runner import ConnectionRunner
from bot.web import router as web_router
from bot.web import static_files
from bot.web.error_pages import pages_or

log = logging.getLogger(__name__)


@asynccontextmanager
async def _lifespan(app: FastAPI) -> AsyncIterator[None]:
    services: AppServices = app.state.services
    if services.settings.run_scheduler:
        services.scheduler.start()
    # Long connections (DingTalk Stream, …): each runs in one server process, under its own lease.
    connections = ConnectionRunner(configured_connections(services), services.engine, services.clock)
    connections.start()
    try:
        yield
    finally:
        await connections.stop()
        services.scheduler.shutdown()
        if services.group_commit is not None:
            services.group_commit.stop()


def create_app(services: AppServices) -> FastAPI:
    # The API description lists every route and field: served only when GUANJIA_DEV_DOCS=true.
    docs = services.settings.dev_docs
    app = FastAPI(
        title="创城大管家 guanjia",
        version="0.1.0",
        lifespan=_lifespan,
        docs_url="/docs" if docs else None,
        redoc_url="/redoc" if docs else None,
        openapi_url="/openapi.json" if docs else None,
    )
    app.state.services = services
    # Errors as JSON on the API and webhooks, as the styled error page on the web pages.
    app.add_exception_handler(RequestValidationError, pages_or(request_validation_handler))
    app.add_exception_handler(HTTPException, pages_or(http_error_handler))
    for unavailable in (OperationalError, InterfaceError):
        app.add_exception_handler(unavailable, pages_or(database_unavailable_handler))
    app.include_router(webhooks.router)
    app.include_router(platform_webhooks.router)
    api_guard = [Depends(require_api_token)]
    app.include_router(tickets_api.router, dependencies=api_guard)
    app.include_router(export.router, dependencies=api_guard)
    app.include_router(health.router)
    app.include_router(web_router)
    app.add_middleware(BodyLimitMiddleware)  # every request body within settings.max_body_bytes, else 413
    metrics.install(app)  # GET /metrics; times the webhooks (outermost, so 413s count too)
    app.mount("/static", static_files(), name="static")
    if services.settings.api_token is None:
        log.warning("GUANJIA_API_TOKEN is not set: /api/* is readable without a token.")
    if services.settings.generic_webhook_enabled and services.settings.generic_secret is None:
        log.warning(
            "GUANJIA_GENERIC_SECRET is not set: /webhook/generic accepts unsigned requests, so anyone "
            "who can reach it can post as anyone, the 创城办 included. Set it (or "
            "GUANJIA_GENERIC_WEBHOOK_ENABLED=false) before exposing the service beyond this machine."
        )
    if services.settings.feishu_verification_token is not None and services.settings.feishu_encrypt_key is None:
        log.warning(
            "GUANJIA_FEISHU_ENCRYPT_KEY is not set: Feishu callbacks carry no signature, only the "
            "verification token, so anyone who has the token can forge any Feishu message. "
            "Set an Encrypt Key in the Feishu console and GUANJIA_FEISHU_ENCRYPT_KEY."
        )
    if services.settings.media_allow_loopback:
        log.warning("GUANJIA_MEDIA_ALLOW_LOOPBACK is on: photo downloads may reach this machine (tests only).")
    return app
