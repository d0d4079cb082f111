"""Webhook transport: read the body (BodyLimitMiddleware bounds it), check the signature, hand on."""

from __future__ import annotations

import json
import logging

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from pydantic import ValidationError

from bot.adapters import generic
from bot.api.errors import describe_validation, error_response
from bot.api.intake_calls import take_in
from bot.app_services import Services

log = logging.getLogger(__name__)
router = APIRouter()


@router.post("/webhook/generic")
async def generic_webhook(request: Request, services: Services) -> JSONResponse:
    settings = services.settings
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
            log.warning("generic webhook refused: %s", problem)
            return error_response(401, "bad_signature", problem)
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
    incoming = generic.to_incoming(payload, services.cfg.timezone, services.cfg.bot_names)
    outcome = await take_in(request, services, incoming)
    return JSONResponse(outcome.to_json())
