"""Webhook transport: read the body within limits, check the signature, hand on. Nothing else."""

from __future__ import annotations

import json
import logging

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from pydantic import ValidationError

from bot.adapters import generic
from bot.api.errors import describe_validation, error_response, unauthenticated
from bot.api.intake_calls import take_in
from bot.app_services import AppServices

log = logging.getLogger(__name__)
router = APIRouter()


class BodyTooLarge(Exception):
    pass


async def read_body(request: Request, limit: int) -> bytes:
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > limit:
        raise BodyTooLarge
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise BodyTooLarge
        chunks.append(chunk)
    return b"".join(chunks)


@router.post("/webhook/generic")
async def generic_webhook(request: Request) -> JSONResponse:
    services: AppServices = request.app.state.services
    settings = services.settings
    if not settings.generic_webhook_enabled:
        return error_response(404, "not_found", "the generic webhook is off (GUANJIA_GENERIC_WEBHOOK_ENABLED=false)")
    try:
        body = await read_body(request, settings.max_body_bytes)
    except BodyTooLarge:
        return error_response(413, "body_too_large", f"body is larger than {settings.max_body_bytes} bytes")
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
    incoming = generic.to_incoming(payload, services.cfg.timezone, services.cfg.bot_names)
    outcome = await take_in(request, services, incoming)
    return JSONResponse(outcome.to_json())
