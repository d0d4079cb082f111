"""Webhook transport: read the body (BodyLimitMiddleware bounds it), check the signature, hand on."""

from __future__ import annotations

import json
import logging
from datetime import datetime

from fastapi import APIRouter, BackgroundTasks, Request
from fastapi.responses import JSONResponse
from pydantic import ValidationError
from sqlalchemy.orm import Session

from bot.adapters import generic
from bot.api.errors import describe_validation, error_response, unauthenticated
from bot.api.intake_calls import take_in
from bot.app_services import Services
from bot.chat.intake import Effect
from bot.chat.messages import IncomingMessage, Outcome
from bot.media import downloads

log = logging.getLogger(__name__)
router = APIRouter()


@router.post("/webhook/generic")
async def generic_webhook(request: Request, services: Services, background: BackgroundTasks) -> JSONResponse:
    settings = services.settings
    if not settings.generic_webhook_enabled:
        return error_response(404, "not_found", "the generic webhook is off (GUANJIA_GENERIC_WEBHOOK_ENABLED=false)")
    body = await request.body()  # within max_body_bytes: BodyLimitMiddleware answered 413 otherwise
    if settings.generic_secret is not None:
        problem = generic.signature_problem(
            settings.generic_secret.get_secret_value(),
            request.headers.get(generic.TIMESTAMP_HEADER),
            request.headers.get(generic.SIGNATURE_HEADER),
            body,
            services.clock.now(),
            settings.signature_tolerance_seconds,
        )
        if problem is not None:
            return unauthenticated("generic", problem)
    try:
        data = json.loads(body)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        return error_response(422, "invalid_json", f"body is not valid JSON: {exc}")
    if not isinstance(data, dict):
        return error_response(422, "invalid_request", "body must be a JSON object")
    try:
        payload = generic.GenericMessage.model_validate(data)
    except ValidationError as exc:
        return error_response(422, "invalid_request", describe_validation(exc.errors()))
    message = generic.inline_photos(generic.to_incoming(payload, services.cfg.timezone, services.cfg.bot_names))
    effects: tuple[Effect, ...] = ()
    if message.media:  # inline photos are stored only once checked and re-encoded (README "Photos")
        refs = message.media

        def queue_photos(session: Session, _msg: IncomingMessage, _outcome: Outcome, now: datetime) -> None:
            downloads.queue(session, now, refs)

        effects = (queue_photos,)
    outcome = await take_in(request, services, message.incoming, effects)
    if message.media:
        background.add_task(downloads.worker(services.settings, services.session_factory, services.clock).run_once)
    return JSONResponse(outcome.to_json())
